import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noopLogger } from "@latticework/core";
import type { ExecutorContext, LatticeworkEvent, TaskOutcome } from "@latticework/core";
import { makeTaskSpec, type TaskRequest } from "@latticework/testing";
import type { LocalExecutor } from "../src/index.js";

/** A started-executor context with collected events and warnings. */
export function testContext(): ExecutorContext & { seen: LatticeworkEvent[]; warnings: string[] } {
  const seen: LatticeworkEvent[] = [];
  const warnings: string[] = [];
  return {
    logger: { ...noopLogger, warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m), child: () => noopLogger },
    events: { emit: (e) => void seen.push(e) },
    stateDir: mkdtempSync(join(tmpdir(), "lw-local-state-")),
    seen,
    warnings,
  };
}

export const workRoot = mkdtempSync(join(tmpdir(), "lw-local-work-"));

/** Submit one fixture task and wait for its outcome. */
export async function runOn(ex: LocalExecutor, req: TaskRequest, signal: AbortSignal = new AbortController().signal): Promise<TaskOutcome> {
  return (await ex.submit(makeTaskSpec(req, { workRoot }), signal)).outcome;
}

export function outputOf<T>(o: TaskOutcome): T {
  if (o.state !== "completed") throw new Error(`expected completed, got ${o.state}: ${JSON.stringify(o.error)}`);
  return o.output as T;
}
