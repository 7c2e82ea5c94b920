import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { z } from "zod";
import { setTimeout as sleep } from "node:timers/promises";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { MemoryRunStore } from "../src/store/memory-store.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { BaseExecutor, NO_CAPABILITIES } from "../src/executor-base.js";
import { defineFlow } from "../src/define-flow.js";
import { pick } from "../src/pick.js";
import { add, chain, flaky, mark } from "./fixtures/runtime-demo.js";
import { lines, tempDir } from "./runtime-helpers.js";
import type { Runtime } from "../src/runtime-types.js";
import type { Submission } from "../src/executor.js";
import type { TaskOutcome, TaskSpec } from "../src/task.js";

export const mixed = defineFlow({
  name: "t.mixed",
  input: z.object({ log: z.string(), key: z.string() }),
  async run({ log, key }, f) {
    const a = f.run(mark, { id: "A", log });
    const b = f.run(flaky, { key, failTimes: 1 });
    const c = f.run(mark, { id: "C", log });
    const [ra, rb] = await Promise.all([a, b, c]);
    const d = await f.run(mark, { id: `D${rb.attempts}`, log });
    return { a: ra.id, d: d.id };
  },
});

export const piped2 = defineFlow({
  name: "t.piped2",
  input: z.object({ key: z.string() }),
  async run({ key }, f) {
    const first = f.run(flaky, { key, failTimes: 1 });
    return f.run(add, { a: pick(first, "attempts"), b: 10 });
  },
});

export const withSub = defineFlow({
  name: "t.with-sub",
  input: z.object({ log: z.string(), key: z.string() }),
  async run({ log, key }, f) {
    const first = await f.run(mark, { id: "top", log });
    const sub = await f.subflow(mixed, { log, key });
    return { first: first.id, sub };
  },
});

let rts: Runtime[] = [];
afterEach(async () => {
  await Promise.all(rts.map((r) => r.close()));
  rts = [];
});

function make(store = new MemoryRunStore(), executors = { local: inProcessExecutor() }) {
  const rt = createRuntime({ store, executors });
  rts.push(rt);
  return { rt, store };
}

