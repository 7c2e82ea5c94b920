import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CallGate } from "../src/runtime/call-gate.js";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { MemoryRunStore } from "../src/store/memory-store.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { defineFlow } from "../src/define-flow.js";
import { add, mark } from "./fixtures/runtime-demo.js";
import type { Runtime } from "../src/runtime-types.js";

let rt: Runtime | undefined;
afterEach(async () => rt?.close());

describe("CallGate", () => {
  it("admits up to its limit, then one waiter per leave, oldest first", async () => {
    const gate = new CallGate(2);
    expect(gate.enter()).toBeUndefined();
    expect(gate.enter()).toBeUndefined();
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => gate.enter()!.then(() => order.push(n)));
    expect(gate.inside).toBe(2);
    gate.leave();
    await waits[0];
    expect(order).toEqual([1]);
    gate.leave();
    gate.leave();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    for (let i = 0; i < 2; i++) gate.leave();
    expect(gate.inside).toBe(0);
  });
});

/** Sub-flows of 3 jobs each, every second job depending on the first: the gate must not deadlock. */
const trio = defineFlow({
  name: "t.gate-trio",
  input: z.object({ k: z.number() }),
  async run({ k }, f) {
    const a = f.run(add, { a: k, b: 1 });
    const b = f.run(add, { a: a.then((o) => o.sum), b: 1 });
    const c = f.run(mark, { id: `m${k}` });
    const [, bo] = await Promise.all([a, b, c]);
    return { sum: bo.sum };
  },
});
export const gated = defineFlow({
  name: "t.gated",
  input: z.object({ m: z.number() }),
  async run({ m }, f) {
    const outs = await Promise.all(Array.from({ length: m }, (_, k) => f.subflow(trio, { k })));
    const more = await f.map(add, Array.from({ length: 50 }, (_, i) => ({ a: i, b: 0 })));
    return { total: outs.reduce((s, o) => s + o.sum, 0) + more.length };
  },
});

describe("maxStartedCalls", () => {
  it("a runtime with a tiny limit still runs sub-flows and dependent calls to the end, in order", async () => {
    const store = new MemoryRunStore();
    rt = createRuntime({ store, executors: { local: inProcessExecutor() }, maxStartedCalls: 2 });
    const res = await rt.run(gated, { m: 20 });
    expect(res.error).toBeNull();
    expect(res.state).toBe("completed");
    // sum over k of (k + 2), plus 50 map calls
    expect(res.output).toEqual({ total: Array.from({ length: 20 }, (_, k) => k + 2).reduce((s, x) => s + x, 0) + 50 });
    const calls = await store.listCalls(res.runId);
    expect(calls.filter((c) => c.kind === "job" && c.state === "completed")).toHaveLength(50);
  });

  it("rejects a bad limit with a [runtime] message", () => {
    expect(() => createRuntime({ maxStartedCalls: 0 })).toThrow(/\[runtime\][\s\S]*maxStartedCalls/);
  });
});
