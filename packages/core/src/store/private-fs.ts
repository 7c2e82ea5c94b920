import { randomBytes } from "node:crypto";
import { promises as fsp, mkdirSync, chmodSync, openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync } from "node:fs";
import { dirname, basename, join } from "node:path";

/** Mode of every directory the store or the worker creates for its own state. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file the store or the worker writes for its own state. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Create `dir` (and missing parents) with mode 0700. An existing directory keeps its mode unless
 * `enforce` is set, in which case it is tightened to 0700 (used for the store's own directory).
 */
export function ensurePrivateDir(dir: string, enforce = false): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (enforce) chmodSync(dir, PRIVATE_DIR_MODE);
}

function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Best-effort fsync of a directory so a rename inside it survives a crash. */
function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems (and all of Windows) refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Write `data` to `path` atomically: a temp file in the same directory (mode 0600), fsync, rename.
 * Readers see either the old file or the complete new one, never a torn write.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): void {
  const tmp = tempNameFor(path);
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  fsyncDirSync(dirname(path));
}

/** Async twin of {@link writeFileAtomicSync}. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): Promise<void> {
  const tmp = tempNameFor(path);
  const handle = await fsp.open(tmp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  fsyncDirSync(dirname(path));
}
