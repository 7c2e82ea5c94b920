import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { StoreError } from "../errors.js";
import { LATEST_SCHEMA_VERSION, migrate, STORE_APPLICATION_ID } from "./migrations.js";
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "./private-fs.js";
import { corruptError, foreignError, inspectStoreFile, isCorruptionError } from "./sqlite-file.js";

/** An open better-sqlite3 database. */
export type Db = BetterSqlite3.Database;

/** Before any write: a file without our application id must hold no tables (else it is foreign). */
function verifyOwnership(db: Db, path: string): void {
  const appId = db.pragma("application_id", { simple: true }) as number;
  if (appId === STORE_APPLICATION_ID) return;
  if (appId !== 0) throw foreignError(path, `its application id is ${appId}`);
  const row = db.prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1").get() as { name: string } | undefined;
  if (row) throw foreignError(path, `it holds a table "${row.name}" and no latticework application id`);
}

function rethrowCorrupt(path: string, err: unknown): never {
  if (isCorruptionError(err)) throw corruptError(path, (err as Error).message, err);
  throw err;
}

/**
 * Open (creating if needed) the store database at `<dir>/store.sqlite`: private directory and
 * files, ownership checks before anything is written, WAL, busy timeout, synchronous=NORMAL,
 * pending migrations. SQLITE_BUSY propagates (the caller retries); every refusal leaves the file
 * exactly as it was.
 */
export function openStoreDatabase(dir: string, path: string, busyTimeoutMs: number): Db {
  ensurePrivateDir(dir, true);
  const state = inspectStoreFile(path);
  if (state === "missing") closeSync(openSync(path, "a", PRIVATE_FILE_MODE));
  const Database = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;
  if (state === "blank-sqlite") {
    // The header may be stale (another program's tables can sit in its WAL). Look read-only
    // first: a read-only connection never checkpoints that WAL into the file on close.
    let probe: Db | undefined;
    try {
      probe = new Database(path, { readonly: true, fileMustExist: true });
      probe.pragma(`busy_timeout = ${busyTimeoutMs}`);
      verifyOwnership(probe, path);
    } catch (err) {
      rethrowCorrupt(path, err);
    } finally {
      probe?.close();
    }
  }
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch (err) {
    if (isCorruptionError(err)) throw corruptError(path, (err as Error).message, err);
    throw new StoreError("STORE_ERROR", `Could not open the store ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    verifyOwnership(db, path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // Call and attempt keys are hashes, so index inserts land on random pages: a cache that holds
    // the indexes of a 100,000-job run avoids re-reading them (grows only as used), and fewer,
    // larger checkpoints cost fewer fsyncs.
    db.pragma("cache_size = -32768");
    db.pragma("wal_autocheckpoint = 8192");
    try {
      migrate(db);
    } catch (err) {
      const e = err as { code?: string; current?: number };
      if (e.code !== "LW_SCHEMA_TOO_NEW") throw err;
      throw new StoreError(
        "STORE_ERROR",
        `The store ${path} has schema version ${e.current}, newer than this @latticework/core understands (${LATEST_SCHEMA_VERSION}). Upgrade @latticework/core, or use another store directory. The file was not changed.`,
      );
    }
  } catch (err) {
    db.close();
    rethrowCorrupt(path, err);
  }
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
  return db;
}
