/** Thrown by {@link toJsonSafe} with the dotted path of the offending value. */
export class NotJsonSafeError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path || "(root)"}: ${reason}`);
    this.name = "NotJsonSafeError";
  }
}

/**
 * A deep copy of `value` that survives JSON: typed arrays become arrays, Dates ISO strings,
 * `toJSON` is honoured, `undefined` object members are dropped. BigInt, symbols, functions,
 * non-finite numbers, Maps/Sets and cycles are rejected with the path of the value.
 */
export function toJsonSafe(value: unknown, path = "", stack: object[] = []): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new NotJsonSafeError(path, `${String(value)} is not representable in JSON`);
      return value;
    case "undefined":
      return null;
    case "bigint":
      throw new NotJsonSafeError(path, "BigInt is not representable in JSON; convert it to a string or number");
    case "symbol":
    case "function":
      throw new NotJsonSafeError(path, `a ${typeof value} is not representable in JSON`);
  }
  if (value === null) return null;
  const obj = value as object;
  if (stack.includes(obj)) throw new NotJsonSafeError(path, "circular reference");
  if (typeof (obj as { toJSON?: unknown }).toJSON === "function") {
    return toJsonSafe((obj as { toJSON(key: string): unknown }).toJSON(""), path, stack);
  }
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
    const arr = Array.from(obj as unknown as ArrayLike<number | bigint>);
    return arr.map((v, i) => toJsonSafe(v, `${path}[${i}]`, stack));
  }
  if (obj instanceof Map || obj instanceof Set) {
    throw new NotJsonSafeError(path, `a ${obj.constructor.name} is not representable in JSON; use a plain object or an array`);
  }
  stack.push(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v, i) => toJsonSafe(v, `${path}[${i}]`, stack));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      out[k] = toJsonSafe(v, path ? `${path}.${k}` : k, stack);
    }
    return out;
  } finally {
    stack.pop();
  }
}
