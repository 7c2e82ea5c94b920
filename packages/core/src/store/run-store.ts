import type { RunState } from "../events.js";
import type { TaskError } from "../task.js";

/** One flow run (or a one-job run, or a sub-flow run). */
export interface RunRecord {
  runId: string;
  /** Flow (or job) name. */
  name: string;
  kind: "flow" | "job";
  /** Module + dotted export path that defines the flow/job, so `resume` can import it again. */
  target: { module: string; exportPath: string } | null;
  input: unknown;
  state: RunState;
  parentRunId: string | null;
  /** Call key in the parent run (sub-flows), else null. */
  parentCallKey: string | null;
  /** Default executor name for this run. */
  executor: string | null;
  /** Snapshot of run options needed for resume (executor rules, config path). JSON. */
  options: Record<string, unknown>;
  output: unknown;
  error: TaskError | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Set by `latticework cancel` from another process; the orchestrator polls it. */
  cancelRequested: boolean;
  /** Orchestrator process id (and host) while running, so `cancel` can tell if anyone is alive. */
  ownerPid: number | null;
  ownerHost: string | null;
}

/** One call inside a run: deterministic key, latest state, final output. */
export interface CallRecord {
  runId: string;
  /** Deterministic key (run, call path, job name, canonical input hash). */
  callKey: string;
  /** Human call path, e.g. "relax[0]" or "slabs/relax#3". */
  callPath: string;
  kind: "job" | "flow";
  name: string;
  inputHash: string;
  input: unknown;
  state: RunState;
  executor: string | null;
  attempts: number;
  output: unknown;
  error: TaskError | null;
  /** Sub-flow run id when kind = "flow". */
  childRunId: string | null;
  createdAt: number;
  endedAt: number | null;
}

/** One attempt of a job call. Every attempt is kept; retries add rows. */
export interface AttemptRecord {
  taskId: string;
  runId: string;
  callKey: string;
  attempt: number;
  job: string;
  executor: string;
  state: RunState;
  nativeId: string | null;
  workdir: string | null;
  stdoutPath: string | null;
  stderrPath: string | null;
  /** Latest scheduler note, e.g. a SLURM pending reason ("Priority", "Resources"). */
  note: string | null;
  error: TaskError | null;
  submittedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

/** A data dependency: `toKey`'s input used `fromKey`'s output (at `path`, when picked). */
export interface EdgeRecord {
  runId: string;
  fromKey: string;
  toKey: string;
  path: string | null;
}

export interface ListRunsOptions {
  limit?: number;
  state?: RunState;
  /** Only top-level runs (no sub-flows). Default true. */
  topLevel?: boolean;
}

/**
 * Where runs, calls, attempts and artifacts live. The default is {@link SqliteRunStore}. Writes
 * are enqueued and committed in batches (within a few tens of ms); `flush()` forces a
 * commit. Reads see every write made before them through the same store object.
 * Implementations must be safe when several processes use the same store at once.
 */
export interface RunStore {
  /** Open/migrate. Throws StoreError (STORE_CORRUPT / STORE_FOREIGN) for files it must not touch. */
  open(): Promise<void>;
  createRun(run: RunRecord): void;
  updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId">>): void;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;
  /** Child runs (sub-flows) of a run. */
  listChildRuns(runId: string): Promise<RunRecord[]>;
  /** Mark a run for cancellation (used by `latticework cancel` from another process). */
  requestCancel(runId: string): void;

  upsertCall(call: CallRecord): void;
  updateCall(runId: string, callKey: string, patch: Partial<Omit<CallRecord, "runId" | "callKey">>): void;
  getCall(runId: string, callKey: string): Promise<CallRecord | undefined>;
  listCalls(runId: string): Promise<CallRecord[]>;

  createAttempt(attempt: AttemptRecord): void;
  updateAttempt(taskId: string, patch: Partial<Omit<AttemptRecord, "taskId">>): void;
  listAttempts(runId: string, callKey?: string): Promise<AttemptRecord[]>;

  addEdge(edge: EdgeRecord): void;
  listEdges(runId: string): Promise<EdgeRecord[]>;

  /** Store bytes content-addressed; returns the sha256 hex digest. */
  putArtifact(data: string | Uint8Array): Promise<string>;
  getArtifact(digest: string): Promise<Uint8Array | undefined>;
  /** Directory holding artifacts (workers on a shared filesystem may read it directly). */
  readonly artifactDir: string;

  /** Commit queued writes now. */
  flush(): Promise<void>;
  /**
   * Optional: resolves once every write queued so far is durable, batching the callers of one
   * event-loop tick into one commit. The runtime awaits it after recording a completed call and
   * before handing the output to the flow, so a crash can never lose a completion whose dependents
   * already started (resume would run the job twice). Stores that write synchronously omit it.
   */
  committed?(): Promise<void>;
  close(): Promise<void>;
}
