import type { TaskOutcome, TaskSpec } from "@latticework/core";

/**
 * Messages between the orchestrator and a pool worker over the IPC channel (JSON serialisation).
 * The parent always sends an array of messages (batched per tick); the child batches outcomes.
 */
export type ParentMessage =
  /**
   * Append tasks to a lane; a lane runs its tasks one after another, lanes run concurrently. With
   * `base`, items without `v` carry only their own fields: the spec is `{ ...base, ...item }`.
   */
  | { t: "run"; lane: number; specs: (TaskSpec | Partial<TaskSpec>)[]; base?: Partial<TaskSpec> }
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

/** Spec fields most tasks of one message share (sent once per message as `base`). */
const SHARED = ["v", "runId", "job", "module", "resources", "env", "tags", "plugins", "timeoutMs", "placement", "outcomePath"] as const;
const SHARED_SET: ReadonlySet<string> = new Set(SHARED);

function isEmpty(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

/**
 * Send the fields shared with the first spec once: a spec whose shared fields are the same values
 * (objects: the same object, as the runtime shares them, or both empty) goes as its own fields
 * only. Cuts the bytes to serialise, write and parse per no-op task by about two thirds.
 */
export function compactRun(m: Extract<ParentMessage, { t: "run" }>): void {
  const first = m.specs[0] as TaskSpec;
  const base: Record<string, unknown> = {};
  for (const k of SHARED) if (first[k] !== undefined) base[k] = first[k];
  for (let i = 0; i < m.specs.length; i++) {
    const s = m.specs[i] as Record<string, unknown>;
    let same = true;
    for (const k of SHARED) {
      if (s[k] !== base[k] && !(isEmpty(s[k]) && isEmpty(base[k]) && Array.isArray(s[k]) === Array.isArray(base[k]))) {
        same = false;
        break;
      }
    }
    if (!same) continue;
    const own: Record<string, unknown> = {};
    for (const k in s) if (!SHARED_SET.has(k)) own[k] = s[k];
    m.specs[i] = own;
  }
  m.base = base as Partial<TaskSpec>;
}

/** Whole specs of a "run" message (items without `v` carry only what differs from `base`). */
export function expandRun(m: Extract<ParentMessage, { t: "run" }>): TaskSpec[] {
  const base = m.base;
  if (!base) return m.specs as TaskSpec[];
  return m.specs.map((s) => (s.v === undefined ? (Object.assign({}, base, s) as TaskSpec) : (s as TaskSpec)));
}