describe("retry and resume by deterministic replay", () => {
  it("retry re-runs only what failed, keeps every attempt, and completes the run", async () => {
    const { rt, store } = make();
    const log = join(tempDir(), "log");
    const key = `k${Math.random()}`;
    const res = await rt.run(mixed, { log, key });
    expect(res.state).toBe("failed");
    expect(lines(log).sort()).toEqual(["A", "C"]);
    const again = await rt.retry(res.runId);
    expect(again.state).toBe("completed");
    expect(again.output).toEqual({ a: "A", d: "D2" });
    expect(lines(log).sort()).toEqual(["A", "C", "D2"]);
    const flakyCall = (await store.listCalls(res.runId)).find((c) => c.name === "t.flaky");
    const attempts = await store.listAttempts(res.runId, flakyCall?.callKey);
    expect(attempts.map((a) => [a.attempt, a.state])).toEqual([
      [1, "failed"],
      [2, "completed"],
    ]);
    expect((await store.getRun(res.runId))?.state).toBe("completed");
  });

  it("retry re-runs a failed job and then its dependents that never ran (DEPENDENCY_FAILED)", async () => {
    const { rt, store } = make();
    const key = `k${Math.random()}`;
    const res = await rt.run(piped2, { key });
    expect(res.state).toBe("failed");
    expect(res.failures.map((f) => f.error.code).sort()).toEqual(["DEPENDENCY_FAILED", "JOB_FAILED"]);
    const again = await rt.retry(res.runId);
    expect(again.state).toBe("completed");
    expect(again.output).toEqual({ sum: 12 });
    const calls = await store.listCalls(res.runId);
    const byState = calls.map((c) => [c.callPath, c.state, c.error?.code ?? null]).sort();
    expect(byState).toEqual([
      ["/t.add#0", "cancelled", "SUPERSEDED"],
      ["/t.add#0", "completed", null],
      ["/t.flaky#0", "completed", null],
    ]);
  });

  it("resume does not re-run failed calls (retry does); it reports them again", async () => {
    const { rt } = make();
    const log = join(tempDir(), "log");
    const key = `k${Math.random()}`;
    const res = await rt.run(mixed, { log, key });
    const resumed = await rt.resume(res.runId);
    expect(resumed.state).toBe("failed");
    expect(resumed.failures.map((f) => f.job)).toEqual(["t.flaky"]);
    expect(lines(log).sort()).toEqual(["A", "C"]);
  });

  it("retry replays sub-flows the same way", async () => {
    const { rt, store } = make();
    const log = join(tempDir(), "log");
    const res = await rt.run(withSub, { log, key: `k${Math.random()}` });
    expect(res.state).toBe("failed");
    expect(res.failures[0]?.runId).not.toBe(res.runId);
    const again = await rt.retry(res.runId);
    expect(again.state).toBe("completed");
    expect(lines(log).sort()).toEqual(["A", "C", "D2", "top"]);
    const children = await store.listChildRuns(res.runId);
    expect(children).toHaveLength(1);
    expect(children[0]?.state).toBe("completed");
  });

  it("resume after cancellation runs only what had not completed (each side effect once)", async () => {
    const { rt } = make();
    const log = join(tempDir(), "log");
    const h = rt.start(chain, { log, n: 4, ms: 120 });
    while (lines(log).length < 2) await sleep(10);
    h.cancel();
    const first = await h.result;
    expect(first.state).toBe("cancelled");
    const done = lines(log).length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(4);
    const resumed = await rt.resume(first.runId);
    expect(resumed.state).toBe("completed");
    expect(lines(log)).toEqual(["step0", "step1", "step2", "step3"]);
  });

  it("resume of a completed run returns its output without running anything", async () => {
    const { rt, store } = make();
    const res = await rt.run(add, { a: 1, b: 2 });
    const before = await store.listAttempts(res.runId);
    const again = await rt.resume(res.runId);
    expect(again).toMatchObject({ state: "completed", output: { sum: 3 } });
    expect(await store.listAttempts(res.runId)).toEqual(before);
  });

  it("resume of an unknown run, or a run without a recorded target, fails clearly", async () => {
    const { rt, store } = make();
    await expect(rt.resume("missing")).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
    const local = defineFlow({ name: "t.unexported", input: z.object({}), run: async (_i, f) => f.run(flaky, { key: `u${Math.random()}`, failTimes: 1 }) });
    const res = await rt.run(local, {});
    expect((await store.getRun(res.runId))?.target).toBeNull();
    await expect(rt.retry(res.runId)).rejects.toThrow(/no recorded target/);
  });

  it("in-flight attempts are re-attached (not resubmitted) when the executor can attach", async () => {
    class Attachable extends BaseExecutor {
      readonly name = "attachable";
      override readonly capabilities = { ...NO_CAPABILITIES, attach: true, cancel: true };
      submits: string[] = [];
      attaches: string[] = [];
      async submit(task: TaskSpec): Promise<Submission> {
        this.submits.push(task.taskId);
        return { nativeId: `native-${task.taskId}`, outcome: new Promise<TaskOutcome>(() => {}) };
      }
      async attach(nativeId: string): Promise<Submission> {
        this.attaches.push(nativeId);
        return { nativeId, outcome: Promise.resolve({ state: "completed", output: { sum: 42 } }) };
      }
    }
    const store = new MemoryRunStore();
    const crashed = new Attachable();
    const rt1 = createRuntime({ store, executors: { local: crashed } });
    const h = rt1.start(add, { a: 40, b: 2 });
    while ((await store.listAttempts(h.runId)).every((a) => a.nativeId === null)) await sleep(5);
    // rt1 is abandoned here, as if its process had died; its run record still says "running".
    const fresh = new Attachable();
    const { rt } = make(store, { local: fresh });
    const res = await rt.resume(h.runId);
    expect(res).toMatchObject({ state: "completed", output: { sum: 42 } });
    expect(fresh.submits).toEqual([]);
    expect(fresh.attaches).toEqual([`native-${crashed.submits[0]}`]);
    const attempts = await store.listAttempts(h.runId);
    expect(attempts.map((a) => [a.attempt, a.state])).toEqual([[1, "completed"]]);
  });
});
