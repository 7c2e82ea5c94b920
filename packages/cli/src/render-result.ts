import type { RunResult } from "@latticework/core";
import type { Io } from "./context.js";
import { shortPath } from "./context.js";
import type { Style } from "./style.js";

const MAX_OUTPUT_LINES = 60;

/** The JSON document `run --json` (and resume/retry --json) prints. */
export function resultJson(result: RunResult): Record<string, unknown> {
  return {
    runId: result.runId,
    state: result.state,
    output: result.output ?? null,
    error: result.error ?? null,
    failures: result.failures,
  };
}

/** Print how a run ended: a JSON document with --json, else a short human summary on stdout. */
export function printResult(
  result: RunResult,
  options: { json: boolean; io: Io; style: Style; summary?: ((output: never) => string) | undefined },
): void {
  const { io, style: s } = options;
  if (options.json) {
    io.stdout.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
    return;
  }
  const ok = result.state === "completed";
  const lines: string[] = [`${ok ? s.green("\u2713") : s.red("\u2717")} run ${s.bold(result.runId)} ${s.state(result.state)}`];
  let summarised = false;
  if (ok && options.summary) {
    try {
      const text = options.summary(result.output as never);
      lines.push(text.replace(/\n$/, ""));
      summarised = true;
    } catch (error) {
      lines.push(s.yellow(`(summary() of the flow failed: ${(error as Error).message}; raw output follows)`));
    }
  }
  if (ok && !summarised && result.output !== undefined) {
    const text = JSON.stringify(result.output, null, 2) ?? "undefined";
    const outLines = text.split("\n");
    lines.push(s.dim("output:"));
    lines.push(...outLines.slice(0, MAX_OUTPUT_LINES));
    if (outLines.length > MAX_OUTPUT_LINES) lines.push(s.dim(`... ${outLines.length - MAX_OUTPUT_LINES} more lines (use --json for all of it)`));
  }
  if (result.failures.length) {
    lines.push(`${result.failures.length} failed job${result.failures.length === 1 ? "" : "s"}:`);
    for (const f of result.failures) {
      const msg = (f.error.message ?? "").split("\n")[0];
      lines.push(`  ${s.red("\u2717")} ${s.bold(f.callPath)} ${s.dim(`(${f.job}, attempt ${f.attempt})`)} ${s.state(f.state)}: ${msg}`);
      if (f.error.stderrPath) lines.push(s.dim(`      stderr: ${shortPath(f.error.stderrPath, io.cwd)}`));
      if (f.error.stdoutPath) lines.push(s.dim(`      stdout: ${shortPath(f.error.stdoutPath, io.cwd)}`));
    }
  } else if (!ok && result.error) {
    lines.push(`${s.red("error")}: ${result.error.message}`);
  }
  if (!ok) lines.push(s.dim(`details: latticework show ${result.runId}   logs: latticework logs ${result.runId}`));
  io.stdout.write(`${lines.join("\n")}\n`);
}
