import { LatticeworkError } from "../errors.js";
import type { RunPromise, Ref } from "../flow.js";

/** Brand on promises returned by `f.run` / `f.subflow` (Symbol.for: survives duplicate copies). */
export const RUN_PROMISE = Symbol.for("latticework.runPromise");
/** Brand on refs made by `pick`. */
export const REF = Symbol.for("latticework.ref");

/** What the runtime knows about a call, reachable from its RunPromise. */
export interface CallHandle {
  readonly callPath: string;
  /** Set once the call's inputs resolved and its key was computed. */
  callKey: string | undefined;
  readonly promise: Promise<unknown>;
}

/** Internal shape of a Ref. */
export interface RefData {
  readonly source: CallHandle;
  readonly path: readonly string[];
}

/** Attach the call handle to a promise so it can be passed unawaited into other calls. */
export function toRunPromise<T>(promise: Promise<T>, handle: CallHandle): RunPromise<T> {
  // The caller attaches a rejection handler (run bookkeeping), so a failed call nobody awaits never
  // becomes an unhandled rejection. Plain assignment keeps promises on one fast hidden class.
  const p = promise as Promise<T> & Record<symbol, unknown> & { callPath: string };
  p[RUN_PROMISE] = handle;
  p.callPath = handle.callPath;
  return p as unknown as RunPromise<T>;
}

/** The call handle of a RunPromise, or undefined for anything else. */
export function runHandleOf(value: unknown): CallHandle | undefined {
  if (value === null || typeof value !== "object") return undefined;
  return (value as Record<symbol, CallHandle | undefined>)[RUN_PROMISE];
}

/** The data of a Ref, or undefined. */
export function refDataOf(value: unknown): RefData | undefined {
  if (value === null || typeof value !== "object") return undefined;
  return (value as Record<symbol, RefData | undefined>)[REF];
}

/** Make a Ref (used by `pick`). */
export function makeRef<T>(data: RefData): Ref<T> {
  const ref = { kind: "ref" as const };
  Object.defineProperty(ref, REF, { value: data, enumerable: false });
  Object.defineProperty(ref, "toJSON", {
    value: () => {
      throw new LatticeworkError(
        "INPUT_INVALID",
        `A pick() reference to "${data.source.callPath}" (path "${data.path.join(".")}") was serialised directly. Pass it inside an f.run input, or await the run first.`,
      );
    },
    enumerable: false,
  });
  return Object.freeze(ref);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isThenable(v: object): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown }).then === "function";
}

/** Fast check: does the value contain a RunPromise, Ref or Promise at any depth? */
export function containsDeferred(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (isThenable(value) || refDataOf(value)) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === "object" && containsDeferred(item)) return true;
    return false;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item === "object" && containsDeferred(item)) return true;
  }
  return false;
}

/** One dependency found in an input. */
export interface Dependency {
  /** The producing call (undefined for a plain promise). */
  handle: CallHandle | undefined;
  /** Picked path, when the dependency was a Ref. */
  path: string | null;
}

/** A dependency failed: the dependent call must not run. */
export class DependencyFailed {
  constructor(
    readonly callPath: string,
    readonly cause: unknown,
  ) {}
}

function pickPath(value: unknown, path: readonly string[], from: string): unknown {
  let cur: unknown = value;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string;
    if (cur === null || typeof cur !== "object" || !(seg in (cur as object))) {
      throw new LatticeworkError(
        "INPUT_INVALID",
        `pick(): the output of "${from}" has no "${path.slice(0, i + 1).join(".")}". Check the path given to pick().`,
        { details: { callPath: from, path: path.join(".") } },
      );
    }
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/**
 * Wait for every deferred value inside `value` and return a copy with them substituted, plus the
 * dependencies found (for data edges). Rejects with {@link DependencyFailed} when a dependency failed.
 */
export async function resolveDeferred(value: unknown): Promise<{ value: unknown; deps: Dependency[] }> {
  const deps: Dependency[] = [];
  const waits: Promise<unknown>[] = [];
  const slots: { source: Promise<unknown>; path: readonly string[]; from: string }[] = [];
  const seen = new Map<object, number>();
  function collect(v: unknown): void {
    if (v === null || typeof v !== "object") return;
    const ref = refDataOf(v);
    const handle = ref ? ref.source : runHandleOf(v);
    if (ref || isThenable(v)) {
      if (seen.has(v)) return;
      seen.set(v, slots.length);
      const source = ref ? ref.source.promise : Promise.resolve(v as PromiseLike<unknown>);
      slots.push({ source, path: ref ? ref.path : [], from: handle?.callPath ?? "a promise" });
      deps.push({ handle, path: ref ? ref.path.join(".") : null });
      waits.push(source);
      return;
    }
    if (Array.isArray(v)) for (const item of v) collect(item);
    else if (isPlainObject(v)) for (const key in v) collect((v as Record<string, unknown>)[key]);
  }
  collect(value);
  const settled = await Promise.allSettled(waits);
  const values: unknown[] = [];
  for (let i = 0; i < settled.length; i++) {
    const s = settled[i] as PromiseSettledResult<unknown>;
    const slot = slots[i] as (typeof slots)[number];
    if (s.status === "rejected") throw new DependencyFailed(slot.from, s.reason);
    values.push(pickPath(s.value, slot.path, slot.from));
  }
  function substitute(v: unknown): unknown {
    if (v === null || typeof v !== "object") return v;
    const idx = seen.get(v);
    if (idx !== undefined) return values[idx];
    if (Array.isArray(v)) return v.map(substitute);
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const key in v) out[key] = substitute((v as Record<string, unknown>)[key]);
    return out;
  }
  return { value: substitute(value), deps };
}
