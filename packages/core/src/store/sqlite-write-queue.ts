import { updateSql, upsertSql, type TableSpec } from "./sqlite-tables.js";

/** One pending write. `params` are already encoded for SQLite (records are snapshotted on enqueue). */
export interface QueuedWrite {
  readonly spec: TableSpec<never>;
  readonly kind: "upsert" | "update" | "insert-ignore";
  readonly params: Map<string, unknown>;
  /** Fields an update sets (not the key). */
  readonly fields?: Set<string>;
}

/** SQL text of a queued write and the order of its positional parameters (field names). */
export interface WriteSql {
  readonly sql: string;
  readonly names: readonly string[];
}

const upsertCache = new Map<string, WriteSql>();
const updateCache = new Map<string, WriteSql>();

/** The SQL of a queued write (statements are cached by their text in the store). */
export function sqlOf(w: QueuedWrite): WriteSql {
  const spec = w.spec as TableSpec<unknown>;
  if (w.kind === "update") {
    const fields = [...w.fields!].sort();
    const sig = `${spec.table}:${fields.join(",")}`;
    let out = updateCache.get(sig);
    if (!out) updateCache.set(sig, (out = { sql: updateSql(spec, fields), names: [...fields, ...spec.key] }));
    return out;
  }
  const sig = `${spec.table}:${w.kind}`;
  let out = upsertCache.get(sig);
  if (!out) upsertCache.set(sig, (out = { sql: upsertSql(spec, w.kind === "upsert" ? "update" : "ignore"), names: spec.columns.map((c) => c[0]) }));
  return out;
}

/** Positional parameters of a queued write. */
export function argsOf(w: QueuedWrite, names: readonly string[]): unknown[] {
  const args = new Array<unknown>(names.length);
  for (let i = 0; i < names.length; i++) args[i] = w.params.get(names[i]!);
  return args;
}

/**
 * Writes waiting for the next commit. Several writes to the same row before a commit collapse
 * into one: an update of a row whose insert (or update) is still queued is merged into it, so a
 * job's "submitted -> running -> completed" in one tick costs one row write, not three.
 */
export class WriteQueue {
  #writes: QueuedWrite[] = [];
  #byRow = new Map<string, QueuedWrite>();

  get length(): number {
    return this.#writes.length;
  }

  upsert(spec: TableSpec<never>, row: string, params: Map<string, unknown>): void {
    const w: QueuedWrite = { spec, kind: "upsert", params };
    this.#writes.push(w);
    this.#byRow.set(`${spec.table}\0${row}`, w);
  }

  update(spec: TableSpec<never>, row: string, params: Map<string, unknown>, fields: readonly string[]): void {
    const id = `${spec.table}\0${row}`;
    const pending = this.#byRow.get(id);
    if (pending) {
      for (const f of fields) {
        pending.params.set(f, params.get(f));
        pending.fields?.add(f);
      }
      return;
    }
    const w: QueuedWrite = { spec, kind: "update", params, fields: new Set(fields) };
    this.#writes.push(w);
    this.#byRow.set(id, w);
  }

  insertIgnore(spec: TableSpec<never>, params: Map<string, unknown>): void {
    this.#writes.push({ spec, kind: "insert-ignore", params });
  }

  /** Remove and return every queued write, in order. */
  take(): QueuedWrite[] {
    const out = this.#writes;
    this.#writes = [];
    this.#byRow.clear();
    return out;
  }

  /** Put writes that could not be committed back at the front (later writes stay after them). */
  putBack(writes: readonly QueuedWrite[]): void {
    this.#writes = [...writes, ...this.#writes];
  }
}
