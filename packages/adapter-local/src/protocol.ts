import type { TaskOutcome, TaskSpec } from "@latticework/core";

/**
 * Messages between the orchestrator and a pool worker over the IPC channel (JSON serialisation).
 * The parent always sends an array of messages (batched per tick); the child batches outcomes.
 */
export type ParentMessage =
  /** Append tasks to a lane; a lane runs its tasks one after another, lanes run concurrently. */
  | { t: "run"; lane: number; specs: TaskSpec[] }
  /** Abort tasks (cooperatively: their AbortSignal fires). Queued ones are dropped and reported. */
  | { t: "cancel"; ids: string[]; reason: CancelReason }
  /** Abort everything, report, then kill the worker's process group. */
  | { t: "shutdown" };

/** Why a task is being stopped. */
export type CancelReason = "cancel" | "timeout";

/**
 * One finished task: id, outcome, run time in ms measured in the worker, and whether it was
 * stopped while running (its code may still be going: the worker must be recycled).
 */
export type DoneItem = [taskId: string, outcome: TaskOutcome, ms: number, dirty?: boolean];

/** Messages from a worker. */
export type ChildMessage =
  | { t: "ready"; pid: number }
  | { t: "fatal"; message: string }
  | { t: "done"; items: DoneItem[] };

/** Environment variable carrying the runner module specifier to the worker. */
export const RUNNER_ENV = "LATTICEWORK_LOCAL_RUNNER";
/** Environment variable carrying the job logger level to the worker. */
export const LOG_LEVEL_ENV = "LATTICEWORK_LOCAL_LOG_LEVEL";
/** Environment variable carrying the worker's index (for logs). */
export const WORKER_INDEX_ENV = "LATTICEWORK_LOCAL_WORKER";
