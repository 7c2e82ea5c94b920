import type { TaskError } from "./task.js";

/** States of a job attempt or a flow run. */
export type RunState =
  | "pending"
  | "submitted"
  | "running"
  | "completed"
  | "failed"
  | "cancelled"
  | "timed-out"
  | "lost";

/** Every state change is one of these. The CLI's display, logs and benches read the same stream. */
export type LatticeworkEvent =
  | { type: "run.started"; runId: string; flow: string; parentRunId?: string; at: number }
  | { type: "run.ended"; runId: string; state: RunState; at: number; error?: TaskError }
  | { type: "task.pending"; runId: string; taskId: string; callKey: string; job: string; attempt: number; executor: string; at: number }
  | { type: "task.submitted"; runId: string; taskId: string; job: string; nativeId: string; executor: string; at: number }
  | { type: "task.running"; runId: string; taskId: string; job: string; at: number; host?: string }
  | { type: "task.waiting"; runId: string; taskId: string; job: string; reason: string; at: number }
  | { type: "task.ended"; runId: string; taskId: string; job: string; attempt: number; state: RunState; at: number; error?: TaskError; cached?: boolean }
  | { type: "task.retrying"; runId: string; taskId: string; job: string; attempt: number; delayMs: number; at: number };

/** Anything that accepts events. */
export interface EventSink {
  emit(event: LatticeworkEvent): void;
}

/** Subscribe to events. Returns an unsubscribe function. */
export interface EventSource {
  on(listener: (event: LatticeworkEvent) => void): () => void;
}
