import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { z } from "zod";
import { setTimeout as sleep } from "node:timers/promises";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { MemoryRunStore } from "../src/store/memory-store.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { defineFlow } from "../src/define-flow.js";
import { mark, chain } from "./fixtures/runtime-demo.js";
import { lines, tempDir } from "./runtime-helpers.js";
import type { Runtime } from "../src/runtime-types.js";

const wide = defineFlow({
  name: "t.wide",
  input: z.object({ log: z.string() }),
  async run({ log }, f) {
    const slow = [0, 1, 2].map((i) => f.run(mark, { id: `slow${i}`, ms: 5_000, log }));
    const sub = f.subflow(chain, { log, n: 3, ms: 5_000 });
    await Promise.all([...slow, sub]);
    await f.run(mark, { id: "after", log });
    return "done";
  },
});

let rts: Runtime[] = [];
afterEach(async () => {
  await Promise.all(rts.map((r) => r.close()));
  rts = [];
});

function make(store = new MemoryRunStore(), cancelPollMs = 500) {
  const rt = createRuntime({ store, executors: { local: inProcessExecutor() }, cancelPollMs });
  rts.push(rt);
  return { rt, store };
}

async function expectCancelled(store: MemoryRunStore, runId: string, log: string) {
  const run = await store.getRun(runId);
  expect(run?.state).toBe("cancelled");
  const attempts = await store.listAttempts(runId);
  expect(attempts.length).toBe(3);
  expect(attempts.every((a) => a.state === "cancelled")).toBe(true);
  const [child] = await store.listChildRuns(runId);
  expect(child?.state).toBe("cancelled");
  expect((await store.listAttempts(child?.runId as string)).map((a) => a.state)).toEqual(["cancelled"]);
  expect(lines(log)).toEqual([]);
}

describe("cancellation", () => {
  it("an AbortSignal cancels every in-flight attempt, sub-flows included, and nothing new starts", async () => {
    const { rt, store } = make();
    const log = join(tempDir(), "log");
    const ac = new AbortController();
    const p = rt.run(wide, { log }, { signal: ac.signal });
    await sleep(150);
    const t0 = Date.now();
    ac.abort();
    const res = await p;
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(res.state).toBe("cancelled");
    expect(res.error?.code).toBe("CANCELLED");
    expect(res.failures).toEqual([]);
    await expectCancelled(store, res.runId, log);
  });

  it("runtime.cancel(runId) and RunHandle.cancel", async () => {
    const { rt, store } = make();
    const log = join(tempDir(), "log");
    const h = rt.start(wide, { log });
    await sleep(150);
    await rt.cancel(h.runId);
    const res = await h.result;
    expect(res.state).toBe("cancelled");
    await expectCancelled(store, res.runId, log);
    const h2 = rt.start(wide, { log });
    h2.cancel();
    expect((await h2.result).state).toBe("cancelled");
  });

  it("cancel from another runtime instance goes through the store flag and is picked up by polling", async () => {
    const shared = new MemoryRunStore();
    const owner = make(shared, 50);
    const other = make(shared, 50);
    const log = join(tempDir(), "log");
    const h = owner.rt.start(wide, { log });
    await sleep(150);
    await other.rt.cancel(h.runId);
    expect((await shared.getRun(h.runId))?.cancelRequested).toBe(true);
    const res = await h.result;
    expect(res.state).toBe("cancelled");
    await expectCancelled(shared, res.runId, log);
  });

  it("cancelling an unknown run says so", async () => {
    const { rt } = make();
    await expect(rt.cancel("no-such-run")).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
  });

  it("close() cancels active runs and later runs are refused", async () => {
    const { rt } = make();
    const log = join(tempDir(), "log");
    const h = rt.start(wide, { log });
    await sleep(100);
    await rt.close();
    expect((await h.result).state).toBe("cancelled");
    await expect(rt.run(mark, { id: "x" })).rejects.toMatchObject({ code: "EXECUTOR_DISPOSED" });
  });
});
