import type { AttemptRecord, CallRecord, RunRecord, RunState, RunStore, TaskError } from "@latticework/core";

/** One attempt as `show --json` prints it. */
export interface ShowAttempt {
  attempt: number;
  taskId: string;
  state: RunState;
  executor: string;
  nativeId: string | null;
  workdir: string | null;
  stdoutPath: string | null;
  stderrPath: string | null;
  /** Latest scheduler note (pending reason). */
  note: string | null;
  error: TaskError | null;
  submittedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
}

/** One job call as `show --json` prints it. */
export interface ShowJob {
  callKey: string;
  callPath: string;
  name: string;
  state: RunState;
  executor: string | null;
  /** Number of attempts made. */
  attempts: number;
  durationMs: number | null;
  error: TaskError | null;
  /** Pending reason of the latest attempt, when waiting. */
  note: string | null;
  /** Calls whose output this call's input used (data edges). */
  inputsFrom: { callPath: string; path: string | null }[];
  attemptList: ShowAttempt[];
}

/** A run (flow, one-job run or sub-flow) as `show --json` prints it. */
export interface ShowRun {
  runId: string;
  name: string;
  kind: "flow" | "job";
  state: RunState;
  executor: string | null;
  target: { module: string; exportPath: string } | null;
  parentRunId: string | null;
  /** Call path of this sub-flow in its parent, when it is one. */
  callPath: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
  error: TaskError | null;
  cancelRequested: boolean;
  owner: { pid: number; host: string | null } | null;
  jobs: ShowJob[];
  subflows: ShowRun[];
  /** Order of jobs and sub-flows as called: "job:<callKey>" / "flow:<runId>". */
  order: string[];
}

function span(start: number | null, end: number | null, now: number): number | null {
  if (start === null) return null;
  return Math.max(0, (end ?? now) - start);
}

function showAttempt(a: AttemptRecord, now: number): ShowAttempt {
  return {
    attempt: a.attempt,
    taskId: a.taskId,
    state: a.state,
    executor: a.executor,
    nativeId: a.nativeId,
    workdir: a.workdir,
    stdoutPath: a.stdoutPath,
    stderrPath: a.stderrPath,
    note: a.note,
    error: a.error,
    submittedAt: a.submittedAt,
    startedAt: a.startedAt,
    endedAt: a.endedAt,
    durationMs: span(a.startedAt ?? a.submittedAt, a.endedAt, now),
  };
}

/**
 * Collect a run, its job calls (with attempts and data edges) and its sub-flows, recursively,
 * from the store. `depth` guards against cycles in a damaged store.
 */
export async function collectRunTree(store: RunStore, run: RunRecord, now = Date.now(), depth = 0, callPath: string | null = null): Promise<ShowRun> {
  const [calls, attempts, edges, children] = await Promise.all([
    store.listCalls(run.runId),
    store.listAttempts(run.runId),
    store.listEdges(run.runId),
    store.listChildRuns(run.runId),
  ]);
  const byKey = new Map<string, CallRecord>(calls.map((c) => [c.callKey, c]));
  const attemptsByCall = new Map<string, AttemptRecord[]>();
  for (const a of attempts) {
    const list = attemptsByCall.get(a.callKey) ?? [];
    list.push(a);
    attemptsByCall.set(a.callKey, list);
  }
  const childById = new Map(children.map((c) => [c.runId, c]));
  const jobs: ShowJob[] = [];
  const subflows: ShowRun[] = [];
  const order: string[] = [];
  const sorted = [...calls].sort((a, b) => a.createdAt - b.createdAt || a.callPath.localeCompare(b.callPath));
  for (const call of sorted) {
    if (call.kind === "flow") {
      const child = call.childRunId ? childById.get(call.childRunId) : undefined;
      if (child && depth < 64) {
        childById.delete(child.runId);
        subflows.push(await collectRunTree(store, child, now, depth + 1, call.callPath));
        order.push(`flow:${child.runId}`);
      }
      continue;
    }
    const list = (attemptsByCall.get(call.callKey) ?? []).sort((a, b) => a.attempt - b.attempt);
    const first = list[0];
    const last = list[list.length - 1];
    jobs.push({
      callKey: call.callKey,
      callPath: call.callPath,
      name: call.name,
      state: call.state,
      executor: call.executor ?? last?.executor ?? null,
      attempts: Math.max(call.attempts, list.length),
      durationMs: span(first?.startedAt ?? first?.submittedAt ?? null, call.endedAt ?? last?.endedAt ?? null, now),
      error: call.error,
      note: last && !last.endedAt ? last.note : null,
      inputsFrom: edges
        .filter((e) => e.toKey === call.callKey)
        .map((e) => ({ callPath: byKey.get(e.fromKey)?.callPath ?? e.fromKey, path: e.path })),
      attemptList: list.map((a) => showAttempt(a, now)),
    });
    order.push(`job:${call.callKey}`);
  }
  for (const child of childById.values()) {
    if (depth >= 64) break;
    subflows.push(await collectRunTree(store, child, now, depth + 1, child.parentCallKey ? (byKey.get(child.parentCallKey)?.callPath ?? null) : null));
    order.push(`flow:${child.runId}`);
  }
  return {
    runId: run.runId,
    name: run.name,
    kind: run.kind,
    state: run.state,
    executor: run.executor,
    target: run.target,
    parentRunId: run.parentRunId,
    callPath,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: span(run.startedAt ?? run.createdAt, run.endedAt, now),
    error: run.error,
    cancelRequested: run.cancelRequested,
    owner: run.ownerPid !== null ? { pid: run.ownerPid, host: run.ownerHost } : null,
    jobs,
    subflows,
    order,
  };
}

/** Every job in a tree, depth first (for logs and counts). */
export function allJobs(tree: ShowRun): { run: ShowRun; job: ShowJob }[] {
  const out: { run: ShowRun; job: ShowJob }[] = tree.jobs.map((job) => ({ run: tree, job }));
  for (const sub of tree.subflows) out.push(...allJobs(sub));
  return out;
}
