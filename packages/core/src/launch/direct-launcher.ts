import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { CancelledError, LatticeworkError, TimeoutError, ValidationError, zodIssues } from "../errors.js";
import type { LaunchOptions, LaunchRequest, LaunchResult, Launcher } from "../launcher.js";
import { findProgram } from "./find-program.js";
import { terminateGroup, trackGroup, untrackGroup } from "./process-groups.js";
import { tailFile } from "./tail-file.js";

/** Options of {@link DirectLauncher}. */
export const DirectLauncherOptionsSchema = z
  .object({
    /** Time between SIGTERM and SIGKILL when a launched program is cancelled or times out (ms). */
    killGraceMs: z.number().int().nonnegative().default(5000),
    /** Lines of stderr quoted in LAUNCH_FAILED errors. */
    stderrTailLines: z.number().int().positive().default(20),
  })
  .strict();

/** Options accepted by `new DirectLauncher(...)` (all optional). */
export type DirectLauncherOptions = z.input<typeof DirectLauncherOptionsSchema>;

/** Render a command line for messages (arguments with spaces or quotes are JSON-quoted). */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

function extraEnv(options: LaunchOptions): Record<string, string> {
  const env: Record<string, string> = {};
  const threads = options.threadsPerRank ?? options.cpusPerRank;
  if (threads !== undefined) env.OMP_NUM_THREADS = String(threads);
  Object.assign(env, options.env ?? {});
  return env;
}

/**
 * Core's default launcher: runs the program once, directly (no shell, so arguments are never
 * interpreted), in the job's workdir, with stdout/stderr written to `<name>.stdout`/`<name>.stderr`.
 * The program gets its own process group, so cancel and time-out stop everything it started:
 * SIGTERM to the group, then SIGKILL after `killGraceMs`.
 *
 * @example
 * ```ts
 * const res = await new DirectLauncher().launch({ program: "echo", options: { args: ["hi"] },
 *   placement: { hosts: [{ host: "localhost", slots: 1 }], source: "local" }, workdir, signal });
 * ```
 */
export class DirectLauncher implements Launcher {
  readonly name = "direct";
  readonly #options: Readonly<z.output<typeof DirectLauncherOptionsSchema>>;

  constructor(options: DirectLauncherOptions = {}) {
    const parsed = DirectLauncherOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError("CONFIG_INVALID", "[direct-launcher] Invalid options", zodIssues(parsed.error));
    this.#options = Object.freeze(parsed.data);
  }

  render(req: Omit<LaunchRequest, "signal">): { argv: readonly string[]; env: Record<string, string> } {
    const { program, options } = req;
    if (typeof program !== "string" || program.length === 0) {
      throw new LatticeworkError("LAUNCH_FAILED", "[direct-launcher] `program` must be a non-empty string naming an executable.");
    }
    if ((options.ranks ?? 1) > 1 || options.mpi === true) {
      throw new LatticeworkError(
        "NOT_SUPPORTED",
        `[direct-launcher] The "direct" launcher runs "${program}" once; ranks=${options.ranks ?? 1}${options.mpi ? ", mpi=true" : ""} needs an MPI launcher. Add the "@latticework/adapter-mpi" worker plugin, or drop \`launcher: "direct"\`.`,
      );
    }
    return { argv: [program, ...(options.args ?? [])], env: extraEnv(options) };
  }

