import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { MemoryRunStore } from "../src/store/memory-store.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { defineFlow } from "../src/define-flow.js";
import { selectExecutor } from "../src/runtime/routing.js";
import { add, mark } from "./fixtures/runtime-demo.js";
import type { Runtime, RuntimeOptions } from "../src/runtime-types.js";

const both = defineFlow({
  name: "t.both",
  input: z.object({}),
  async run(_i, f) {
    await Promise.all([f.run(add, { a: 1, b: 1 }), f.run(mark, { id: "m" }), f.run(add, { a: 2, b: 2 }, { executor: "gpu" })]);
    return "ok";
  },
});

let rt: Runtime | undefined;
afterEach(async () => rt?.close());

async function routes(options: Partial<RuntimeOptions>, runOptions = {}) {
  const store = new MemoryRunStore();
  rt = createRuntime({ store, executors: { local: inProcessExecutor(), hpc: inProcessExecutor(), gpu: inProcessExecutor() }, ...options });
  const res = await rt.run(both, {}, runOptions);
  expect(res.state).toBe("completed");
  const calls = await store.listCalls(res.runId);
  const attempts = await store.listAttempts(res.runId);
  for (const c of calls) expect(attempts.find((a) => a.callKey === c.callKey)?.executor).toBe(c.executor);
  return Object.fromEntries(calls.map((c) => [c.callPath, c.executor]));
}

describe("executor routing", () => {
  it("defaults to `local`; the call option wins", async () => {
    expect(await routes({})).toEqual({ "/t.add#0": "local", "/t.mark#0": "local", "/t.add#1": "gpu" });
  });
  it("runtime rules by job-name glob and by tag", async () => {
    expect(await routes({ rules: [{ job: "t.a*", executor: "hpc" }] })).toEqual({ "/t.add#0": "hpc", "/t.mark#0": "local", "/t.add#1": "gpu" });
    expect(await routes({ rules: [{ tag: "marker", executor: "hpc" }] })).toEqual({ "/t.add#0": "local", "/t.mark#0": "hpc", "/t.add#1": "gpu" });
  });
  it("run rules beat runtime rules; run default beats runtime default", async () => {
    expect(await routes({ rules: [{ job: "*", executor: "hpc" }] }, { rules: [{ job: "t.mark", executor: "local" }] })).toEqual({
      "/t.add#0": "hpc", "/t.mark#0": "local", "/t.add#1": "gpu",
    });
    expect(await routes({ defaultExecutor: "hpc" }, { executor: "gpu" })).toEqual({ "/t.add#0": "gpu", "/t.mark#0": "gpu", "/t.add#1": "gpu" });
    expect(await routes({ defaultExecutor: "hpc" })).toEqual({ "/t.add#0": "hpc", "/t.mark#0": "hpc", "/t.add#1": "gpu" });
  });
  it("selectExecutor precedence (pure)", () => {
    const q = { job: "emt.relax", tags: ["mpi"], callExecutor: undefined, runRules: [], runtimeRules: [], runDefault: undefined, runtimeDefault: "local" };
    expect(selectExecutor(q)).toBe("local");
    expect(selectExecutor({ ...q, runtimeRules: [{ tag: "mpi", executor: "hpc" }] })).toBe("hpc");
    expect(selectExecutor({ ...q, runtimeRules: [{ job: "emt.*", tag: "gpu", executor: "x" }] })).toBe("local");
    expect(selectExecutor({ ...q, runtimeRules: [{ job: "emt.*", tag: "mpi", executor: "x" }] })).toBe("x");
    expect(selectExecutor({ ...q, runtimeRules: [{ job: "emt.r?lax", executor: "x" }] })).toBe("local");
  });
  it("an unknown executor in a call option fails that call with EXECUTOR_NOT_FOUND", async () => {
    rt = createRuntime({ store: new MemoryRunStore(), executors: { local: inProcessExecutor() } });
    const flow = defineFlow({ name: "t.unknown-exec", input: z.object({}), run: async (_i, f) => f.run(add, { a: 1, b: 1 }, { executor: "nope" }) });
    const res = await rt.run(flow, {});
    expect(res.failures[0]?.error).toMatchObject({ code: "EXECUTOR_NOT_FOUND" });
    expect(res.failures[0]?.error.message).toContain('"nope"');
  });
  it("bad runtime options are all reported at once", () => {
    expect(() =>
      createRuntime({
        store: new MemoryRunStore(),
        executors: { local: inProcessExecutor(), broken: {} as never },
        defaultExecutor: "missing",
        rules: [{ executor: "local" }, { job: "x", executor: "ghost" }],
        cancelPollMs: -1,
      }),
    ).toThrow(/\[runtime\][\s\S]*executors\.broken[\s\S]*rules\.0[\s\S]*cancelPollMs[\s\S]*defaultExecutor[\s\S]*rules\.1\.executor/);
  });
  it("bad run options throw CONFIG_INVALID before anything runs", async () => {
    const store = new MemoryRunStore();
    rt = createRuntime({ store, executors: { local: inProcessExecutor() } });
    await expect(rt.run(both, {}, { executor: "ghost" })).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    expect(await store.listRuns()).toEqual([]);
  });
});
