import { closeSync, openSync, readSync, statSync } from "node:fs";
import { StoreError } from "../errors.js";
import { STORE_APPLICATION_ID } from "./migrations.js";

const MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** What a path holds, judged from its bytes only (nothing is opened through SQLite). */
export type StoreFileState = "missing" | "empty" | "ours" | "blank-sqlite";

const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

/**
 * Inspect a store file without opening it through SQLite (which could write to it).
 * `ours`: a latticework store; `blank-sqlite`: a SQLite file with no schema and no application id
 * (safe to adopt); `empty`: zero bytes; `missing`: no file.
 * @throws StoreError STORE_CORRUPT (not a SQLite file) or STORE_FOREIGN (another program's database).
 */
export function inspectStoreFile(path: string): StoreFileState {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new StoreError("STORE_ERROR", `The store path ${path} exists but is not a regular file. Move it away or choose another store directory.`);
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw err;
  }
  if (size === 0) return "empty";
  const header = Buffer.alloc(100);
  const fd = openSync(path, "r");
  let got: number;
  try {
    got = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (got < 100 || !header.subarray(0, 16).equals(MAGIC)) {
    throw corruptError(path, "it is not a SQLite database (bad header)");
  }
  const appId = header.readUInt32BE(68);
  const schemaCookie = header.readUInt32BE(40);
  if (appId === STORE_APPLICATION_ID) return "ours";
  if (appId !== 0) throw foreignError(path, `its application id is ${hex(appId)}, not latticework's ${hex(STORE_APPLICATION_ID)}`);
  if (schemaCookie !== 0) throw foreignError(path, "it holds tables but no latticework application id");
  return "blank-sqlite";
}

/** The error for a file that belongs to another program. */
export function foreignError(path: string, why: string): StoreError {
  return new StoreError(
    "STORE_FOREIGN",
    `${path} is a SQLite database of another program (${why}). latticework will not open or change it. Point the store elsewhere (\`store.dir\` in latticework.config, or --store), or move that file away.`,
    { details: { path } },
  );
}

/** The error for a damaged or non-database file. */
export function corruptError(path: string, why: string, cause?: unknown): StoreError {
  return new StoreError(
    "STORE_CORRUPT",
    `The store file ${path} is corrupt: ${why}. It was left untouched. Move it (and any -wal/-shm files beside it) away to start a new store, or restore it from a backup; \`sqlite3 ${path} ".recover"\` may salvage its rows.`,
    { ...(cause === undefined ? {} : { cause }), details: { path } },
  );
}

/** Is this a SQLite error meaning the file is damaged or not a database? */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB");
}

/** Is this SQLITE_BUSY / SQLITE_LOCKED (another connection holds a lock)? */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}
