import { createHash, randomBytes } from "node:crypto";

/** A new run id: sortable UTC timestamp plus randomness, e.g. `20261122T013500-3f9a1c2b`. */
export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "");
  return `${t}-${randomBytes(4).toString("hex")}`;
}

/** Deterministic call key: hash of (run, call path, job name, input hash); 32 hex characters. */
export function callKeyOf(runId: string, callPath: string, name: string, inputHash: string): string {
  return createHash("sha256").update(`${runId}\0${callPath}\0${name}\0${inputHash}`).digest("hex").slice(0, 32);
}

/** Deterministic id of a sub-flow's run: parent run id plus part of the call key. */
export function childRunIdOf(parentRunId: string, callKey: string): string {
  return `${parentRunId}.${callKey.slice(0, 12)}`;
}

/** A filesystem-safe version of a label. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
}
