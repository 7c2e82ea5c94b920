import { describe, expect, it } from "vitest";
import { double, pipeline, slowRemote } from "./fixtures/flow-jobs.js";
import { createTestRuntime, mockJob, runFlow } from "../src/index.js";

describe("flow-test helpers", () => {
  it("runFlow runs real jobs in-process, replaces mocked ones, and records every call", async () => {
    const { result, calls } = await runFlow(pipeline, { items: [1, 2, 3], q: "life" }, { mocks: [mockJob(slowRemote, ({ q }) => ({ answer: q.length * 10 }))] });
    expect(result.state).toBe("completed");
    expect(result.output).toEqual({ total: 12 + 40 });
    expect(calls.map((c) => c.job).sort()).toEqual(["t.double", "t.double", "t.double", "t.slow-remote"]);
    const mocked = calls.find((c) => c.job === "t.slow-remote")!;
    expect(mocked.mocked).toBe(true);
    expect(mocked.input).toEqual({ q: "life" });
    expect(calls.filter((c) => !c.mocked).every((c) => c.outcome?.state === "completed")).toBe(true);
  });

  it("a mock's output is validated against the job's schema, failing the run clearly", async () => {
    const bad = mockJob(slowRemote, () => ({ answer: "many" }) as unknown as { answer: number });
    const { result } = await runFlow(pipeline, { items: [1], q: "x" }, { mocks: [bad] });
    expect(result.state).toBe("failed");
    expect(result.failures[0]?.job).toBe("t.slow-remote");
    expect(result.failures[0]?.error.code).toBe("OUTPUT_INVALID");
  });

  it("without a mock the real job runs (and its failure is reported)", async () => {
    const { result } = await runFlow(pipeline, { items: [], q: "x" });
    expect(result.state).toBe("failed");
    expect(result.failures[0]?.error.message).toContain("would call a real service");
  });

  it("createTestRuntime works with a real SQLite store and keeps the runtime open for several runs", async () => {
    const t = createTestRuntime({ store: "sqlite" });
    try {
      const a = await t.runtime.run(double, { x: 4 });
      const b = await t.runtime.run(double, { x: 5 });
      expect([a.output, b.output]).toEqual([{ y: 8 }, { y: 10 }]);
      expect(t.calls).toHaveLength(2);
      expect((await t.runtime.store.getRun(a.runId))?.state).toBe("completed");
    } finally {
      await t.close();
    }
  });
});
