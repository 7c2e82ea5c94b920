import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { z } from "zod";
import { add, big, boom, dynamic, echo, isolation, parallel, parent, piped, serial, badOutput, mark } from "./fixtures/runtime-demo.js";
import { lines, memRuntime, tempDir } from "./runtime-helpers.js";
import { defineFlow } from "../src/define-flow.js";
import { pick } from "../src/pick.js";
import { LatticeworkError } from "../src/errors.js";
import type { Runtime } from "../src/runtime-types.js";

let rts: Runtime[] = [];
function make(extra = {}) {
  const m = memRuntime(extra);
  rts.push(m.rt);
  return m;
}
afterEach(async () => {
  await Promise.all(rts.map((r) => r.close()));
  rts = [];
});

describe("flows", () => {
  it("serial: job 2 consumes job 1's output", async () => {
    const { rt, store } = make();
    const res = await rt.run(serial, { x: 1 });
    expect(res.state).toBe("completed");
    expect(res.output).toEqual({ sum: 12 });
    const calls = await store.listCalls(res.runId);
    expect(calls.map((c) => [c.callPath, c.state, c.attempts])).toEqual([
      ["/t.add#0", "completed", 1],
      ["/t.add#1", "completed", 1],
    ]);
    const run = await store.getRun(res.runId);
    expect(run?.target).toMatchObject({ exportPath: "serial" });
    expect(run?.state).toBe("completed");
  });

  it("parallel and dynamic fan-out", async () => {
    const { rt, store } = make();
    const p = await rt.run(parallel, { x: 5 });
    expect(p.output).toEqual({ a: 6, b: 7 });
    const d = await rt.run(dynamic, { n: 7 });
    expect(d.output).toEqual({ total: 42, count: 7 });
    const calls = await store.listCalls(d.runId);
    expect(calls).toHaveLength(8);
    expect(new Set(calls.map((c) => c.callKey)).size).toBe(8);
  });

  it("unawaited runs and pick() flow into other calls and record edges", async () => {
    const { rt, store } = make();
    const res = await rt.run(piped, { x: 1 });
    expect(res.output).toEqual({ second: 102, n: 2 });
    const calls = await store.listCalls(res.runId);
    const byPath = new Map(calls.map((c) => [c.callPath, c]));
    const first = byPath.get("/t.add#0");
    const second = byPath.get("/t.add#1");
    const third = byPath.get("/t.echo#0");
    expect(second?.input).toEqual({ a: 2, b: 100 });
    expect(third?.input).toEqual({ data: [102, 2] });
    const edges = await store.listEdges(res.runId);
    expect(edges).toEqual(
      expect.arrayContaining([
        { runId: res.runId, fromKey: first?.callKey, toKey: second?.callKey, path: "sum" },
        { runId: res.runId, fromKey: second?.callKey, toKey: third?.callKey, path: "sum" },
        { runId: res.runId, fromKey: first?.callKey, toKey: third?.callKey, path: "sum" },
      ]),
    );
    expect(edges).toHaveLength(3);
  });

  it("a dependent starts as soon as its input exists, not when the flow body awaits", async () => {
    const { rt } = make();
    const flow = defineFlow({
      name: "t.eager",
      input: z.object({}),
      async run(_i, f) {
        const quick = f.run(mark, { id: "quick", ms: 0 });
        const dep = f.run(add, { a: pick(f.run(add, { a: 1, b: 1 }), "sum"), b: 0 });
        const slow = await f.run(mark, { id: "slow", ms: 300 });
        return { slow: slow.id, quick: (await quick).id, dep: (await dep).sum };
      },
    });
    const ended: string[] = [];
    rt.events.on((e) => e.type === "task.ended" && ended.push(e.job));
    const res = await rt.run(flow, {});
    expect(res.output).toEqual({ slow: "slow", quick: "quick", dep: 2 });
    // both adds (the producer and its dependent) end while the slow job, started first, is still running
    expect(ended).toHaveLength(4);
    expect(ended[3]).toBe("t.mark");
    expect(ended.slice(0, 3).filter((j) => j === "t.add")).toHaveLength(2);
  });

  it("failure isolation: independent branches finish, dependents fail with DEPENDENCY_FAILED without running", async () => {
    const { rt, store } = make();
    const log = join(tempDir(), "log");
    const res = await rt.run(isolation, { log });
    expect(res.state).toBe("failed");
    expect(lines(log)).toEqual(["B"]);
    const codes = res.failures.map((f) => [f.job, f.error.code, f.attempt]).sort();
    expect(codes).toEqual([["t.add", "DEPENDENCY_FAILED", 0], ["t.boom", "JOB_FAILED", 1]]);
    const boomFailure = res.failures.find((f) => f.job === "t.boom");
    expect(boomFailure?.error.message).toContain("branch A broke");
    expect(boomFailure?.callPath).toBe("/t.boom#0");
    expect(res.error?.code).toBe("FLOW_FAILED");
    const calls = await store.listCalls(res.runId);
    const dep = calls.find((c) => c.name === "t.add");
    expect(dep?.state).toBe("failed");
    expect(dep?.attempts).toBe(0);
    expect(await store.listAttempts(res.runId, dep?.callKey)).toHaveLength(0);
    expect(calls.find((c) => c.name === "t.mark")?.state).toBe("completed");
  });

  it("a flow that catches a failed call still ends failed, listing the job", async () => {
    const { rt } = make();
    const flow = defineFlow({
      name: "t.catches",
      input: z.object({}),
      async run(_i, f) {
        try {
          await f.run(boom, { msg: "caught" });
        } catch (e) {
          expect(LatticeworkError.is(e, "JOB_FAILED")).toBe(true);
        }
        return (await f.run(add, { a: 1, b: 1 })).sum;
      },
    });
    const res = await rt.run(flow, {});
    expect(res.state).toBe("failed");
    expect(res.failures).toHaveLength(1);
    expect(res.failures[0]?.error.message).toContain("caught");
  });

  it("invalid call input fails with INPUT_INVALID listing the fields, and nothing is submitted", async () => {
    const { rt, store } = make();
    const submitted: string[] = [];
    rt.events.on((e) => e.type === "task.pending" && submitted.push(e.job));
    const flow = defineFlow({
      name: "t.badinput",
      input: z.object({}),
      async run(_i, f) {
        return f.run(add, { a: "one", c: 2 } as never);
      },
    });
    const res = await rt.run(flow, {});
    expect(res.state).toBe("failed");
    const err = res.failures[0]?.error;
    expect(err?.code).toBe("INPUT_INVALID");
    expect(err?.message).toMatch(/- a: /);
    expect(err?.message).toMatch(/- b: /);
    expect(submitted).toEqual([]);
    expect(await store.listAttempts(res.runId)).toEqual([]);
  });

  it("invalid flow input throws before any run is recorded", async () => {
    const { rt, store } = make();
    await expect(rt.run(serial, { x: "nope" })).rejects.toMatchObject({ code: "INPUT_INVALID" });
    expect(await store.listRuns()).toEqual([]);
  });

  it("output failing the job's schema fails the call with OUTPUT_INVALID", async () => {
    const { rt } = make();
    const res = await rt.run(badOutput, {});
    expect(res.state).toBe("failed");
    expect(res.failures[0]?.error.code).toBe("OUTPUT_INVALID");
    expect(res.failures[0]?.error.message).toContain("n");
  });

  it("output failing the flow's schema fails the run", async () => {
    const { rt } = make();
    const flow = defineFlow({
      name: "t.flow-out",
      input: z.object({}),
      output: z.object({ ok: z.literal(true) }),
      async run() {
        return { ok: false } as never;
      },
    });
    const res = await rt.run(flow, {});
    expect(res.state).toBe("failed");
    expect(res.error?.code).toBe("OUTPUT_INVALID");
  });

  it("one-job runs", async () => {
    const { rt, store } = make();
    const res = await rt.run(add, { a: 2, b: 3 });
    expect(res).toMatchObject({ state: "completed", output: { sum: 5 }, failures: [] });
    const run = await store.getRun(res.runId);
    expect(run?.kind).toBe("job");
    expect(run?.target?.exportPath).toBe("add");
  });

  it("sub-flows get their own deterministic run records", async () => {
    const { rt, store } = make();
    const res = await rt.run(parent, { x: 1 });
    expect(res.output).toEqual({ a: 12, b: 13 });
    const children = await store.listChildRuns(res.runId);
    expect(children).toHaveLength(2);
    for (const c of children) {
      expect(c.runId.startsWith(`${res.runId}.`)).toBe(true);
      expect(c.state).toBe("completed");
      const calls = await store.listCalls(c.runId);
      expect(calls[0]?.callPath).toMatch(/^\/t\.serial#[01]\/t\.add#0$/);
    }
    const calls = await store.listCalls(res.runId);
    expect(calls.every((c) => c.kind === "flow" && c.childRunId !== null)).toBe(true);
  });

  it("large inputs go to the artifact store and are referenced", async () => {
    const { rt, store } = make();
    const data = Array.from({ length: 40_000 }, (_, i) => i + 0.123456789);
    const res = await rt.run(echo, { data });
    expect(res.output).toEqual({ n: 40_000, first: 0.123456789 });
    const calls = await store.listCalls(res.runId);
    const marker = calls[0]?.input as { $lwArtifact?: string };
    expect(marker.$lwArtifact).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.getArtifact(marker.$lwArtifact as string)).toBeDefined();
  });

  it("large outputs come back through the artifact store", async () => {
    const { rt, store } = make();
    const flow = defineFlow({
      name: "t.big-flow",
      input: z.object({}),
      async run(_i, f) {
        const out = f.run(big, { n: 50_000 });
        return f.run(echo, { data: pick(out, "values") });
      },
    });
    const res = await rt.run(flow, {});
    expect(res.output).toEqual({ n: 50_000, first: 0.5 });
    const calls = await store.listCalls(res.runId);
    const marker = calls.find((c) => c.name === "t.big")?.output as { $lwArtifact?: string };
    expect(marker.$lwArtifact).toMatch(/^[0-9a-f]{64}$/);
    const bytes = await store.getArtifact(marker.$lwArtifact as string);
    expect((JSON.parse(Buffer.from(bytes as Uint8Array).toString()) as { values: number[] }).values).toHaveLength(50_000);
  });

  it("call keys are deterministic across runs with the same id prefix", async () => {
    const a = make().rt;
    const b = make().rt;
    const r1 = await a.run(serial, { x: 3 }, { runId: "same-run" });
    const r2 = await b.run(serial, { x: 3 }, { runId: "same-run" });
    const k1 = (await (a.store.listCalls(r1.runId))).map((c) => c.callKey);
    const k2 = (await (b.store.listCalls(r2.runId))).map((c) => c.callKey);
    expect(k1).toEqual(k2);
  });

  it("f.run with something that is not a job fails the run with a clear message", async () => {
    const { rt } = make();
    const flow = defineFlow({
      name: "t.notjob",
      input: z.object({}),
      async run(_i, f) {
        return f.run(serial as never, {} as never);
      },
    });
    const res = await rt.run(flow, {});
    expect(res.state).toBe("failed");
    expect(res.error?.message).toMatch(/f\.subflow/);
  });
});
