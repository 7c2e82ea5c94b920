import type { RetryPolicy } from "./job.js";
import type { TaskError, TaskOutcome } from "./task.js";
import { LatticeworkError } from "./errors.js";

/** A retry policy with every default filled in. */
export interface ResolvedRetryPolicy {
  retries: number;
  delayMs: number;
  maxDelayMs: number;
  jitter: number;
  retryIf: RetryPolicy["retryIf"];
}

/** Error codes that no retry can fix (the same input fails the same way). */
const NEVER_RETRY = new Set(["INPUT_INVALID", "OUTPUT_INVALID", "JOB_NOT_FOUND", "DEPENDENCY_FAILED", "CANCELLED"]);

/**
 * Fill in defaults (`delayMs` 1000, `maxDelayMs` 60000, `jitter` 0.2) and check the values. A number
 * means "this many retries".
 *
 * @example
 * ```ts
 * resolveRetryPolicy(3); // { retries: 3, delayMs: 1000, maxDelayMs: 60000, jitter: 0.2 }
 * ```
 */
export function resolveRetryPolicy(policy: RetryPolicy | number | undefined): ResolvedRetryPolicy {
  const p: RetryPolicy = typeof policy === "number" ? { retries: policy } : (policy ?? { retries: 0 });
  const problems: string[] = [];
  if (!Number.isInteger(p.retries) || p.retries < 0) problems.push("`retries` must be an integer >= 0");
  if (p.delayMs !== undefined && !(p.delayMs >= 0)) problems.push("`delayMs` must be >= 0");
  if (p.maxDelayMs !== undefined && !(p.maxDelayMs >= 0)) problems.push("`maxDelayMs` must be >= 0");
  if (p.jitter !== undefined && !(p.jitter >= 0 && p.jitter <= 1)) problems.push("`jitter` must be between 0 and 1");
  if (p.retryIf !== undefined && typeof p.retryIf !== "function") problems.push("`retryIf` must be a function");
  if (problems.length) {
    throw new LatticeworkError("CONFIG_INVALID", `[retry] Invalid retry policy:\n${problems.map((m) => `  - ${m}`).join("\n")}`);
  }
  return {
    retries: p.retries,
    delayMs: p.delayMs ?? 1000,
    maxDelayMs: p.maxDelayMs ?? 60_000,
    jitter: p.jitter ?? 0.2,
    retryIf: p.retryIf,
  };
}

/**
 * Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: exponential
 * (`delayMs * 2^(attempt-1)`, capped at `maxDelayMs`), then scaled by a random factor in
 * `[1 - jitter, 1 + jitter]`.
 */
export function backoffDelay(policy: ResolvedRetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** Math.max(0, attempt - 1));
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}

/**
 * Should a failed attempt be retried? Never for cancellations or errors no retry can fix
 * (invalid input/output, unknown job). `lost` attempts and errors marked `retryable` (node failure,
 * pre-emption) are retried even when `retryIf` says no; otherwise `retryIf` (default: yes) decides.
 * The caller checks the attempt budget.
 */
export function shouldRetry(policy: ResolvedRetryPolicy, outcome: Exclude<TaskOutcome, { state: "completed" }>): boolean {
  if (outcome.state === "cancelled") return false;
  const error: TaskError = outcome.error;
  if (NEVER_RETRY.has(error.code)) return false;
  if (outcome.state === "lost" || error.retryable === true) return true;
  if (!policy.retryIf) return true;
  try {
    return policy.retryIf({
      code: error.code,
      message: error.message,
      ...(error.name !== undefined ? { name: error.name } : {}),
      ...(error.schedulerState !== undefined ? { schedulerState: error.schedulerState } : {}),
    }) === true;
  } catch {
    return false;
  }
}
