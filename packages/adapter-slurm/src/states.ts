import type { TaskError, TaskOutcome } from "@latticework/core";

/** Where a SLURM job is in its life. */
export type SlurmPhase = "pending" | "running" | "terminal";

/** Compact squeue codes (`%t`) to long state names (`%T`, sacct `State`). */
const COMPACT: Record<string, string> = {
  PD: "PENDING", R: "RUNNING", CG: "COMPLETING", CD: "COMPLETED", CA: "CANCELLED", F: "FAILED",
  TO: "TIMEOUT", NF: "NODE_FAIL", PR: "PREEMPTED", BF: "BOOT_FAIL", DL: "DEADLINE", OOM: "OUT_OF_MEMORY",
  CF: "CONFIGURING", RQ: "REQUEUED", RH: "REQUEUE_HOLD", RF: "REQUEUE_FED", RS: "RESIZING", RV: "REVOKED",
  SI: "SIGNALING", SE: "SPECIAL_EXIT", SO: "STAGE_OUT", ST: "STOPPED", S: "SUSPENDED", RD: "RESV_DEL_HOLD",
};

const PENDING = new Set(["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"]);
const RUNNING = new Set(["RUNNING", "COMPLETING", "SUSPENDED", "SIGNALING", "STAGE_OUT", "STOPPED", "RESIZING"]);

/**
 * Normalise a state as printed by squeue/scontrol/sacct: "CANCELLED by 0" -> { state: "CANCELLED",
 * by: "0" }, "CA" -> "CANCELLED", "COMPLETED+" -> "COMPLETED".
 */
export function normalizeState(raw: string): { state: string; by?: string } {
  const text = raw.trim();
  const m = /^([A-Z_]+)\+?(?:\s+by\s+(\S+))?/.exec(text);
  const word = m?.[1] ?? text.toUpperCase();
  const state = COMPACT[word] ?? word;
  return m?.[2] !== undefined ? { state, by: m[2] } : { state };
}

/** Phase of a (normalised) SLURM state. Unknown states count as running (never as finished). */
export function phaseOf(state: string): SlurmPhase {
  const s = normalizeState(state).state;
  if (PENDING.has(s)) return "pending";
  if (RUNNING.has(s)) return "running";
  if (s in TERMINAL) return "terminal";
  return "running";
}

interface TerminalMap {
  outcome: "failed" | "cancelled" | "timed-out" | "lost";
  code: string;
  retryable: boolean;
  text: string;
}

const TERMINAL: Record<string, TerminalMap> = {
  COMPLETED: { outcome: "failed", code: "JOB_FAILED", retryable: false, text: "the batch job completed but the worker wrote no outcome file" },
  FAILED: { outcome: "failed", code: "JOB_FAILED", retryable: false, text: "the batch job failed" },
  TIMEOUT: { outcome: "timed-out", code: "TIMEOUT", retryable: false, text: "SLURM killed the job at its walltime (--time); raise resources.walltimeSeconds" },
  DEADLINE: { outcome: "timed-out", code: "TIMEOUT", retryable: false, text: "SLURM cancelled the job at its deadline" },
  OUT_OF_MEMORY: { outcome: "failed", code: "JOB_FAILED", retryable: false, text: "the job ran out of memory; raise resources.memoryMb" },
  NODE_FAIL: { outcome: "lost", code: "LOST", retryable: true, text: "a node of the allocation failed" },
  PREEMPTED: { outcome: "lost", code: "LOST", retryable: true, text: "the job was preempted" },
  BOOT_FAIL: { outcome: "lost", code: "LOST", retryable: true, text: "a node failed to boot for the job" },
  CANCELLED: { outcome: "cancelled", code: "CANCELLED", retryable: false, text: "the job was cancelled" },
  REVOKED: { outcome: "cancelled", code: "CANCELLED", retryable: false, text: "the job was revoked (federation)" },
  SPECIAL_EXIT: { outcome: "failed", code: "JOB_FAILED", retryable: false, text: "the job ended in SPECIAL_EXIT" },
};

