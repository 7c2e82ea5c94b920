import type { TaskOutcome } from "@latticework/core";
import type { CancelReason } from "./protocol.js";

/** Outcome of a task stopped by cancel or time-out. */
export function stopped(reason: CancelReason, message: string): TaskOutcome {
  return reason === "timeout"
    ? { state: "timed-out", error: { code: "TIMEOUT", message, retryable: false } }
    : { state: "cancelled", error: { code: "CANCELLED", message, retryable: false } };
}

/** Describe how a process ended, for messages. */
export function describeExit(code: number | null, signal: string | null): string {
  return signal ? `was killed by signal ${signal}` : `exited with code ${code}`;
}

/** Outcome of a task whose worker died under it. */
export function crashed(code: number | null, signal: string | null, retryable: boolean): TaskOutcome {
  return {
    state: "failed",
    error: {
      code: "WORKER_CRASHED",
      message: `The worker process running this job ${describeExit(code, signal)} (a crash, process.exit() in the job, or the kernel's OOM killer). The worker was replaced; other jobs were not affected.${retryable ? " Another job was running in the same worker, so this one may not be the cause." : ""}`,
      exitCode: code,
      signal,
      retryable,
    },
  };
}

/** Outcome of a task that was running in a worker killed for another task's sake (or an ambiguous crash). */
export function lost(message: string, code: number | null = null, signal: string | null = null): TaskOutcome {
  return { state: "lost", error: { code: "LOST", message, exitCode: code, signal, retryable: true } };
}

/** The pool cannot run tasks at all (its workers do not start). */
export function broken(message: string): TaskOutcome {
  return { state: "failed", error: { code: "EXECUTOR_ERROR", message, retryable: false } };
}
