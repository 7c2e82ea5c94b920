import type { Database } from "better-sqlite3";

/**
 * `PRAGMA application_id` of a latticework store ("LTWK" in ASCII). A SQLite file with another
 * id belongs to another program and is never touched.
 */
export const STORE_APPLICATION_ID = 0x4c54574b;

/** One forward-only schema step. Versions are consecutive integers starting at 1. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Every schema step, in order. Never edit a released step: add a new one. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: "runs, calls, attempts, edges",
    sql: `
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT,
        input TEXT,
        state TEXT NOT NULL,
        parent_run_id TEXT,
        parent_call_key TEXT,
        executor TEXT,
        options TEXT NOT NULL,
        output TEXT,
        error TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        owner_pid INTEGER,
        owner_host TEXT
      );
      CREATE INDEX runs_by_parent ON runs(parent_run_id, created_at);
      CREATE INDEX runs_by_created ON runs(created_at);
      CREATE TABLE calls (
        seq INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        call_key TEXT NOT NULL,
        call_path TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        input TEXT,
        state TEXT NOT NULL,
        executor TEXT,
        attempts INTEGER NOT NULL,
        output TEXT,
        error TEXT,
        child_run_id TEXT,
        created_at INTEGER NOT NULL,
        ended_at INTEGER,
        UNIQUE (run_id, call_key)
      );
      CREATE TABLE attempts (
        seq INTEGER PRIMARY KEY,
        task_id TEXT NOT NULL UNIQUE,
        run_id TEXT NOT NULL,
        call_key TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        job TEXT NOT NULL,
        executor TEXT NOT NULL,
        state TEXT NOT NULL,
        native_id TEXT,
        workdir TEXT,
        stdout_path TEXT,
        stderr_path TEXT,
        note TEXT,
        error TEXT,
        submitted_at INTEGER,
        started_at INTEGER,
        ended_at INTEGER
      );
      CREATE INDEX attempts_by_run ON attempts(run_id, call_key, seq);
      CREATE TABLE edges (
        seq INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        from_key TEXT NOT NULL,
        to_key TEXT NOT NULL,
        path TEXT NOT NULL DEFAULT '',
        UNIQUE (run_id, from_key, to_key, path)
      );
    `,
  },
]);

/** Highest schema version this build knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Current schema version of an open store (0 for a new file). */
export function schemaVersion(db: Database): number {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!hasTable) return 0;
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Bring the schema up to date, forward only, all pending steps in ONE immediate transaction (two
 * processes opening a new store at once: one migrates, the other sees the result). Returns the
 * versions applied. Throws when the file is newer than this build (the caller reports it).
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.length > 0 ? migrations[migrations.length - 1]!.version : 0;
  const tooNew = (current: number): Error =>
    Object.assign(new Error(`schema version ${current} is newer than this build's ${latest}`), { code: "LW_SCHEMA_TOO_NEW", current, latest });
  const upToDate = (): boolean => {
    const current = schemaVersion(db);
    if (current > latest) throw tooNew(current);
    return current === latest && db.pragma("application_id", { simple: true }) === STORE_APPLICATION_ID;
  };
  // Readers (a CLI showing status) must not need the write lock: check first, lock only to migrate.
  if (upToDate()) return [];
  const applied: number[] = [];
  db.transaction(() => {
    if (upToDate()) return;
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    const current = schemaVersion(db);
    const record = db.prepare("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.description, Date.now());
      applied.push(m.version);
    }
    db.pragma(`application_id = ${STORE_APPLICATION_ID}`);
  }).immediate();
  return applied;
}
