import { describe, expect, it } from "vitest";
import { createCliLogger, formatLogLine, resolveLogLevel } from "../src/logger.js";
import { createStyle } from "../src/style.js";

function capture(pretty: boolean, level: "debug" | "warn" = "debug") {
  const lines: string[] = [];
  const logger = createCliLogger({ level, sink: { writeLine: (l) => lines.push(l) }, pretty, style: createStyle(false) });
  return { lines, logger };
}

describe("CLI logger", () => {
  it("writes JSON lines (non-TTY) with fields, and redacts secrets", () => {
    const { lines, logger } = capture(false);
    logger.child({ executor: "hpc" }).info("connected", { host: "login1", passphrase: "hunter2", auth: { privateKey: "-----BEGIN", token: "t0k" } });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ msg: "connected", executor: "hpc", host: "login1", passphrase: "[redacted]", auth: { privateKey: "[redacted]", token: "[redacted]" } });
    expect(lines[0]).not.toContain("hunter2");
    expect(lines[0]).not.toContain("BEGIN");
  });

  it("formats for humans on a TTY and respects the level", () => {
    const { lines, logger } = capture(true, "warn");
    logger.debug("hidden");
    logger.info("hidden too");
    logger.warn("queue is slow", { waitingMs: 1200 });
    logger.error("gave up");
    expect(lines).toEqual(["WARN  queue is slow waitingMs=1200", "ERROR gave up"]);
    expect(formatLogLine("not json", createStyle(false))).toBe("not json");
  });

  it("takes the level from the flag, then LATTICEWORK_LOG_LEVEL, and rejects unknown levels", () => {
    expect(resolveLogLevel(undefined, {})).toBe("warn");
    expect(resolveLogLevel(undefined, { LATTICEWORK_LOG_LEVEL: "DEBUG" })).toBe("debug");
    expect(resolveLogLevel("error", { LATTICEWORK_LOG_LEVEL: "debug" })).toBe("error");
    expect(() => resolveLogLevel(undefined, { LATTICEWORK_LOG_LEVEL: "loud" })).toThrow(/LATTICEWORK_LOG_LEVEL "loud" is not a log level/);
  });
});
