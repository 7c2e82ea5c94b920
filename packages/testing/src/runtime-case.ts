import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { MemoryRunStore, createRuntime } from "@latticework/core";
import type { Executor, TaskSpec } from "@latticework/core";
import { flaky } from "./fixtures/jobs.js";
import type { TaskRequest } from "./make-task.js";

/**
 * Conformance case: through a real runtime (memory store), a job that fails once and has
 * `retry: 2` completes on attempt 2, and the store keeps both attempts.
 */
export async function retryThroughRuntime(factory: () => Executor | Promise<Executor>, workRoot: string, _task: (r: TaskRequest) => TaskSpec): Promise<void> {
  const store = new MemoryRunStore({ dir: mkdtempSync(join(workRoot, "store-")) });
  const rt = createRuntime({ store, executors: { conformance: await factory() }, defaultExecutor: "conformance", workRoot: join(workRoot, "runtime-work") });
  try {
    const counterFile = join(workRoot, `counter-${Math.random().toString(36).slice(2)}`);
    const result = await rt.run(flaky, { counterFile, failTimes: 1 });
    expect(result.state, JSON.stringify(result.error ?? result.failures)).toBe("completed");
    expect((result.output as { calls: number }).calls).toBe(2);
    const attempts = await rt.store.listAttempts(result.runId);
    expect(attempts.map((a) => a.state).sort()).toEqual(["completed", "failed"]);
    expect(attempts.every((a) => a.executor === "conformance")).toBe(true);
  } finally {
    await rt.close();
  }
}
