import { z } from "zod";
import { ValidationError, zodIssues } from "@latticework/core";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names use letters, digits and _");

/** CPU binding of ranks; "none" turns binding off. Absent: the MPI library's default. */
export const BindingSchema = z.enum(["core", "hwthread", "socket", "numa", "none"]);
/** CPU binding of ranks. */
export type Binding = z.infer<typeof BindingSchema>;

/** Options of one launcher (mpirun, mpiexec or srun). */
export const LauncherOptionsSchema = z
  .object({
    /** Program to run: a name on PATH or an absolute path (default "mpirun", "mpiexec" or "srun"). */
    program: z.string().min(1).optional(),
    /** Arguments always added before the per-launch `launcherArgs`. */
    args: z.array(z.string()).default([]),
    /** Environment always passed to every rank. */
    env: z.record(envName, z.string()).default({}),
    /** CPU binding (per-launch `binding` wins). */
    binding: BindingSchema.optional(),
    /** SIGTERM -> SIGKILL grace when a launch is cancelled or times out (ms). */
    killGraceMs: z.number().int().nonnegative().default(5000),
    /** Lines of stderr quoted in LAUNCH_FAILED errors. */
    stderrTailLines: z.number().int().positive().default(20),
  })
  .strict();

/** Launcher options as users write them. */
export type LauncherOptions = z.input<typeof LauncherOptionsSchema>;
/** Launcher options after defaults. */
export type ResolvedLauncherOptions = z.output<typeof LauncherOptionsSchema>;

/** Names of the MPI launchers this package provides. */
export const MPI_LAUNCHER_NAMES = ["mpirun", "mpiexec", "srun"] as const;
/** Name of an MPI launcher. */
export type MpiLauncherName = (typeof MPI_LAUNCHER_NAMES)[number];

/** Options of {@link registerMpiLaunchers}: which launcher MPI launches use, and each launcher's settings. */
export const MpiOptionsSchema = z
  .object({
    /** Launcher for MPI launches that name none; "auto" detects (see README). */
    launcher: z.enum(["auto", ...MPI_LAUNCHER_NAMES]).default("auto"),
    mpirun: LauncherOptionsSchema.default(LauncherOptionsSchema.parse({})),
    mpiexec: LauncherOptionsSchema.default(LauncherOptionsSchema.parse({})),
    srun: LauncherOptionsSchema.default(LauncherOptionsSchema.parse({})),
  })
  .strict();

/** MPI options as users write them. */
export type MpiOptions = z.input<typeof MpiOptionsSchema>;
/** MPI options after defaults. */
export type ResolvedMpiOptions = z.output<typeof MpiOptionsSchema>;

/**
 * Validate MPI options, reporting every problem at once, prefixed with `[mpi]`.
 * @throws ValidationError (CONFIG_INVALID).
 */
export function parseMpiOptions(input: unknown): ResolvedMpiOptions {
  const r = MpiOptionsSchema.safeParse(input ?? {});
  if (!r.success) throw new ValidationError("CONFIG_INVALID", "[mpi] Invalid MPI launcher options", zodIssues(r.error));
  return r.data;
}

/**
 * MPI options from environment variables, for workers (which get no options object):
 * `LATTICEWORK_MPI_LAUNCHER` (auto|mpirun|mpiexec|srun), `LATTICEWORK_MPIRUN`, `LATTICEWORK_MPIEXEC`,
 * `LATTICEWORK_SRUN` (program paths), `LATTICEWORK_MPI_BINDING`.
 */
export function mpiOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ResolvedMpiOptions {
  const binding = env.LATTICEWORK_MPI_BINDING || undefined;
  const one = (program: string | undefined) => ({ ...(program ? { program } : {}), ...(binding ? { binding } : {}) });
  return parseMpiOptions({
    ...(env.LATTICEWORK_MPI_LAUNCHER ? { launcher: env.LATTICEWORK_MPI_LAUNCHER } : {}),
    mpirun: one(env.LATTICEWORK_MPIRUN),
    mpiexec: one(env.LATTICEWORK_MPIEXEC),
    srun: one(env.LATTICEWORK_SRUN),
  });
}
