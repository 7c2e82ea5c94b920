import type { Executor, ExecutorCapabilities, ExecutorContext, Submission } from "./executor.js";
import type { TaskSpec } from "./task.js";
import { noopLogger, type Logger } from "./logger.js";

/** Capabilities of an executor that declares none: everything false, unbounded concurrency. */
export const NO_CAPABILITIES: ExecutorCapabilities = Object.freeze({
  cancel: false,
  attach: false,
  mpi: false,
  remote: false,
  timeouts: false,
});

/**
 * Abstract base for executors, with defaults for every member except `name` and `submit`, so
 * members added to the {@link Executor} contract later do not break third-party adapters.
 * `start` keeps the {@link ExecutorContext} in `this.context` (and `this.logger`).
 *
 * @example
 * ```ts
 * class Inline extends BaseExecutor {
 *   readonly name = "inline";
 *   override readonly capabilities = { ...NO_CAPABILITIES, cancel: true };
 *   async submit(task: TaskSpec, signal: AbortSignal) {
 *     return { nativeId: task.taskId, outcome: runTask(task, { signal }) };
 *   }
 * }
 * ```
 */
export abstract class BaseExecutor implements Executor {
  abstract readonly name: string;
  /** Override to declare what the executor can do. Default: nothing optional. */
  readonly capabilities: ExecutorCapabilities = NO_CAPABILITIES;
  /** Set by the default `start`. */
  protected context: ExecutorContext | undefined;

  /** Logger from the start context (no-op before start). */
  protected get logger(): Logger {
    return this.context?.logger ?? noopLogger;
  }

  /** Default: remember the context. Override to acquire resources (call `super.start(ctx)`). */
  async start(ctx: ExecutorContext): Promise<void> {
    this.context = ctx;
  }

  abstract submit(task: TaskSpec, signal: AbortSignal): Promise<Submission>;

  /** Default: nothing to cancel (work stops through the submit signal, if at all). */
  async cancel(_nativeId: string): Promise<void> {}

  /** Default: nothing to release. */
  async dispose(): Promise<void> {}
}