  async launch(req: LaunchRequest): Promise<LaunchResult> {
    const { options, workdir, signal } = req;
    const { argv, env: extra } = this.render(req);
    if (signal.aborted) throw abortError(signal);
    const cwd = options.cwd ? resolve(workdir, options.cwd) : workdir;
    if (!options.cwd) mkdirSync(workdir, { recursive: true });
    else if (!isDirectory(cwd)) {
      throw new LatticeworkError("LAUNCH_FAILED", `Cannot run "${req.program}": its working directory ${cwd} does not exist. Create it first or fix the launch's \`cwd\`.`, {
        details: { program: req.program, cwd },
      });
    }
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...extra };
    const found = findProgram(req.program, cwd, env.PATH);
    if (!found.path) {
      const where = req.program.includes("/") ? `at ${found.searched[0]} (relative to ${cwd})` : `on PATH (searched: ${found.searched.join(", ") || "PATH is empty"})`;
      throw new LatticeworkError(
        "LAUNCH_FAILED",
        `Program "${req.program}" was not found or is not executable ${where}. Install it, give its absolute path, or set PATH in the launch's \`env\`.`,
        { details: { program: req.program, searched: found.searched } },
      );
    }
    const name = options.name ?? basename(req.program);
    const stdoutPath = options.stdoutFile ? resolve(cwd, options.stdoutFile) : join(workdir, `${name}.stdout`);
    const stderrPath = options.stderrFile ? resolve(cwd, options.stderrFile) : join(workdir, `${name}.stderr`);
    mkdirSync(dirname(stdoutPath), { recursive: true });
    mkdirSync(dirname(stderrPath), { recursive: true });
    const command = [found.path, ...argv.slice(1)];
    const started = Date.now();
    const outFd = openSync(stdoutPath, "w");
    const errFd = stderrPath === stdoutPath ? outFd : openSync(stderrPath, "w");
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    let aborted = false;
    try {
      exit = await new Promise((resolvePromise, reject) => {
        const child = spawn(found.path!, argv.slice(1), {
          cwd,
          env,
          detached: true,
          stdio: [options.stdin !== undefined ? "pipe" : "ignore", outFd, errFd],
        });
        const pid = child.pid;
        let killing: Promise<void> | undefined;
        const onAbort = (): void => {
          aborted = true;
          if (pid !== undefined) killing = terminateGroup(pid, this.#options.killGraceMs);
        };
        if (pid !== undefined) trackGroup(pid);
        signal.addEventListener("abort", onAbort, { once: true });
        child.once("error", (err) => {
          signal.removeEventListener("abort", onAbort);
          if (pid !== undefined) untrackGroup(pid);
          reject(new LatticeworkError("LAUNCH_FAILED", `Could not start "${req.program}" (${formatCommand(command)}): ${err.message}`, { cause: err }));
        });
        child.once("exit", (code, sig) => {
          signal.removeEventListener("abort", onAbort);
          void (async () => {
            if (killing) await killing;
            if (pid !== undefined) untrackGroup(pid);
            resolvePromise({ code, signal: sig });
          })();
        });
        if (child.stdin) {
          child.stdin.on("error", () => {
            /* the program may exit without reading its stdin */
          });
          child.stdin.end(options.stdin);
        }
      });
    } finally {
      closeSync(outFd);
      if (errFd !== outFd) closeSync(errFd);
    }
    const result: LaunchResult = { exitCode: exit.code, signal: exit.signal, stdoutPath, stderrPath, command, durationMs: Date.now() - started };
    if (aborted) throw abortError(signal);
    if ((options.check ?? true) && exit.code !== 0) {
      const stderrTail = await tailFile(stderrPath, this.#options.stderrTailLines);
      const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`;
      throw new LatticeworkError(
        "LAUNCH_FAILED",
        `Program "${req.program}" ${how} (command: ${formatCommand(command)}; cwd: ${cwd}).` +
          (stderrTail ? `\nLast lines of ${stderrPath}:\n${stderrTail}` : `\nIts stderr (${stderrPath}) is empty; see ${stdoutPath}.`) +
          "\nPass `check: false` to handle the exit code yourself.",
        { details: { exitCode: exit.code, signal: exit.signal, stdoutPath, stderrPath, stderrTail, command } },
      );
    }
    return result;
  }
}

/** The error a launch rejects with when its signal aborts: the abort reason when it is ours or an Error. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof LatticeworkError) return reason;
  // AbortSignal.timeout() and a bare abort() give DOMExceptions; say it in our own terms.
  if (reason instanceof Error && reason.name === "TimeoutError") return new TimeoutError("Launch timed out", { cause: reason });
  if (reason instanceof Error && reason.name !== "AbortError") return reason;
  return new CancelledError(typeof reason === "string" ? reason : "Launch cancelled", { cause: reason });
}
