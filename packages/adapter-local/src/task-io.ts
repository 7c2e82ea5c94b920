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
  readonly stdoutPath: string;
  readonly stderrPath: string;
  #out: number | undefined;
  #err: number | undefined;
  #closed = false;
  readonly logger: Logger;

  constructor(workdir: string, minLevel: LogLevel = "info") {
    this.stdoutPath = join(workdir, STDOUT_FILE);
    this.stderrPath = join(workdir, STDERR_FILE);
    this.logger = this.#makeLogger({}, LEVELS.indexOf(minLevel));
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

  #makeLogger(bound: Record<string, unknown>, min: number): Logger {
    const line = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
      if (LEVELS.indexOf(level) < min) return;
      const all = fields ? { ...bound, ...fields } : bound;
      let extra = "";
      if (Object.keys(all).length > 0) {
        try {
          extra = ` ${JSON.stringify(all)}`;
        } catch {
          extra = " [unserialisable fields]";
        }
      }
      this.write(level === "warn" || level === "error" ? "stderr" : "stdout", `${new Date().toISOString()} ${level.toUpperCase()} ${msg}${extra}\n`);
    };
    return {
      debug: (m, f) => line("debug", m, f),
      info: (m, f) => line("info", m, f),
      warn: (m, f) => line("warn", m, f),
      error: (m, f) => line("error", m, f),
      child: (f) => new TaskIOLogger(this, { ...bound, ...f }),
    };
  }
}

class TaskIOLogger implements Logger {
  readonly #io: TaskIO;
  readonly #bound: Record<string, unknown>;
  constructor(io: TaskIO, bound: Record<string, unknown>) {
    this.#io = io;
    this.#bound = bound;
  }
  debug(m: string, f?: Record<string, unknown>): void {
    this.#io.logger.debug(m, { ...this.#bound, ...f });
  }
  info(m: string, f?: Record<string, unknown>): void {
    this.#io.logger.info(m, { ...this.#bound, ...f });
  }
  warn(m: string, f?: Record<string, unknown>): void {
    this.#io.logger.warn(m, { ...this.#bound, ...f });
  }
  error(m: string, f?: Record<string, unknown>): void {
    this.#io.logger.error(m, { ...this.#bound, ...f });
  }
  child(f: Record<string, unknown>): Logger {
    return new TaskIOLogger(this.#io, { ...this.#bound, ...f });
  }
}
