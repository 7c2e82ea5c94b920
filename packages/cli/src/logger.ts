import { pino } from "pino";
import type { Logger } from "@latticework/core";
import { LatticeworkError } from "@latticework/core";
import type { Style } from "./style.js";

/** Log levels accepted by --log-level / LATTICEWORK_LOG_LEVEL. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Field names whose values are never written to logs. */
const SECRET_KEYS = ["password", "passphrase", "privateKey", "private_key", "token", "secret", "apiKey", "authorization", "cookie"];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Where formatted log lines go (the progress display, so live redraws stay intact). */
export interface LineSink {
  writeLine(line: string): void;
}

/** Resolve the level from the flag, then LATTICEWORK_LOG_LEVEL, default `warn`. */
export function resolveLogLevel(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = (flag ?? env.LATTICEWORK_LOG_LEVEL ?? "warn").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    const source = flag !== undefined ? "--log-level" : "LATTICEWORK_LOG_LEVEL";
    throw new LatticeworkError("CONFIG_INVALID", `${source} "${value}" is not a log level; use one of ${LOG_LEVELS.join(", ")}.`);
  }
  return value as LogLevel;
}

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** Format one pino JSON line for humans: `WARN  message key=value ...`. */
export function formatLogLine(json: string, style: Style): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const { level, msg, time: _time, pid: _pid, hostname: _host, ...rest } = rec;
  const name = LEVEL_NAMES[level as number] ?? String(level);
  const paint = (level as number) >= 50 ? style.red : (level as number) >= 40 ? style.yellow : style.dim;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${paint(name.padEnd(5))} ${String(msg ?? "")}${fields ? ` ${style.dim(fields)}` : ""}`;
}

/**
 * A core Logger backed by pino, writing to `sink` (stderr through the display). Human format
 * when `pretty`, JSON lines otherwise. Secret-looking fields are redacted.
 */
export function createCliLogger(options: { level: LogLevel; sink: LineSink; pretty: boolean; style: Style }): Logger {
  const stream = {
    write(chunk: string): void {
      for (const line of chunk.split("\n")) {
        if (line) options.sink.writeLine(options.pretty ? formatLogLine(line, options.style) : line);
      }
    },
  };
  const base = pino({ level: options.level, base: undefined, redact: { paths: REDACT_PATHS, censor: "[redacted]" } }, stream);
  return wrap(base);
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    child: (fields) => wrap(p.child(fields)),
  };
}
