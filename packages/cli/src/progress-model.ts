import type { LatticeworkEvent, RunState } from "@latticework/core";

/** States in display order. */
export const STATES: readonly RunState[] = ["pending", "submitted", "running", "completed", "failed", "timed-out", "lost", "cancelled"];

interface TaskInfo {
  job: string;
  state: RunState;
  cached: boolean;
  note?: string;
}

/** Counts per state. */
export type Counts = Record<RunState, number>;
const zeroCounts = (): Counts => Object.fromEntries(STATES.map((st) => [st, 0])) as Counts;

/** Per-job-name row of the display. */
export interface JobRow {
  job: string;
  byState: Counts;
  total: number;
  /** Latest pending reason reported for this job name. */
  note?: string;
}

/**
 * Counts per state, overall and per job name, from the event stream. Pure bookkeeping, O(1) per
 * event, so the display stays cheap for fan-outs of 100,000 jobs.
 */
export class ProgressModel {
  /** One entry per call (its latest attempt's state), so a retried call counts once. */
  readonly #tasks = new Map<string, TaskInfo>();
  /** Attempt (task id) to call key. */
  readonly #callOf = new Map<string, string>();
  readonly #rows = new Map<string, JobRow>();
  readonly #totals = zeroCounts();
  #cached = 0;
  startedAt = Date.now();

  /** Apply one event. */
  apply(event: LatticeworkEvent): void {
    switch (event.type) {
      case "task.pending":
        this.#callOf.set(event.taskId, event.callKey);
        this.#set(event.taskId, event.job, "pending");
        break;
      case "task.submitted":
        this.#set(event.taskId, event.job, "submitted");
        break;
      case "task.running":
        this.#set(event.taskId, event.job, "running");
        break;
      case "task.waiting": {
        const t = this.#set(event.taskId, event.job, this.#tasks.get(this.#callOf.get(event.taskId) ?? event.taskId)?.state ?? "submitted");
        t.note = event.reason;
        this.#row(event.job).note = event.reason;
        break;
      }
      case "task.ended": {
        const t = this.#set(event.taskId, event.job, event.state);
        if (event.cached === true && !t.cached) {
          t.cached = true;
          this.#cached++;
        }
        t.note = undefined;
        break;
      }
      default:
        break;
    }
  }

  #row(job: string): JobRow {
    let row = this.#rows.get(job);
    if (!row) {
      row = { job, byState: zeroCounts(), total: 0 };
      this.#rows.set(job, row);
    }
    return row;
  }

  #set(taskId: string, job: string, state: RunState): TaskInfo {
    const row = this.#row(job);
    const key = this.#callOf.get(taskId) ?? taskId;
    let t = this.#tasks.get(key);
    if (!t) {
      t = { job, state, cached: false };
      this.#tasks.set(key, t);
      row.total++;
    } else {
      row.byState[t.state]--;
      this.#totals[t.state]--;
      t.state = state;
    }
    row.byState[state]++;
    this.#totals[state]++;
    return t;
  }

  /** Counts per state over all calls (latest attempt each), plus how many completions came from the store. */
  totals(): { byState: Counts; cached: number; total: number } {
    return { byState: { ...this.#totals }, cached: this.#cached, total: this.#tasks.size };
  }

  /** Per job name: counts per state and the latest waiting note. */
  perJob(): JobRow[] {
    return [...this.#rows.values()].map((r) => ({ ...r, byState: { ...r.byState } }));
  }
}
