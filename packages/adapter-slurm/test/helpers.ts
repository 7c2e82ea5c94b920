import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { noopLogger, TaskSpecSchema, type ExecutorContext, type LatticeworkEvent, type TaskSpec } from "@latticework/core";

export const JOBS_MODULE = fileURLToPath(new URL("./fixtures/jobs.ts", import.meta.url));

/** Is the testbed up (env.sh sourced)? With CI=true a missing testbed fails instead of skipping. */
export function testbedAvailable(): boolean {
  const ok = process.env.LATTICEWORK_TESTBED === "1" && !!process.env.SLURM_CONF && existsSync(process.env.SLURM_CONF);
  if (!ok && process.env.CI === "true") throw new Error("CI=true but the SLURM testbed is not up: run `bash testbed/up.sh && source testbed/env.sh` before the tests");
  if (!ok) console.warn("[adapter-slurm] SLURM testbed tests skipped: run `bash testbed/up.sh && source testbed/env.sh && npx vitest run` (as root) to enable them");
  return ok;
}

/** A scratch directory with a space in its name (exercises quoting everywhere). */
export function scratch(prefix = "lw slurm"): string {
  return mkdtempSync(join(tmpdir(), `${prefix.replace(/\s/g, " ")}-`));
}

/** A TaskSpec for a fixture job. */
export function task(job: string, input: unknown, root: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  const taskId = extra.taskId ?? `t-${randomUUID().slice(0, 8)}`;
  return TaskSpecSchema.parse({ v: 1, taskId, runId: "run-1", callKey: `ck-${taskId}`, job, module: JOBS_MODULE, input, workdir: join(root, taskId), attempt: 1, ...extra });
}

/** An executor context that records events. */
export function context(stateDir: string): ExecutorContext & { events: { emit(e: LatticeworkEvent): void; list: LatticeworkEvent[] } } {
  const list: LatticeworkEvent[] = [];
  return { logger: noopLogger, stateDir, events: { list, emit: (e: LatticeworkEvent) => void list.push(e) } };
}

/** Wait until `pred` is true (polling), or throw after `ms`. */
export async function waitFor(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
