import { StoreError } from "../errors.js";
import { readArtifactSync, writeArtifactSync } from "./artifacts.js";
import type { ColumnType, TableSpec } from "./sqlite-tables.js";

const ARTIFACT_PREFIX = "@artifact:";

/**
 * Converts record fields to SQLite values and back. JSON values larger than `inlineLimit` bytes
 * are written to the artifact directory and the column holds `@artifact:<sha256>` (JSON text
 * can never start with "@", so the marker is unambiguous).
 */
export class SqliteCodec {
  constructor(
    readonly artifactDir: string,
    readonly inlineLimit: number,
  ) {}

  encode(type: ColumnType, value: unknown, field: string): unknown {
    switch (type) {
      case "bool":
        return value ? 1 : 0;
      case "text":
      case "int":
        return value ?? null;
      case "json":
      case "jsonNull": {
        if (value === undefined || (type === "jsonNull" && value === null)) return null;
        let text: string | undefined;
        try {
          text = JSON.stringify(value);
        } catch (err) {
          throw new StoreError("STORE_ERROR", `Cannot store field \`${field}\`: it is not JSON-serialisable (${(err as Error).message}).`, { cause: err });
        }
        if (text === undefined) return null;
        if (text.length > this.inlineLimit) return ARTIFACT_PREFIX + writeArtifactSync(this.artifactDir, text);
        return text;
      }
    }
  }

  decode(type: ColumnType, raw: unknown): unknown {
    switch (type) {
      case "bool":
        return raw === 1 || raw === 1n || raw === true;
      case "text":
      case "int":
        return raw ?? null;
      case "json":
      case "jsonNull": {
        if (raw === null || raw === undefined) return type === "json" ? undefined : null;
        let text = raw as string;
        if (text.startsWith(ARTIFACT_PREFIX)) {
          const digest = text.slice(ARTIFACT_PREFIX.length);
          const bytes = readArtifactSync(this.artifactDir, digest);
          if (!bytes) throw new StoreError("STORE_ERROR", `A stored value refers to artifact ${digest}, which is missing from ${this.artifactDir}. The artifact directory was pruned or moved.`);
          text = Buffer.from(bytes).toString("utf8");
        }
        return JSON.parse(text) as unknown;
      }
    }
  }

  /** Encoded values of a record's fields (only `fields`, when given), by field name. */
  params<R>(spec: TableSpec<R>, record: Partial<R>, fields?: ReadonlySet<string>): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [field, , type] of spec.columns) {
      if (fields && !fields.has(field)) continue;
      out.set(field, this.encode(type, (record as Record<string, unknown>)[field], field));
    }
    return out;
  }

  row<R>(spec: TableSpec<R>, raw: Record<string, unknown>): R {
    const out: Record<string, unknown> = {};
    for (const [field, , type] of spec.columns) out[field] = this.decode(type, raw[field]);
    return out as R;
  }
}
