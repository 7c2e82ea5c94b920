import { createHash } from "node:crypto";
import { LatticeworkError } from "./errors.js";

/**
 * Canonical JSON text of a value: object keys sorted, `undefined` members dropped (as JSON does),
 * `-0` written as `0`. Rejects values JSON cannot represent faithfully (NaN, Infinity, functions,
 * symbols, bigints, cycles) with an `INPUT_INVALID` error naming the path, instead of silently
 * turning them into `null`.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, -0] }); // '{"a":[2,0],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, "", new Set());
  return out.join("");
}

/**
 * sha256 (hex) of {@link canonicalJson}: equal for values that are equal as JSON, whatever the key
 * order. Used for call keys and input hashes.
 *
 * @example
 * ```ts
 * canonicalHash({ a: 1, b: 2 }) === canonicalHash({ b: 2, a: 1 }); // true
 * ```
 */
export function canonicalHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function fail(path: string, what: string): never {
  throw new LatticeworkError(
    "INPUT_INVALID",
    `canonicalHash: ${what} at ${path || "(root)"} cannot be represented in JSON. Pass plain JSON data (numbers, strings, booleans, null, arrays, objects).`,
    { details: { path: path || "(root)" } },
  );
}

function write(value: unknown, out: string[], path: string, seen: Set<object>): void {
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "number":
      if (!Number.isFinite(value)) fail(path, String(value));
      out.push(Object.is(value, -0) ? "0" : String(value));
      return;
    case "undefined":
      out.push("null");
      return;
    case "function":
      fail(path, "a function");
    // falls through (fail never returns)
    case "symbol":
      fail(path, "a symbol");
    // falls through
    case "bigint":
      fail(path, "a bigint");
    // falls through
    default:
      break;
  }
  if (value === null) {
    out.push("null");
    return;
  }
  const obj = value as object;
  if (seen.has(obj)) fail(path, "a circular reference");
  const json = (obj as { toJSON?: unknown }).toJSON;
  if (typeof json === "function") {
    write((json as () => unknown).call(obj), out, path, seen);
    return;
  }
  seen.add(obj);
  if (Array.isArray(obj)) {
    out.push("[");
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(",");
      const item: unknown = obj[i];
      // JSON turns undefined/functions in arrays into null; we only accept undefined.
      write(item === undefined ? null : item, out, `${path}.${i}`, seen);
    }
    out.push("]");
  } else if (ArrayBuffer.isView(obj)) {
    fail(path, "a typed array (convert it with Array.from)");
  } else {
    const keys = Object.keys(obj).sort();
    out.push("{");
    let first = true;
    for (const key of keys) {
      const v = (obj as Record<string, unknown>)[key];
      if (v === undefined) continue;
      if (!first) out.push(",");
      first = false;
      out.push(JSON.stringify(key), ":");
      write(v, out, path ? `${path}.${key}` : key, seen);
    }
    out.push("}");
  }
  seen.delete(obj);
}
