import { closeSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BaseExecutor, LatticeworkError, coresOf, workerNodeArgs } from "@latticework/core";
import type { Executor, ExecutorCapabilities, ExecutorContext, Submission, TaskOutcome, TaskSpec } from "@latticework/core";
import { matchesInProcess, parseLocalOptions, type LocalOptions, type LocalOptionsInput } from "./options.js";
import { Pool } from "./pool.js";
import { loadRunner } from "./runner.js";

/** Path of the worker entry (child.js next to this file; child.ts when running from source). */
function childEntry(): string {
  const self = import.meta.url;
  return fileURLToPath(new URL(self.endsWith(".ts") ? "./child.ts" : "./child.js", self));
}

function refuse(code: string, message: string): Submission["outcome"] {
  return Promise.resolve<TaskOutcome>({ state: "failed", error: { code, message, retryable: false } });
}

/**
 * The local process-pool executor. Create it with {@link local}; the runtime calls `start`,
 * `submit`, `cancel` and `dispose`.
 */
export class LocalExecutor extends BaseExecutor implements Executor {
  readonly name: string;
  override readonly capabilities: ExecutorCapabilities;
  /** Options after defaults (frozen). */
  readonly options: LocalOptions;
  #pool: Pool | null = null;
  #logFd: number | null = null;
  #state: "new" | "starting" | "started" | "disposed" = "new";
  #disposing: Promise<void> | null = null;

  constructor(options: LocalOptionsInput = {}) {
    super();
    this.options = parseLocalOptions(options);
    this.name = this.options.name;
    this.capabilities = Object.freeze({ cancel: true, attach: false, mpi: true, remote: false, timeouts: true, maxConcurrency: this.options.cores, sharedSignal: true });
  }

  override async start(ctx: ExecutorContext): Promise<void> {
    if (this.#state !== "new") throw new LatticeworkError("EXECUTOR_ERROR", `[local] Executor "${this.name}" was already started; create a new one with local().`);
    this.#state = "starting";
    await super.start(ctx);
    const o = this.options;
    try {
      const logDir = resolve(o.logDir ?? ctx.stateDir);
      mkdirSync(logDir, { recursive: true, mode: 0o700 });
      const usesWorkers = o.inProcess !== true;
      const runner = o.inProcess === false ? null : await loadRunner(o.runnerModule);
      let start = null;
      if (usesWorkers) {
        this.#logFd = openSync(join(logDir, "workers.log"), "a", 0o600);
        start = { entry: childEntry(), execArgv: [...workerNodeArgs(), ...o.nodeArgs], env: o.env, cwd: resolve(o.cwd ?? process.cwd()), runnerModule: o.runnerModule, logLevel: o.logLevel, logFd: this.#logFd };
      }
      this.#pool = new Pool(o, ctx, start, runner);
      await this.#pool.start();
      this.#state = "started";
    } catch (e) {
      await this.dispose().catch(() => {});
      if (e instanceof LatticeworkError) throw e;
      throw new LatticeworkError("EXECUTOR_ERROR", `[local] Executor "${this.name}" could not start: ${(e as Error).message}`, { cause: e });
    }
  }

  async submit(task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    if (this.#state === "disposed") throw new LatticeworkError("EXECUTOR_DISPOSED", `[local] Executor "${this.name}" was disposed; it accepts no more tasks.`);
    if (this.#state !== "started" || !this.#pool) throw new LatticeworkError("EXECUTOR_ERROR", `[local] Executor "${this.name}" is not started; call start() (the runtime does) before submit().`);
    const nativeId = task.taskId;
    const cpus = coresOf(task.resources);
    if ((task.resources.nodes ?? 1) > 1) {
      return { nativeId, outcome: refuse("RESOURCES_UNAVAILABLE", `[local] Job "${task.job}" asks for ${task.resources.nodes} nodes, but the local executor runs on this machine only. Send it to a SLURM executor, or set resources.nodes to 1.`) };
    }
    if (cpus > this.options.cores) {
      return { nativeId, outcome: refuse("RESOURCES_UNAVAILABLE", `[local] Job "${task.job}" needs ${cpus} cores but executor "${this.name}" has ${this.options.cores} (option \`cores\`). Lower the job's resources (cpus, or ranks x cpusPerRank) or raise \`cores\`.`) };
    }
    return { nativeId, outcome: this.#pool.submit(task, cpus, matchesInProcess(this.options.inProcess, task.job), signal) };
  }

  override async cancel(nativeId: string): Promise<void> {
    this.#pool?.cancel(nativeId);
  }

  override dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      this.#state = "disposed";
      try {
        await this.#pool?.dispose();
      } finally {
        if (this.#logFd !== null) closeSync(this.#logFd);
        this.#logFd = null;
      }
    })();
    return this.#disposing;
  }

  /**
   * Resolves once every worker (including replacements of crashed or recycled ones) has finished
   * starting. Useful before timing-sensitive work, e.g. benchmarks.
   */
  async ready(): Promise<void> {
    await this.#pool?.whenReady();
  }

  /** Process ids of the live pool workers (diagnostics, tests). */
  workerPids(): number[] {
    return this.#pool?.workerPids() ?? [];
  }
}

/**
 * Create a local process-pool executor: persistent worker processes sized by cores, a job with
 * `resources.cpus: n` takes n slots, cancel and time-out kill the job's process tree.
 *
 * @example
 * ```ts
 * import { createRuntime } from "@latticework/core";
 * import { local } from "@latticework/adapter-local";
 * const rt = createRuntime({ executors: { local: local({ workers: 2 }) } });
 * ```
 * @throws ValidationError (CONFIG_INVALID) listing every bad option, prefixed `[local]`.
 */
export function local(options: LocalOptionsInput = {}): LocalExecutor {
  return new LocalExecutor(options);
}
