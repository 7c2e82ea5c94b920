import { LatticeworkError } from "./errors.js";
import type { Ref, RunPromise } from "./flow.js";
import { makeRef, refDataOf, runHandleOf } from "./runtime/deferred.js";

/**
 * A reference to part of a call's output, to pass (unawaited) into another call's input. The
 * runtime waits for the call, takes the value at `path` (dotted; array indices as numbers) and
 * records a data edge, so the dependent job starts as soon as that output exists.
 *
 * @example
 * ```ts
 * const relaxed = f.run(emt.relax, { atoms });
 * const energy = f.run(emt.static, { atoms: pick(relaxed, "atoms") });
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pick<T = any>(run: RunPromise<unknown> | Ref<unknown>, path: string): Ref<T> {
  if (typeof path !== "string") {
    throw new LatticeworkError("INPUT_INVALID", `pick(): path must be a dotted string such as "atoms.positions.0", got ${typeof path}`);
  }
  const segments = path === "" ? [] : path.split(".");
  if (segments.some((s) => s === "")) {
    throw new LatticeworkError("INPUT_INVALID", `pick(): path "${path}" has an empty segment; use dots only between names, e.g. "a.b.0"`);
  }
  const ref = refDataOf(run);
  if (ref) return makeRef<T>({ source: ref.source, path: [...ref.path, ...segments] });
  const handle = runHandleOf(run);
  if (!handle) {
    throw new LatticeworkError("INPUT_INVALID", "pick(): the first argument must be the value returned by f.run / f.subflow (unawaited) or another pick()");
  }
  return makeRef<T>({ source: handle, path: segments });
}