/** Facts known about a finished SLURM job, from squeue/scontrol/sacct and the exit-code file. */
export interface TerminalFacts {
  jobId: string;
  /** Raw state ("CANCELLED by 0", "TO", "OUT_OF_MEMORY"...). */
  state: string;
  /** "exit:signal" from scontrol/sacct, e.g. "1:0" or "0:9". */
  exitCode?: string;
  /** Exit status the batch script recorded (exit-code file), when present. */
  scriptExit?: number;
  reason?: string;
  stdoutPath?: string;
  stderrPath?: string;
  stderrTail?: string;
}

/** Parse "exit:signal" into numbers. */
export function parseExitCode(text: string | undefined): { exitCode: number | null; signal: number | null } {
  const m = /^(\d+):(\d+)$/.exec((text ?? "").trim());
  if (!m) return { exitCode: null, signal: null };
  return { exitCode: Number(m[1]), signal: Number(m[2]) };
}

/**
 * Turn a terminal SLURM state (with whatever else is known) into a task outcome, when the worker
 * did NOT write an outcome file. Keeps TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, BOOT_FAIL,
 * DEADLINE and CANCELLED (by whom) distinct; FAILED carries the exit code.
 */
export function outcomeFromSlurm(facts: TerminalFacts): TaskOutcome {
  const { state, by } = normalizeState(facts.state);
  const map = TERMINAL[state] ?? { outcome: "failed" as const, code: "JOB_FAILED", retryable: false, text: `the job ended in state ${state}` };
  const ec = parseExitCode(facts.exitCode);
  let exitCode = facts.scriptExit ?? ec.exitCode;
  let outcome = map.outcome;
  let code = map.code;
  let text = map.text;
  // A COMPLETED job whose script recorded a non-zero status: the worker crashed before writing.
  if (state === "COMPLETED" && exitCode !== null && exitCode !== 0) {
    text = `the worker exited with status ${exitCode} without writing an outcome file`;
  }
  if (state === "FAILED" && exitCode !== null) text = `the batch job failed with exit code ${exitCode}`;
  if (state === "CANCELLED" && facts.reason && /time limit/i.test(facts.reason)) {
    outcome = "timed-out";
    code = "TIMEOUT";
    text = TERMINAL.TIMEOUT!.text;
  }
  if (state === "CANCELLED" && by !== undefined) text += ` by uid ${by}`;
  if (exitCode === undefined) exitCode = null;
  const error: TaskError = {
    code,
    message: `[slurm] Job ${facts.jobId}: ${text}.${facts.reason && facts.reason !== "None" ? ` Reason: ${facts.reason}.` : ""}`,
    schedulerState: state,
    retryable: map.retryable,
    exitCode,
    signal: ec.signal ? `SIG${ec.signal}` : null,
    ...(facts.stdoutPath ? { stdoutPath: facts.stdoutPath } : {}),
    ...(facts.stderrPath ? { stderrPath: facts.stderrPath } : {}),
    ...(facts.stderrTail ? { stderrTail: facts.stderrTail } : {}),
    details: { slurmJobId: facts.jobId, ...(by !== undefined ? { cancelledBy: by } : {}) },
  };
  return { state: outcome, error, endedAt: Date.now() };
}

/** Pending reasons worth showing to users, with a hint. */
export function describePendingReason(reason: string): string {
  const r = reason.replace(/^\(|\)$/g, "").trim();
  const hints: Record<string, string> = {
    Priority: "waiting behind higher-priority jobs",
    Resources: "waiting for nodes to become free",
    ReqNodeNotAvail: "requested nodes are unavailable (down or reserved)",
    PartitionNodeLimit: "more nodes than the partition allows",
    PartitionTimeLimit: "walltime exceeds the partition's MaxTime",
    QOSMaxJobsPerUserLimit: "QOS limit on jobs per user reached",
    AssocGrpCpuLimit: "account CPU limit reached",
    BeginTime: "start time not reached",
    Dependency: "waiting for a dependency",
    JobHeldUser: "held by the user",
    JobHeldAdmin: "held by an administrator",
  };
  const hint = hints[r];
  return hint ? `${r}: ${hint}` : r;
}
