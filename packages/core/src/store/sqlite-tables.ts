import type { AttemptRecord, CallRecord, EdgeRecord, RunRecord } from "./run-store.js";

/**
 * How a record field is stored: `text`/`int` as is, `bool` as 0/1, `json` as JSON text (SQL NULL
 * reads back as `undefined`), `jsonNull` as JSON text (SQL NULL reads back as `null`).
 */
export type ColumnType = "text" | "int" | "bool" | "json" | "jsonNull";

/** A table's mapping between record fields and columns. */
export interface TableSpec<R> {
  readonly table: string;
  /** [field, column, type] */
  readonly columns: readonly (readonly [keyof R & string, string, ColumnType])[];
  /** Fields forming the key of updates. */
  readonly key: readonly (keyof R & string)[];
  /** Conflict target of the upsert. */
  readonly conflict: string;
}

export const RUNS: TableSpec<RunRecord> = {
  table: "runs",
  key: ["runId"],
  conflict: "run_id",
  columns: [
    ["runId", "run_id", "text"],
    ["name", "name", "text"],
    ["kind", "kind", "text"],
    ["target", "target", "jsonNull"],
    ["input", "input", "json"],
    ["state", "state", "text"],
    ["parentRunId", "parent_run_id", "text"],
    ["parentCallKey", "parent_call_key", "text"],
    ["executor", "executor", "text"],
    ["options", "options", "json"],
    ["output", "output", "json"],
    ["error", "error", "jsonNull"],
    ["createdAt", "created_at", "int"],
    ["startedAt", "started_at", "int"],
    ["endedAt", "ended_at", "int"],
    ["cancelRequested", "cancel_requested", "bool"],
    ["ownerPid", "owner_pid", "int"],
    ["ownerHost", "owner_host", "text"],
  ],
};

export const CALLS: TableSpec<CallRecord> = {
  table: "calls",
  key: ["runId", "callKey"],
  conflict: "run_id, call_key",
  columns: [
    ["runId", "run_id", "text"],
    ["callKey", "call_key", "text"],
    ["callPath", "call_path", "text"],
    ["kind", "kind", "text"],
    ["name", "name", "text"],
    ["inputHash", "input_hash", "text"],
    ["input", "input", "json"],
    ["state", "state", "text"],
    ["executor", "executor", "text"],
    ["attempts", "attempts", "int"],
    ["output", "output", "json"],
    ["error", "error", "jsonNull"],
    ["childRunId", "child_run_id", "text"],
    ["createdAt", "created_at", "int"],
    ["endedAt", "ended_at", "int"],
  ],
};

export const ATTEMPTS: TableSpec<AttemptRecord> = {
  table: "attempts",
  key: ["taskId"],
  conflict: "task_id",
  columns: [
    ["taskId", "task_id", "text"],
    ["runId", "run_id", "text"],
    ["callKey", "call_key", "text"],
    ["attempt", "attempt", "int"],
    ["job", "job", "text"],
    ["executor", "executor", "text"],
    ["state", "state", "text"],
    ["nativeId", "native_id", "text"],
    ["workdir", "workdir", "text"],
    ["stdoutPath", "stdout_path", "text"],
    ["stderrPath", "stderr_path", "text"],
    ["note", "note", "text"],
    ["error", "error", "jsonNull"],
    ["submittedAt", "submitted_at", "int"],
    ["startedAt", "started_at", "int"],
    ["endedAt", "ended_at", "int"],
  ],
};

export const EDGES: TableSpec<EdgeRecord> = {
  table: "edges",
  key: ["runId", "fromKey", "toKey", "path"],
  conflict: "run_id, from_key, to_key, path",
  columns: [
    ["runId", "run_id", "text"],
    ["fromKey", "from_key", "text"],
    ["toKey", "to_key", "text"],
    ["path", "path", "text"],
  ],
};

/** SQL of the upsert for a table (positional parameters, in column order). */
export function upsertSql<R>(spec: TableSpec<R>, onConflict: "update" | "ignore"): string {
  const cols = spec.columns.map((c) => c[1]).join(", ");
  const params = spec.columns.map(() => "?").join(", ");
  const keyCols = new Set(spec.conflict.split(",").map((s) => s.trim()));
  const updates = spec.columns.filter((c) => !keyCols.has(c[1])).map((c) => `${c[1]} = excluded.${c[1]}`).join(", ");
  const tail = onConflict === "ignore" || updates.length === 0 ? "DO NOTHING" : `DO UPDATE SET ${updates}`;
  return `INSERT INTO ${spec.table} (${cols}) VALUES (${params}) ON CONFLICT(${spec.conflict}) ${tail}`;
}

/** SQL of an update touching `fields`, keyed by the table's key (positional: `fields`, then the key fields). */
export function updateSql<R>(spec: TableSpec<R>, fields: readonly string[]): string {
  const byField = new Map(spec.columns.map((c) => [c[0] as string, c[1]]));
  const sets = fields.map((f) => `${byField.get(f)} = ?`).join(", ");
  const where = spec.key.map((k) => `${byField.get(k)} = ?`).join(" AND ");
  return `UPDATE ${spec.table} SET ${sets} WHERE ${where}`;
}

/** SELECT list mapping columns back to field names. */
export function selectList<R>(spec: TableSpec<R>): string {
  return spec.columns.map((c) => `${c[1]} AS "${c[0]}"`).join(", ");
}
