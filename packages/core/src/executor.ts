import type { TaskOutcome, TaskSpec } from "./task.js";
import type { Logger } from "./logger.js";
import type { EventSink } from "./events.js";

/**
 * What an executor can do, as data. The runtime and the conformance suite read these flags instead
 * of doing `instanceof` checks.
 */
export interface ExecutorCapabilities {
  /** `cancel(nativeId)` stops running work (kills the process tree / scancel). */
  readonly cancel: boolean;
  /** `attach(nativeId, task)` re-attaches to work started by an earlier orchestrator process. */
  readonly attach: boolean;
  /** Can run MPI jobs (multi-rank, multi-node placements). */
  readonly mpi: boolean;
  /** Runs work on another machine (paths in outcomes are remote). */
  readonly remote: boolean;
  /** Enforces `TaskSpec.deadline` / `timeoutMs` itself (otherwise the runtime shell cancels on time-out). */
  readonly timeouts: boolean;
  /** Maximum tasks in flight at once, when bounded (e.g. pool slots); undefined = unbounded. */
  readonly maxConcurrency?: number;
  /**
   * The executor keeps no per-task listener on the AbortSignal given to `submit` once the task
   * ended (e.g. one listener per distinct signal). Then the runtime may hand every attempt of a
   * run the run's own signal instead of creating an AbortController per attempt. Default false.
   */
  readonly sharedSignal?: boolean;
}

/**
 * One submitted attempt. `nativeId` is the executor's own id (pool task id, SLURM job id, pilot
 * task id); the runtime stores it so `attach` can find the work again after a restart.
 */
export interface Submission {
  readonly nativeId: string;
  /** Settles exactly once with the attempt's outcome. Never rejects: failures are outcomes. */
  readonly outcome: Promise<TaskOutcome>;
}

/** Things the runtime hands an executor when it starts it. */
export interface ExecutorContext {
  readonly logger: Logger;
  /** Report intermediate states (submitted/running, pending reasons) for tasks. */
  readonly events: EventSink;
  /** Directory for the executor's own files (scratch, staged specs), private to the user. */
  readonly stateDir: string;
}

/**
 * The adapter contract. Implement this (most easily by extending `BaseExecutor`) to run tasks
 * somewhere new. Core wraps every executor in a runtime shell that owns the invariants: start once,
 * dispose once, no submit after dispose, validation before `submit`, time-outs when
 * `capabilities.timeouts` is false, retries, and store transitions. Executors therefore only
 * execute.
 *
 * @example
 * ```ts
 * class Inline extends BaseExecutor {
 *   readonly name = "inline";
 *   async submit(task: TaskSpec) {
 *     return { nativeId: task.taskId, outcome: runTaskInProcess(task) };
 *   }
 * }
 * ```
 */
export interface Executor {
  /** Name used in logs and the store (usually the key it was registered under). */
  readonly name: string;
  readonly capabilities: ExecutorCapabilities;
  /** Acquire resources (processes, connections). Called once by the shell before the first submit. */
  start(ctx: ExecutorContext): Promise<void>;
  /**
   * Start one attempt. Resolve as soon as the work is accepted (not when it finishes). `signal`
   * aborts when the runtime cancels the attempt; the executor must then stop the work and settle
   * the outcome as `cancelled`.
   */
  submit(task: TaskSpec, signal: AbortSignal): Promise<Submission>;
  /** Re-attach to work submitted by an earlier process (only when `capabilities.attach`). */
  attach?(nativeId: string, task: TaskSpec, signal: AbortSignal): Promise<Submission>;
  /** Stop one attempt by native id. Must be idempotent and safe for ids that already ended. */
  cancel(nativeId: string): Promise<void>;
  /** Release everything (processes, connections, timers). Called once; outstanding work is cancelled. */
  dispose(): Promise<void>;
}

/** A factory value users put in `createRuntime({ executors })` or config files reference by package. */
export type ExecutorFactory = (name: string) => Executor;

/**
 * What an adapter package exports (as `adapter`) so config files can name it by package:
 * `{ "executors": { "hpc": { "adapter": "@latticework/adapter-slurm", "options": { ... } } } }`.
 * The CLI validates `options` with `optionsSchema` (every problem reported at once) and calls `create`.
 */
export interface AdapterModule<Options = unknown> {
  /** Package name, for messages. */
  readonly name: string;
  /** Zod schema of the options block (strict object, defaults inside). */
  readonly optionsSchema: import("zod").ZodType<Options>;
  create(options: Options, context: { name: string; configDir: string }): Executor;
}
