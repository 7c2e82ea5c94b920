import { join, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { z } from "zod";
import { LatticeworkError, StoreError, ValidationError, zodIssues } from "../errors.js";
import { readArtifact, writeArtifact } from "./artifacts.js";
import type { AttemptRecord, CallRecord, EdgeRecord, ListRunsOptions, RunRecord, RunStore } from "./run-store.js";
import { SqliteCodec } from "./sqlite-codec.js";
import { corruptError, isBusyError, isCorruptionError } from "./sqlite-file.js";
import { openStoreDatabase, type Db } from "./sqlite-open.js";
import { retryBusy } from "./retry-busy.js";
import { ATTEMPTS, CALLS, EDGES, RUNS, selectList, type ColumnType, type TableSpec } from "./sqlite-tables.js";
import { argsOf, sqlOf, WriteQueue, type QueuedWrite } from "./sqlite-write-queue.js";

/** Options of {@link SqliteRunStore}. */
export const SqliteRunStoreOptionsSchema = z
  .object({
    /** Store directory (created 0700): holds `store.sqlite` and `artifacts/`. */
    dir: z.string().min(1).default(".latticework"),
    /** SQLite busy timeout: how long one statement waits for another process's lock (ms). */
    busyTimeoutMs: z.number().int().nonnegative().default(10_000),
    /** Total time a commit keeps retrying while other processes hold the lock before failing (ms). */
    maxBusyWaitMs: z.number().int().positive().default(120_000),
    /** JSON values (inputs, outputs) larger than this go to the artifact directory (bytes). */
    inlineLimitBytes: z.number().int().positive().default(64 * 1024),
    /**
     * Longest time (ms) a queued write waits before it is committed. Writes arriving together are
     * committed in one transaction; larger batches cost far less per row (index pages written once
     * per commit). 0 commits at the end of every event-loop tick.
     */
    commitIntervalMs: z.number().int().nonnegative().max(1000).default(20),
  })
  .strict();

/** Options accepted by `new SqliteRunStore(...)`. */
export type SqliteRunStoreOptions = z.input<typeof SqliteRunStoreOptionsSchema>;


const openStores = new Set<SqliteRunStore>();
/** Queued rows that trigger a commit right away instead of at the end of the tick. */
const EAGER_COMMIT_ROWS = 4096;
let exitHooked = false;

/**
 * The default RunStore: one SQLite file (`<dir>/store.sqlite`, WAL, busy timeout, forward-only
 * migrations) plus a content-addressed artifact directory (`<dir>/artifacts/ab/cdef...`).
 * Writes are queued and committed in one immediate transaction at most `commitIntervalMs` later (a
 * completed call at the end of the current tick, so resume never runs it again); reads commit
 * the queue first. Several processes may use one store at once: lock waits are retried with
 * back-off, so nobody sees "database is locked". A file that is not a latticework store (another
 * program's database, or garbage) is reported and never modified.
 *
 * @example
 * ```ts
 * const store = new SqliteRunStore({ dir: ".latticework" });
 * await store.open();
 * const runs = await store.listRuns({ limit: 10 });
 * await store.close();
 * ```
 */
export class SqliteRunStore implements RunStore {
  /** Absolute store directory. */
  readonly dir: string;
  /** Absolute path of the SQLite file. */
  readonly path: string;
  readonly artifactDir: string;
  readonly #options: Readonly<z.output<typeof SqliteRunStoreOptionsSchema>>;
  readonly #codec: SqliteCodec;
  readonly #stmts = new Map<string, BetterSqlite3.Statement>();
  #db: Db | undefined;
  readonly #queue = new WriteQueue();
  #scheduled = false;
  /** An end-of-tick commit is pending for a completion (see #schedule). */
  #urgent = false;
  /** Callers of committed() waiting for the pending end-of-tick commit. */
  #durableWaiters: (() => void)[] = [];
  /** Set while another process holds the lock (no eager commits until a commit succeeds). */
  #eagerOff = false;
  #closed = false;
  #errors: unknown[] = [];
  #stats = { commits: 0, writes: 0, busyRetries: 0 };

  constructor(options: SqliteRunStoreOptions = {}) {
    const parsed = SqliteRunStoreOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError("CONFIG_INVALID", "[sqlite-store] Invalid options", zodIssues(parsed.error));
    this.#options = Object.freeze(parsed.data);
    this.dir = resolve(parsed.data.dir);
    this.path = join(this.dir, "store.sqlite");
    this.artifactDir = join(this.dir, "artifacts");
    this.#codec = new SqliteCodec(this.artifactDir, parsed.data.inlineLimitBytes);
  }

  /** Counters for diagnostics and benchmarks: committed transactions, rows written, lock waits retried. */
  get stats(): Readonly<{ commits: number; writes: number; busyRetries: number }> {
    return { ...this.#stats };
  }

  async open(): Promise<void> {
    await this.#retryBusy(() => this.#openSync(), "opening the store");
  }

  // ---- writes (queued) ----
  createRun(run: RunRecord): void {
    this.#checkOpen();
    this.#queue.upsert(RUNS as TableSpec<never>, run.runId, this.#codec.params(RUNS, run));
    this.#schedule();
  }
  updateRun(runId: string, patch: Partial<Omit<RunRecord, "runId">>): void {
    this.#enqueueUpdate(RUNS, runId, { runId }, patch);
  }
  requestCancel(runId: string): void {
    this.updateRun(runId, { cancelRequested: true });
  }
  upsertCall(call: CallRecord): void {
    this.#checkOpen();
    this.#queue.upsert(CALLS as TableSpec<never>, `${call.runId}\0${call.callKey}`, this.#codec.params(CALLS, call));
    this.#schedule(call.state === "completed");
  }
  updateCall(runId: string, callKey: string, patch: Partial<Omit<CallRecord, "runId" | "callKey">>): void {
    this.#enqueueUpdate(CALLS, `${runId}\0${callKey}`, { runId, callKey }, patch);
    // A completed call is what resume trusts not to run again: it is committed at the end of this
    // tick, before the dependent calls the flow starts next can reach a worker, never up to
    // commitIntervalMs later (a SIGKILL in between would run the job twice).
    if (patch.state === "completed") this.#schedule(true);
  }
  createAttempt(attempt: AttemptRecord): void {
    this.#checkOpen();
    this.#queue.upsert(ATTEMPTS as TableSpec<never>, attempt.taskId, this.#codec.params(ATTEMPTS, attempt));
    this.#schedule();
  }
  updateAttempt(taskId: string, patch: Partial<Omit<AttemptRecord, "taskId">>): void {
    this.#enqueueUpdate(ATTEMPTS, taskId, { taskId }, patch);
  }
  /** Adds a data edge; adding the same edge again (a replay) is a no-op. */
  addEdge(edge: EdgeRecord): void {
    this.#checkOpen();
    this.#queue.insertIgnore(EDGES as TableSpec<never>, this.#codec.params(EDGES, { ...edge, path: edge.path ?? "" } as unknown as EdgeRecord));
    this.#schedule();
  }

  /** @inheritdoc */
  committed(): Promise<void> {
    if (this.#queue.length === 0 || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#durableWaiters.push(resolve);
      this.#schedule(true);
    });
  }

  // ---- reads (commit the queue first) ----
  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.#read((db) => this.#one(db, RUNS, "run_id = ?", [runId]));
  }
  listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (options.topLevel ?? true) where.push("parent_run_id IS NULL");
    if (options.state !== undefined) {
      where.push("state = ?");
      args.push(options.state);
    }
    const sql = `${where.length ? where.join(" AND ") : "1"} ORDER BY created_at DESC, rowid DESC LIMIT ${options.limit === undefined ? -1 : Math.max(0, Math.floor(options.limit))}`;
    return this.#read((db) => this.#many(db, RUNS, sql, args));
  }
  listChildRuns(runId: string): Promise<RunRecord[]> {
    return this.#read((db) => this.#many(db, RUNS, "parent_run_id = ? ORDER BY created_at, rowid", [runId]));
  }
  getCall(runId: string, callKey: string): Promise<CallRecord | undefined> {
    return this.#read((db) => this.#one(db, CALLS, "run_id = ? AND call_key = ?", [runId, callKey]));
  }
  listCalls(runId: string): Promise<CallRecord[]> {
    return this.#read((db) => this.#many(db, CALLS, "run_id = ? ORDER BY seq", [runId]));
  }
  listAttempts(runId: string, callKey?: string): Promise<AttemptRecord[]> {
    return callKey === undefined
      ? this.#read((db) => this.#many(db, ATTEMPTS, "run_id = ? ORDER BY seq", [runId]))
      : this.#read((db) => this.#many(db, ATTEMPTS, "run_id = ? AND call_key = ? ORDER BY seq", [runId, callKey]));
  }
  listEdges(runId: string): Promise<EdgeRecord[]> {
    return this.#read((db) => this.#many(db, EDGES, "run_id = ? ORDER BY seq", [runId]).map((e) => ({ ...e, path: e.path === "" ? null : e.path })));
  }

  putArtifact(data: string | Uint8Array): Promise<string> {
    this.#checkOpen();
    return writeArtifact(this.artifactDir, data);
  }
  getArtifact(digest: string): Promise<Uint8Array | undefined> {
    return readArtifact(this.artifactDir, digest);
  }

  /** Commit queued writes now; throws the errors of writes that failed since the last flush. */
  async flush(): Promise<void> {
    this.#checkOpen();
    await this.#commit();
    this.#throwPendingErrors();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#queue.length > 0) await this.#commit();
    } finally {
      this.#closed = true;
      openStores.delete(this);
      this.#stmts.clear();
      this.#db?.close();
      this.#db = undefined;
    }
    this.#throwPendingErrors();
  }

  // ---- internals ----
  #checkOpen(): void {
    if (this.#closed) throw new StoreError("STORE_ERROR", `The store at ${this.dir} is closed; create a new SqliteRunStore to use it again.`);
  }

  #schedule(urgent = false): void {
    // A burst (a flow starting 100,000 calls in one tick) commits in bounded batches instead of
    // holding every encoded row until the next tick: far less transient memory.
    if (this.#queue.length >= EAGER_COMMIT_ROWS && !this.#eagerOff) {
      try {
        this.commitSync();
      } catch (err) {
        // Locked by another process: leave it to the end-of-tick commit, which retries with back-off.
        this.#eagerOff = true;
        if (!isBusyError(err)) this.#errors.push(err);
      }
    }
    if (urgent && !this.#urgent) {
      this.#urgent = true;
      setImmediate(() => {
        this.#urgent = false;
        const waiters = this.#durableWaiters;
        this.#durableWaiters = [];
        const release = (): void => {
          for (const w of waiters) w();
        };
        this.#commit().then(
          () => {
            this.#eagerOff = false;
            release();
          },
          // The failure is reported by the next store call; do not leave the flow hanging on it.
          (err: unknown) => {
            this.#errors.push(err);
            release();
          },
        );
      });
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      const commit = (): void => {
        this.#scheduled = false;
        this.#commit().then(() => (this.#eagerOff = false), (err: unknown) => this.#errors.push(err));
      };
      const ms = this.#options.commitIntervalMs;
      if (ms > 0) setTimeout(commit, ms);
      else setImmediate(commit);
    }
  }

  #enqueueUpdate<R>(spec: TableSpec<R>, row: string, key: Record<string, unknown>, patch: Partial<R>): void {
    this.#checkOpen();
    const types = columnTypes(spec);
    const params = new Map<string, unknown>();
    for (const k of Object.keys(key)) params.set(k, key[k]);
    const fields: string[] = [];
    for (const k of Object.keys(patch)) {
      const value = (patch as Record<string, unknown>)[k];
      if (value === undefined || params.has(k)) continue;
      const type = types.get(k);
      if (type === undefined) throw new StoreError("STORE_ERROR", `[sqlite-store] Unknown ${spec.table} field in update: ${k}.`);
      params.set(k, this.#codec.encode(type, value, k));
      fields.push(k);
    }
    if (fields.length === 0) return;
    this.#queue.update(spec as TableSpec<never>, row, params, fields);
    this.#schedule();
  }

  #throwPendingErrors(): void {
    if (this.#errors.length === 0) return;
    const errors = this.#errors;
    this.#errors = [];
    if (errors.length === 1 && errors[0] instanceof LatticeworkError) throw errors[0];
    const list = errors.map((e) => `  - ${e instanceof Error ? e.message : String(e)}`).join("\n");
    throw new StoreError("STORE_ERROR", `${errors.length} store write(s) failed and were dropped:\n${list}`, { details: { count: errors.length } });
  }

  #stmt(db: Db, sql: string): BetterSqlite3.Statement {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  #run(db: Db, op: QueuedWrite): void {
    const { sql, names } = sqlOf(op);
    this.#stmt(db, sql).run(...argsOf(op, names));
  }

  #one<R>(db: Db, spec: TableSpec<R>, where: string, args: unknown[]): R | undefined {
    const raw = this.#stmt(db, `SELECT ${selectList(spec)} FROM ${spec.table} WHERE ${where}`).get(...args) as Record<string, unknown> | undefined;
    return raw ? this.#codec.row(spec, raw) : undefined;
  }

  #many<R>(db: Db, spec: TableSpec<R>, where: string, args: unknown[]): R[] {
    const rows = this.#stmt(db, `SELECT ${selectList(spec)} FROM ${spec.table} WHERE ${where}`).all(...args) as Record<string, unknown>[];
    return rows.map((r) => this.#codec.row(spec, r));
  }

  /** Commit the whole queue in one immediate transaction (sync). Busy errors propagate; the queue is kept. */
  commitSync(): void {
    if (this.#queue.length === 0 || this.#closed) return;
    const db = this.#openSync();
    const batch = this.#queue.take();
    try {
      db.transaction(() => {
        for (const op of batch) this.#run(db, op);
      }).immediate();
      this.#stats.commits++;
      this.#stats.writes += batch.length;
    } catch (err) {
      if (isBusyError(err) || isCorruptionError(err)) {
        this.#queue.putBack(batch);
        if (isBusyError(err)) throw err;
        throw corruptError(this.path, "SQLite reported damage while writing", err);
      }
      // One bad write must not sink the batch: replay one by one and drop (and report) the bad ones.
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i]!;
        try {
          db.transaction(() => this.#run(db, op)).immediate();
        } catch (e) {
          if (isBusyError(e)) {
            this.#queue.putBack(batch.slice(i));
            throw e;
          }
          this.#errors.push(new StoreError("STORE_ERROR", `[sqlite-store] ${op.kind} of a ${op.spec.table} row failed: ${(e as Error).message}`, { cause: e }));
        }
      }
    }
  }

  #commit(): Promise<void> {
    return this.#retryBusy(() => this.commitSync(), "committing writes");
  }

  async #read<T>(fn: (db: Db) => T): Promise<T> {
    this.#checkOpen();
    return await this.#retryBusy(() => {
      this.commitSync();
      return fn(this.#openSync());
    }, "reading");
  }

  #retryBusy<T>(fn: () => T, what: string): Promise<T> {
    return retryBusy(fn, { path: this.path, what, maxWaitMs: this.#options.maxBusyWaitMs, onRetry: () => this.#stats.busyRetries++ });
  }

  #openSync(): Db {
    if (this.#db) return this.#db;
    this.#checkOpen();
    const db = openStoreDatabase(this.dir, this.path, this.#options.busyTimeoutMs);
    this.#db = db;
    openStores.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on("exit", commitAllOnExit);
    }
    return db;
  }
}

const typeCache = new WeakMap<object, Map<string, ColumnType>>();
/** Field name -> column type of a table (cached). */
function columnTypes<R>(spec: TableSpec<R>): Map<string, ColumnType> {
  let m = typeCache.get(spec);
  if (!m) typeCache.set(spec, (m = new Map(spec.columns.map((c) => [c[0] as string, c[2]]))));
  return m;
}

/** Last chance on process exit: commit what is queued, synchronously. */
function commitAllOnExit(): void {
  for (const store of openStores) {
    try {
      store.commitSync();
    } catch {
      // nothing more can be done while exiting
    }
  }
}
