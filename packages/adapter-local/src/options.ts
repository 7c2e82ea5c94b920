import { availableParallelism } from "node:os";
import { z } from "zod";
import { ValidationError, zodIssues } from "@latticework/core";

/**
 * Options of the local process-pool executor, as one strict zod schema with defaults. `z.input` of
 * this schema ({@link LocalOptionsInput}) is what users pass to `local()` or put in a config file.
 */
export const LocalOptionsSchema = z
  .object({
    /** Executor name used in logs and the store. */
    name: z.string().min(1).default("local"),
    /** Cores (slots) the pool may use at once. A job with `resources.cpus: 2` takes two. Default: all cores. */
    cores: z.number().int().positive().max(65_536).optional(),
    /** Persistent worker processes. Default: min(cores, available cores). */
    workers: z.number().int().positive().max(1024).optional(),
    /** Tasks one worker runs at the same time (async jobs overlap; CPU-bound JS jobs take turns). */
    maxTasksPerWorker: z.number().int().positive().max(1024).default(4),
    /**
     * Tasks queued ahead inside a worker behind the running one, for jobs measured to be short
     * (see `shortTaskMs`): hides the round trip to the orchestrator and batches messages.
     */
    prefetch: z.number().int().min(1).max(4096).default(32),
    /** A job whose recent attempts took at most this long (ms) counts as short (eligible for prefetch). */
    shortTaskMs: z.number().nonnegative().default(10),
    /** Run in the orchestrator process instead of a worker: `true` for every job, or a list of job names (`*` globs allowed). */
    inProcess: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
    /**
     * Which tasks get a worker to themselves, so that force-killing them can never hit another task:
     * "timeouts" (tasks with a time-out or deadline), "always", or "never".
     */
    isolate: z.enum(["timeouts", "always", "never"]).default("timeouts"),
    /** Lowest level of `ctx.logger` lines written to a task's stdout.log/stderr.log. */
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
    /** Extra environment for the worker processes. */
    env: z.record(z.string(), z.string()).default({}),
    /** After a cancel or time-out, how long (ms) a job gets to stop by itself before its process tree is killed. */
    killGraceMs: z.number().int().nonnegative().max(600_000).default(2000),
    /** Directory for the workers' own log (`workers.log`). Default: the executor state directory the runtime gives. */
    logDir: z.string().min(1).optional(),
    /** Working directory of the worker processes. Default: the orchestrator's cwd. */
    cwd: z.string().min(1).optional(),
    /** Extra Node.js flags for workers, e.g. ["--max-old-space-size=4096"]. */
    nodeArgs: z.array(z.string()).default([]),
    /**
     * Module whose `runTask(spec, { container, logger, signal })` export runs one task. Default:
     * "@latticework/core". Only change it to wrap or instrument the worker.
     */
    runnerModule: z.string().min(1).default("@latticework/core"),
  })
  .strict()
  .transform((o) => {
    const cores = o.cores ?? availableParallelism();
    return Object.freeze({ ...o, cores, workers: o.workers ?? Math.min(cores, availableParallelism()) });
  });

/** Options accepted by `local()` (all optional). */
export type LocalOptionsInput = z.input<typeof LocalOptionsSchema>;
/** Options after defaults. */
export type LocalOptions = z.output<typeof LocalOptionsSchema>;

/**
 * Validate options, reporting every problem at once.
 * @throws ValidationError (code CONFIG_INVALID) listing each bad option.
 */
export function parseLocalOptions(input: unknown): LocalOptions {
  const r = LocalOptionsSchema.safeParse(input ?? {});
  if (!r.success) throw new ValidationError("CONFIG_INVALID", "[local] Invalid executor options (fix each one listed)", zodIssues(r.error));
  return r.data;
}

/** Does a job name match the `inProcess` option? */
export function matchesInProcess(option: LocalOptions["inProcess"], job: string): boolean {
  if (typeof option === "boolean") return option;
  return option.some((p) => (p.includes("*") ? globToRegExp(p).test(job) : p === job));
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`);
}
