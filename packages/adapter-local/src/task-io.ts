import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger, TaskOutcome } from "@latticework/core";

/** Open for appending; create the workdir first if the runner has not (yet). */
function openAppend(path: string): number {
  try {
    return openSync(path, "a", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return openSync(path, "a", 0o600);
  }
}

function writeText(fd: number, chunk: string | Uint8Array): void {
  if (typeof chunk === "string") writeSync(fd, chunk);
  else writeSync(fd, chunk);
}

/** Levels of job logger lines, lowest first. */
export const LEVELS = ["debug", "info", "warn", "error"] as const;
/** A job logger level. */
export type LogLevel = (typeof LEVELS)[number];

/** File names of a task's captured output inside its workdir. */
export const STDOUT_FILE = "stdout.log";
export const STDERR_FILE = "stderr.log";

/**
 * A task's output files. Opened lazily (a task that prints nothing costs no file operations),
 * written synchronously so lines survive a crash of the worker, and closed when the task ends.
 * `logger` writes debug/info lines to stdout.log and warn/error lines to stderr.log.
 */
export class TaskIO {
  readonly #workdir: string;
  #stdoutPath: string | undefined;
  #stderrPath: string | undefined;
  #out: number | undefined;
  #err: number | undefined;
  #closed = false;
  readonly #min: number;
  readonly logger: Logger;

  constructor(workdir: string, minLevel: LogLevel = "info") {
    this.#workdir = workdir;
    this.#min = LEVELS.indexOf(minLevel);
    this.logger = new TaskIOLogger(this, undefined);
  }

  /** Path of stdout.log (whether or not it exists yet). */
  get stdoutPath(): string {
    return (this.#stdoutPath ??= join(this.#workdir, STDOUT_FILE));
  }
  /** Path of stderr.log (whether or not it exists yet). */
  get stderrPath(): string {
    return (this.#stderrPath ??= join(this.#workdir, STDERR_FILE));
  }

  /** Append raw text to stdout.log or stderr.log. */
  write(stream: "stdout" | "stderr", chunk: string | Uint8Array): void {
    if (this.#closed) return;
    if (stream === "stdout") {
      this.#out ??= openAppend(this.stdoutPath);
      writeText(this.#out, chunk);
    } else {
      this.#err ??= openAppend(this.stderrPath);
      writeText(this.#err, chunk);
    }
  }

  /** Create both files if nothing was written (so paths in an error always point to real files). */
  ensureFiles(): void {
    if (this.#closed) return;
    this.#out ??= openAppend(this.stdoutPath);
    this.#err ??= openAppend(this.stderrPath);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#out !== undefined) closeSync(this.#out);
    if (this.#err !== undefined) closeSync(this.#err);
  }

  /**
   * Fill in stdout/stderr paths: on a non-completed outcome always (the files are created), on a
   * completed one for the files the job wrote (a job that printed nothing has none).
   */
  annotate(outcome: TaskOutcome): TaskOutcome {
    if (outcome.state === "completed") {
      if (this.#out === undefined && this.#err === undefined) return outcome;
      return { ...outcome, ...(this.#out !== undefined ? { stdoutPath: this.stdoutPath } : {}), ...(this.#err !== undefined ? { stderrPath: this.stderrPath } : {}) };
    }
    try {
      this.ensureFiles();
    } catch {
      // workdir vanished: keep the paths anyway, they say where output would have been
    }
    return { ...outcome, error: { ...outcome.error, stdoutPath: outcome.error.stdoutPath ?? this.stdoutPath, stderrPath: outcome.error.stderrPath ?? this.stderrPath } };
  }

  /** Whether lines of `level` are written (at or above the minimum level). */
  enabled(level: LogLevel): boolean {
    return LEVELS.indexOf(level) >= this.#min;
  }

  /** One logger line (debug/info to stdout.log, warn/error to stderr.log), if at or above the level. */
  line(level: LogLevel, msg: string, fields: Record<string, unknown> | undefined): void {
    if (!this.enabled(level)) return;
    let extra = "";
    if (fields && Object.keys(fields).length > 0) {
      try {
        extra = ` ${JSON.stringify(fields)}`;
      } catch {
        extra = " [unserialisable fields]";
      }
    }
    this.write(level === "warn" || level === "error" ? "stderr" : "stdout", `${new Date().toISOString()} ${level.toUpperCase()} ${msg}${extra}\n`);
  }
}

/** The job logger of a task: one object, fields bound by `child` merged into every line. */
class TaskIOLogger implements Logger {
  readonly #io: TaskIO;
  readonly #bound: Record<string, unknown> | undefined;
  constructor(io: TaskIO, bound: Record<string, unknown> | undefined) {
    this.#io = io;
    this.#bound = bound;
  }
  #fields(f: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    return this.#bound ? (f ? { ...this.#bound, ...f } : this.#bound) : f;
  }
  debug(m: string, f?: Record<string, unknown>): void {
    if (this.#io.enabled("debug")) this.#io.line("debug", m, this.#fields(f));
  }
  info(m: string, f?: Record<string, unknown>): void {
    if (this.#io.enabled("info")) this.#io.line("info", m, this.#fields(f));
  }
  warn(m: string, f?: Record<string, unknown>): void {
    if (this.#io.enabled("warn")) this.#io.line("warn", m, this.#fields(f));
  }
  error(m: string, f?: Record<string, unknown>): void {
    if (this.#io.enabled("error")) this.#io.line("error", m, this.#fields(f));
  }
  child(f: Record<string, unknown>): Logger {
    return new TaskIOLogger(this.#io, this.#fields(f));
  }
}
