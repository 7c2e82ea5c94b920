import { describe, expect, it } from "vitest";
import type { TaskSpec } from "@latticework/core";
import { compactRun, expandRun, type ParentMessage } from "../src/protocol.js";

const env = Object.freeze({ LATTICEWORK_ARTIFACT_DIR: "/store/artifacts" });
const resources = {};
function spec(i: number, over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    v: 1, taskId: `k${i}-1`, runId: "r1", callKey: `k${i}`, job: "demo.noop", module: "/m/jobs.js", input: { i }, resources,
    workdir: `/work/r1/noop-k${i}/a1`, env, attempt: 1, deadline: null, timeoutMs: null, tags: [], plugins: [], ...over,
  } as TaskSpec;
}

describe("run messages", () => {
  it("send shared fields once per message and expand to the same specs", () => {
    const tags: string[] = [];
    const specs = [spec(0, { tags }), spec(1, { tags }), spec(2, { tags, env: { OTHER: "1" } }), spec(3, { tags, inputRef: { artifact: "ab", dir: "/a" }, input: undefined })];
    const original = JSON.parse(JSON.stringify(specs)) as TaskSpec[];
    const m: Extract<ParentMessage, { t: "run" }> = { t: "run", lane: 1, specs: [...specs] };
    compactRun(m);
    expect(m.base).toMatchObject({ v: 1, runId: "r1", job: "demo.noop", module: "/m/jobs.js" });
    expect(m.specs[1]).not.toHaveProperty("module");
    expect(m.specs[2]).toHaveProperty("module"); // different env: sent whole
    const wire = JSON.parse(JSON.stringify(m)) as typeof m;
    expect(JSON.stringify(m).length).toBeLessThan(JSON.stringify(original).length);
    expect(expandRun(wire)).toEqual(original);
  });

  it("a message without base is taken as is", () => {
    const s = [spec(0)];
    expect(expandRun({ t: "run", lane: 2, specs: s })).toBe(s);
  });
});
