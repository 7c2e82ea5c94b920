import { LatticeworkError, describeThrown } from "../errors.js";
import type { TaskError } from "../task.js";
import { toJsonSafe } from "./json-safe.js";

function safeDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) {
    try {
      out[k] = toJsonSafe(v);
    } catch {
      out[k] = String(v);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Describe anything a job (or the worker) threw as a structured, JSON-safe {@link TaskError}.
 * LatticeworkErrors keep their code (and launch details: exit code, signal, stderr tail, output
 * paths); other Errors become `fallbackCode` (JOB_FAILED by default); non-Errors become
 * JOB_THREW_NON_ERROR with the value described.
 */
export function toTaskError(thrown: unknown, fallbackCode = "JOB_FAILED"): TaskError {
  if (thrown instanceof LatticeworkError) {
    const d = thrown.details;
    const err: TaskError = { code: thrown.code, message: thrown.message, name: thrown.name };
    if (thrown.stack) err.stack = thrown.stack;
    if (typeof d.exitCode === "number" || d.exitCode === null) err.exitCode = d.exitCode as number | null;
    if (typeof d.signal === "string" || d.signal === null) err.signal = d.signal as string | null;
    if (str(d.stderrTail)) err.stderrTail = str(d.stderrTail);
    if (str(d.stdoutPath)) err.stdoutPath = str(d.stdoutPath);
    if (str(d.stderrPath)) err.stderrPath = str(d.stderrPath);
    if (str(d.schedulerState)) err.schedulerState = str(d.schedulerState);
    const details = safeDetails(d);
    if (details) err.details = details;
    return err;
  }
  if (thrown instanceof Error) {
    const err: TaskError = { code: fallbackCode, message: thrown.message || `${thrown.name} (no message)`, name: thrown.name };
    if (thrown.stack) err.stack = thrown.stack;
    const cause = (thrown as { cause?: unknown }).cause;
    if (cause !== undefined) err.details = { cause: describeThrown(cause).message };
    return err;
  }
  const described = describeThrown(thrown);
  let value: unknown;
  try {
    value = toJsonSafe(thrown);
  } catch {
    value = String(thrown);
  }
  return { code: "JOB_THREW_NON_ERROR", name: described.name, message: described.message, details: { value, type: thrown === null ? "null" : typeof thrown } };
}
