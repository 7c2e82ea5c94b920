import { createHash } from "node:crypto";
import { existsSync, promises as fsp, readFileSync } from "node:fs";
import { join } from "node:path";
import { StoreError } from "../errors.js";
import { ensurePrivateDir, writeFileAtomic, writeFileAtomicSync } from "./private-fs.js";

const DIGEST_RE = /^[0-9a-f]{64}$/;

/** sha256 hex digest of bytes or a UTF-8 string. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function assertDigest(digest: string): void {
  if (!DIGEST_RE.test(digest)) {
    throw new StoreError("STORE_ERROR", `Invalid artifact digest ${JSON.stringify(digest)}: expected 64 lowercase hex characters (a sha256).`);
  }
}

/**
 * Where an artifact lives: content addressed by sha256 and sharded by its first two hex digits,
 * `<dir>/ab/cdef...` (62 characters). Workers on a shared filesystem read artifacts through this.
 *
 * @example
 * ```ts
 * artifactPath("/runs/.latticework/artifacts", digest) // "/runs/.latticework/artifacts/3f/9a..."
 * ```
 */
export function artifactPath(dir: string, digest: string): string {
  assertDigest(digest);
  return join(dir, digest.slice(0, 2), digest.slice(2));
}

/**
 * Store bytes in an artifact directory (atomic write, dirs 0700, files 0600). Writing the same
 * content twice is a no-op. Returns the sha256 hex digest.
 */
export async function writeArtifact(dir: string, data: string | Uint8Array): Promise<string> {
  const digest = sha256Hex(data);
  const path = artifactPath(dir, digest);
  try {
    await fsp.access(path);
    return digest;
  } catch {
    // not there yet
  }
  ensurePrivateDir(dir);
  ensurePrivateDir(join(dir, digest.slice(0, 2)));
  await writeFileAtomic(path, data);
  return digest;
}

/**
 * Read an artifact, checking its content against the digest. Returns undefined when it does not
 * exist; throws StoreError (STORE_CORRUPT) when the bytes do not match their name.
 */
export async function readArtifact(dir: string, digest: string): Promise<Uint8Array | undefined> {
  const path = artifactPath(dir, digest);
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StoreError("STORE_ERROR", `Could not read artifact ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (sha256Hex(bytes) !== digest) {
    throw new StoreError(
      "STORE_CORRUPT",
      `Artifact ${path} is corrupt: its content does not match its sha256 name. Delete the file and re-run the job that produced it.`,
      { details: { path } },
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Synchronous twin of {@link writeArtifact} (used by the SQLite store to spill big values). */
export function writeArtifactSync(dir: string, data: string | Uint8Array): string {
  const digest = sha256Hex(data);
  const path = artifactPath(dir, digest);
  if (existsSync(path)) return digest;
  ensurePrivateDir(dir);
  ensurePrivateDir(join(dir, digest.slice(0, 2)));
  writeFileAtomicSync(path, data);
  return digest;
}

/** Synchronous twin of {@link readArtifact}. */
export function readArtifactSync(dir: string, digest: string): Uint8Array | undefined {
  const path = artifactPath(dir, digest);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StoreError("STORE_ERROR", `Could not read artifact ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (sha256Hex(bytes) !== digest) {
    throw new StoreError("STORE_CORRUPT", `Artifact ${path} is corrupt: its content does not match its sha256 name. Delete the file and re-run the job that produced it.`, {
      details: { path },
    });
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
