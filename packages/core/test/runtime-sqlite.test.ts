import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { statSync } from "node:fs";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { SqliteRunStore } from "../src/store/sqlite-store.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { TOKENS } from "../src/tokens.js";
import { isolation, parent, piped, echo } from "./fixtures/runtime-demo.js";
import { tempDir } from "./runtime-helpers.js";
import type { Runtime } from "../src/runtime-types.js";

let rts: Runtime[] = [];
afterEach(async () => {
  await Promise.all(rts.map((r) => r.close()));
  rts = [];
});

describe("runtime on the default SQLite store", () => {
  it("`store: { dir }` creates the SQLite store there (0700) and everything survives a reopen", async () => {
    const dir = join(tempDir("lw-sq-"), ".latticework");
    const rt = createRuntime({ store: { dir }, executors: { local: inProcessExecutor() } });
    rts.push(rt);
    expect(rt.container.resolve(TOKENS.RunStore)).toBe(rt.store);
    const res = await rt.run(piped, { x: 1 });
    expect(res.output).toEqual({ second: 102, n: 2 });
    const failed = await rt.run(isolation, { log: join(dir, "..", "log") });
    expect(failed.state).toBe("failed");
    const sub = await rt.run(parent, { x: 1 });
    expect(sub.state).toBe("completed");
    const big = await rt.run(echo, { data: Array.from({ length: 40_000 }, (_, i) => i / 7) });
    expect(big.output).toMatchObject({ n: 40_000 });
    await rt.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const store = new SqliteRunStore({ dir });
    await store.open();
    try {
      expect((await store.getRun(res.runId))?.state).toBe("completed");
      expect(await store.listEdges(res.runId)).toHaveLength(3);
      const f = await store.getRun(failed.runId);
      expect(f?.state).toBe("failed");
      expect(f?.error?.code).toBe("FLOW_FAILED");
      const calls = await store.listCalls(failed.runId);
      expect(calls.map((c) => [c.name, c.state]).sort()).toEqual([["t.add", "failed"], ["t.boom", "failed"], ["t.mark", "completed"]]);
      expect(await store.listChildRuns(sub.runId)).toHaveLength(2);
      const runs = await store.listRuns();
      expect(runs.map((r) => r.runId).sort()).toEqual([res.runId, failed.runId, sub.runId, big.runId].sort());
      const attempts = await store.listAttempts(failed.runId);
      const boom = attempts.find((a) => a.job === "t.boom");
      expect(boom?.workdir).toContain(join(dir, "work", failed.runId));
      expect(boom?.error?.code).toBe("JOB_FAILED");
    } finally {
      await store.close();
    }
  });

  it("two runtimes in one process share one store without interfering", async () => {
    const dir = join(tempDir("lw-sq2-"), ".latticework");
    const a = createRuntime({ store: new SqliteRunStore({ dir }), executors: { local: inProcessExecutor() } });
    const b = createRuntime({ store: new SqliteRunStore({ dir }), executors: { local: inProcessExecutor() } });
    rts.push(a, b);
    const results = await Promise.all([a.run(parent, { x: 1 }), b.run(parent, { x: 2 }), a.run(piped, { x: 3 }), b.run(piped, { x: 4 })]);
    expect(results.map((r) => r.state)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(await a.store.listRuns()).toHaveLength(4);
  });
});
