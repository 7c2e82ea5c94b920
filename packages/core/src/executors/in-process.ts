import type { Container } from "../container.js";
import type { ExecutorCapabilities, Submission } from "../executor.js";
import type { TaskOutcome, TaskSpec } from "../task.js";
import { BaseExecutor, NO_CAPABILITIES } from "../executor-base.js";
import { runTask } from "../worker/run-task.js";

/** Options of {@link inProcessExecutor}. */
export interface InProcessExecutorOptions {
  /** Name under which the executor reports (default "in-process"; the runtime uses its registration key in the store). */
  name?: string;
  /** Container the worker resolves launchers/logger from (default: the worker's per-process one). */
  container?: Container;
  /** Where outputs over 256 KiB are written as artifacts (default: the input artifact's directory, if any). */
  artifactDir?: string;
}

class InProcessExecutor extends BaseExecutor {
  readonly name: string;
  override readonly capabilities: ExecutorCapabilities = { ...NO_CAPABILITIES, cancel: true };
  readonly #options: InProcessExecutorOptions;
  readonly #running = new Map<string, AbortController>();

  constructor(options: InProcessExecutorOptions) {
    super();
    this.name = options.name ?? "in-process";
    this.#options = options;
  }

  async submit(task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    const ctrl = new AbortController();
    const nativeId = task.taskId;
    this.#running.set(nativeId, ctrl);
    const onAbort = (): void => ctrl.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const container = this.#options.container;
    const artifactDir = this.#options.artifactDir;
    const outcome: Promise<TaskOutcome> = runTask(task, {
      signal: ctrl.signal,
      ...(container ? { container } : {}),
      ...(artifactDir ? { artifactDir } : {}),
      logger: this.logger,
    }).finally(() => {
      signal.removeEventListener("abort", onAbort);
      this.#running.delete(nativeId);
    });
    return { nativeId, outcome };
  }

  override async cancel(nativeId: string): Promise<void> {
    this.#running.get(nativeId)?.abort(new Error("Cancelled"));
  }

  override async dispose(): Promise<void> {
    for (const c of this.#running.values()) c.abort(new Error("Executor disposed"));
    this.#running.clear();
  }
}

/**
 * An executor that runs tasks inside the orchestrator process, through the same worker code
 * (`runTask`) every other executor uses: resolve the job, validate input, run, validate output.
 * No isolation: a job that blocks the event loop blocks the runtime, and cancellation and time-outs
 * stop a job only when it honours `ctx.signal` (its result is discarded either way). Use it for tests
 * and tiny jobs; use `@latticework/adapter-local` for real work.
 *
 * @example
 * ```ts
 * const rt = createRuntime({ executors: { local: inProcessExecutor() } });
 * ```
 */
export function inProcessExecutor(options: InProcessExecutorOptions = {}): BaseExecutor {
  return new InProcessExecutor(options);
}
