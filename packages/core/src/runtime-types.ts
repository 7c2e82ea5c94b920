import type { Executor } from "./executor.js";
import type { RunStore } from "./store/run-store.js";
import type { Logger } from "./logger.js";
import type { Container } from "./container.js";
import type { EventSource, RunState } from "./events.js";
import type { TaskError } from "./task.js";
import type { Flow } from "./flow.js";
import type { Job } from "./job.js";

/** Route jobs to executors without touching flow code. First matching rule wins. */
export interface ExecutorRule {
  /** Job name, or a glob with `*` (e.g. "emt.*"). */
  job?: string;
  /** Matches when the job (or call) has this tag. */
  tag?: string;
  executor: string;
}

/** Options for `createRuntime`. */
export interface RuntimeOptions {
  /** A RunStore, or where to put the default SQLite store (default `.latticework/` in cwd). */
  store?: RunStore | { dir?: string };
  /** Executors by name. */
  executors?: Record<string, Executor>;
  /** Default executor name (default "local" when present, else the first). */
  defaultExecutor?: string;
  rules?: readonly ExecutorRule[];
  logger?: Logger;
  /** Root directory for per-task workdirs (default `<store dir>/work`). */
  workRoot?: string;
  /** Parent container (for tests or embedding); a child is created for the runtime. */
  container?: Container;
  /** Worker plugins added to every TaskSpec (see `TaskSpec.plugins`), e.g. ["@latticework/adapter-mpi"]. */
  workerPlugins?: readonly string[];
  /** Poll interval (ms) for cancel requests made from other processes (default 500). */
  cancelPollMs?: number;
  /**
   * Job calls started at once (input resolved, call recorded, attempt queued at an executor), over
   * all runs of the runtime (default 8192). Further calls wait, in order, holding only their input:
   * a 100,000-job flow stays at a few hundred MB. Raise it if one executor should have more jobs
   * queued at once (e.g. thousands of SLURM jobs submitted in one go).
   */
  maxStartedCalls?: number;
}

/** Options for one run. */
export interface RunOptions {
  /** Default executor for this run (beats the runtime default). */
  executor?: string;
  /** Extra rules for this run (checked before the runtime's). */
  rules?: readonly ExecutorRule[];
  signal?: AbortSignal;
  /** Use this run id (else generated). */
  runId?: string;
  /** Recorded so `resume` can import the target again: module + dotted export path. */
  target?: { module: string; exportPath: string };
}

/** Summary of one failed job in a failed run. */
export interface FailureSummary {
  runId: string;
  callPath: string;
  job: string;
  attempt: number;
  state: RunState;
  error: TaskError;
}

/** How a run ended. */
export interface RunResult<T = unknown> {
  runId: string;
  state: RunState;
  output: T | undefined;
  error: TaskError | null;
  /** Every failed job (after retries) in the run and its sub-flows. */
  failures: FailureSummary[];
}

/** A run in progress. */
export interface RunHandle<T = unknown> {
  readonly runId: string;
  readonly result: Promise<RunResult<T>>;
  cancel(reason?: string): void;
}

/** The orchestrator. One per process is typical; it owns executors, the store and DI scope. */
export interface Runtime {
  readonly store: RunStore;
  readonly events: EventSource;
  readonly container: Container;
  readonly logger: Logger;
  /** Start a flow (or a single job as a one-job run) and wait for it. Never throws for job failures. */
  run<T>(target: Flow<any, T> | Job, input: unknown, options?: RunOptions): Promise<RunResult<T>>;
  /** Start without waiting. */
  start<T>(target: Flow<any, T> | Job, input: unknown, options?: RunOptions): RunHandle<T>;
  /** Replay a run: completed calls return stored outputs, in-flight calls re-attach, the rest run. */
  resume(runId: string, options?: Omit<RunOptions, "runId">): Promise<RunResult>;
  /** Re-run only what failed/was cancelled in a finished run (same replay mechanism). */
  retry(runId: string, options?: Omit<RunOptions, "runId">): Promise<RunResult>;
  /** Ask a run to stop (works from any process sharing the store). */
  cancel(runId: string): Promise<void>;
  close(): Promise<void>;
}
