/**
 * Errors thrown by latticework. Every error has a stable UPPER_SNAKE `code`, an optional `cause`,
 * and a brand (`Symbol.for("latticework.error")`) so `instanceof` works across two installed copies
 * of `@latticework/core`.
 *
 * @example
 * ```ts
 * try { await rt.run(flow, input) } catch (e) {
 *   if (e instanceof LatticeworkError && e.code === "INPUT_INVALID") console.error(e.message);
 * }
 * ```
 */
const BRAND = Symbol.for("latticework.error");

/** Stable error codes. New codes may be added in minor versions; existing ones never change meaning. */
export type ErrorCode =
  | "INPUT_INVALID"
  | "OUTPUT_INVALID"
  | "JOB_NOT_FOUND"
  | "JOB_FAILED"
  | "JOB_THREW_NON_ERROR"
  | "TIMEOUT"
  | "CANCELLED"
  | "LOST"
  | "CONFIG_INVALID"
  | "STORE_CORRUPT"
  | "STORE_FOREIGN"
  | "STORE_ERROR"
  | "EXECUTOR_NOT_FOUND"
  | "EXECUTOR_DISPOSED"
  | "EXECUTOR_ERROR"
  | "TRANSPORT_ERROR"
  | "HOST_KEY_REJECTED"
  | "LAUNCH_FAILED"
  | "FLOW_FAILED"
  | "RUN_NOT_FOUND"
  | "DEPENDENCY_FAILED"
  | "NOT_SUPPORTED"
  | "PARSE_ERROR"
  | "INTERNAL";

/** Base class of every error latticework throws. */
export class LatticeworkError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Extra structured fields (never secrets). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
    this.name = new.target.name;
  }

  get [BRAND](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== LatticeworkError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Is `value` a latticework error with the given code (works across copies of the package). */
  static is(value: unknown, code?: ErrorCode): value is LatticeworkError {
    return value instanceof LatticeworkError && (code === undefined || value.code === code);
  }
}

/** Thrown when a value fails a job's or a component's zod schema. `issues` lists every problem. */
export class ValidationError extends LatticeworkError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(
    code: "INPUT_INVALID" | "OUTPUT_INVALID" | "CONFIG_INVALID",
    subject: string,
    issues: readonly { path: string; message: string }[],
    options: { cause?: unknown } = {},
  ) {
    const list = issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n");
    super(code, `${subject}:\n${list}`, { ...options, details: { issues } });
    this.issues = issues;
  }
}

/** Thrown when a job name cannot be resolved to a job definition (worker side or CLI). */
export class JobNotFoundError extends LatticeworkError {
  constructor(name: string, where: string, options: { cause?: unknown } = {}) {
    super("JOB_NOT_FOUND", `No job named "${name}" in ${where}. Check the job's name and that its module exports it.`, {
      ...options,
      details: { name, where },
    });
  }
}

/** Thrown by a call whose job ended in a non-completed state; carries the structured task error. */
export class JobFailedError extends LatticeworkError {}

/** Thrown when work is cancelled through an AbortSignal or `latticework cancel`. */
export class CancelledError extends LatticeworkError {
  constructor(message = "Cancelled", options: { cause?: unknown } = {}) {
    super("CANCELLED", message, options);
  }
}

/** Thrown when a job or operation exceeds its time-out. */
export class TimeoutError extends LatticeworkError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("TIMEOUT", message, options);
  }
}

/** Thrown by store implementations (corrupt/foreign files, I/O problems). */
export class StoreError extends LatticeworkError {}

/** Thrown by transports (SSH/local command execution, file staging, host keys). */
export class TransportError extends LatticeworkError {}

/** Format an unknown thrown value as an Error-like triple, for values that are not Errors. */
export function describeThrown(value: unknown): { name: string; message: string; stack?: string } {
  if (value instanceof Error) return { name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  let text: string;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return { name: "NonError", message: `Job threw a non-Error value: ${text}` };
}

/** Convert zod issues (v4) to `{ path, message }` pairs with dotted paths. */
export function zodIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
