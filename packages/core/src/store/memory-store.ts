import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AttemptRecord, CallRecord, EdgeRecord, ListRunsOptions, RunRecord, RunStore } from "./run-store.js";
import { readArtifact, writeArtifact } from "./artifacts.js";
import { StoreError } from "../errors.js";

/**
 * A RunStore that keeps runs, calls, attempts and edges in memory (artifacts go to a private
 * temporary directory so out-of-process workers can still read them). For tests and throw-away
 * runs: nothing survives the process, and it cannot be shared between processes (two runtimes in
 * ONE process may share one instance).
 *
 * @example
 * ```ts
 * const rt = createRuntime({ store: new MemoryRunStore(), executors: { local: inProcessExecutor() } });
 * ```
 */
export class MemoryRunStore implements RunStore {
  readonly #runs = new Map<string, RunRecord>();
  readonly #calls = new Map<string, Map<string, CallRecord>>();
  readonly #attempts = new Map<string, AttemptRecord>();
  readonly #attemptsByRun = new Map<string, string[]>();
  readonly #edges = new Map<string, EdgeRecord[]>();
  #dir: string | undefined;
  #closed = false;

  /** `dir`: where artifacts (and, for a runtime using this store, work directories) go; default a new private temp dir. */
  constructor(options: { dir?: string } = {}) {
    this.#dir = options.dir;
  }

  /** Root directory of this store's files (a private temporary directory unless given). */
  get dir(): string {
    this.#dir ??= mkdtempSync(join(tmpdir(), "latticework-mem-"));
    return this.#dir;
  }

  /** Directory holding artifacts: `<dir>/artifacts`. */
  get artifactDir(): string {
    return join(this.dir, "artifacts");
  }

  async open(): Promise<void> {
    this.#closed = false;
  }

  #check(): void {
    if (this.#closed) throw new StoreError("STORE_ERROR", "MemoryRunStore is closed; create a new store.");
  }

  createRun(run: RunRecord): void {
    this.#check();
    this.#runs.set(run.runId, { ...run });
  }
  updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId">>): void {
    this.#check();
    const run = this.#runs.get(runId);
    if (run) Object.assign(run, patch);
  }
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.#runs.get(runId);
    return run ? structuredClone(run) : undefined;
  }
  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const topLevel = options.topLevel ?? true;
    let runs = [...this.#runs.values()].filter((r) => (!topLevel || r.parentRunId === null) && (options.state === undefined || r.state === options.state));
    runs.sort((a, b) => b.createdAt - a.createdAt);
    if (options.limit !== undefined) runs = runs.slice(0, options.limit);
    return structuredClone(runs);
  }
  async listChildRuns(runId: string): Promise<RunRecord[]> {
    return structuredClone([...this.#runs.values()].filter((r) => r.parentRunId === runId));
  }
  requestCancel(runId: string): void {
    this.updateRun(runId, { cancelRequested: true });
  }

  upsertCall(call: CallRecord): void {
    this.#check();
    let calls = this.#calls.get(call.runId);
    if (!calls) this.#calls.set(call.runId, (calls = new Map()));
    calls.set(call.callKey, { ...call });
  }
  updateCall(runId: string, callKey: string, patch: Partial<Omit<CallRecord, "runId" | "callKey">>): void {
    this.#check();
    const call = this.#calls.get(runId)?.get(callKey);
    if (call) Object.assign(call, patch);
  }
  async getCall(runId: string, callKey: string): Promise<CallRecord | undefined> {
    const call = this.#calls.get(runId)?.get(callKey);
    return call ? structuredClone(call) : undefined;
  }
  async listCalls(runId: string): Promise<CallRecord[]> {
    return structuredClone([...(this.#calls.get(runId)?.values() ?? [])]);
  }

  createAttempt(attempt: AttemptRecord): void {
    this.#check();
    this.#attempts.set(attempt.taskId, { ...attempt });
    let list = this.#attemptsByRun.get(attempt.runId);
    if (!list) this.#attemptsByRun.set(attempt.runId, (list = []));
    list.push(attempt.taskId);
  }
  updateAttempt(taskId: string, patch: Partial<Omit<AttemptRecord, "taskId">>): void {
    this.#check();
    const a = this.#attempts.get(taskId);
    if (a) Object.assign(a, patch);
  }
  async listAttempts(runId: string, callKey?: string): Promise<AttemptRecord[]> {
    const ids = this.#attemptsByRun.get(runId) ?? [];
    const out: AttemptRecord[] = [];
    for (const id of ids) {
      const a = this.#attempts.get(id);
      if (a && (callKey === undefined || a.callKey === callKey)) out.push(a);
    }
    return structuredClone(out);
  }

  addEdge(edge: EdgeRecord): void {
    this.#check();
    let list = this.#edges.get(edge.runId);
    if (!list) this.#edges.set(edge.runId, (list = []));
    list.push({ ...edge });
  }
  async listEdges(runId: string): Promise<EdgeRecord[]> {
    return structuredClone(this.#edges.get(runId) ?? []);
  }

  putArtifact(data: string | Uint8Array): Promise<string> {
    return writeArtifact(this.artifactDir, data);
  }
  getArtifact(digest: string): Promise<Uint8Array | undefined> {
    return readArtifact(this.artifactDir, digest);
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {
    this.#closed = true;
  }
}
