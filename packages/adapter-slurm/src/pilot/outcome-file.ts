/**
 * Outcome writing for the pilot and its workers, with node built-ins only (the pilot's import
 * graph stays small so that it starts fast; see pilot-main.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Write an outcome as JSON atomically (temp file + rename, 0600), without fsync: readers need
 * the whole file or none (rename gives that, also on NFS at close), not durability across a
 * power cut: a node that dies takes its pilot's heartbeat with it and the task is retried as lost.
 * (core's writeOutcomeAtomic also fsyncs and re-validates: ~1 ms per task here.)
 */
export async function writeOutcomeFile(path: string, outcome: unknown): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let f;
  try {
    f = await open(tmp, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    f = await open(tmp, "wx", 0o600);
  }
  try {
    await f.writeFile(`${JSON.stringify(outcome)}\n`);
  } finally {
    await f.close();
  }
  await rename(tmp, path).catch(async (e: unknown) => {
    await rm(tmp, { force: true });
    throw e;
  });
}

/** The fields of a TaskSpec the pilot itself uses (the worker validates the whole spec). */
export interface PilotSpec {
  taskId: string;
  module: string;
  outcomePath: string;
  resources: Record<string, unknown> & { nodes?: number; ranks?: number; ranksPerNode?: number; cpus?: number; cpusPerRank?: number };
  placement?: unknown;
  [k: string]: unknown;
}

/** Check a claimed spec file's JSON enough for the pilot to place it; throws with what is wrong. */
export function asPilotSpec(json: unknown): PilotSpec {
  const o = json as Partial<PilotSpec> | null;
  if (!o || typeof o !== "object") throw new Error("not a JSON object");
  for (const k of ["taskId", "module", "outcomePath"] as const) if (typeof o[k] !== "string" || !o[k]) throw new Error(`${k} must be a non-empty string`);
  if (o.resources !== undefined && (typeof o.resources !== "object" || o.resources === null)) throw new Error("resources must be an object");
  return { ...o, resources: o.resources ?? {} } as PilotSpec;
}
