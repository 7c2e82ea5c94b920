// The RunStore contract, run against every store implementation in core.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AttemptRecord, CallRecord, RunRecord, RunStore } from "../src/store/run-store.js";
import { SqliteRunStore } from "../src/store/sqlite-store.js";

const root = mkdtempSync(join(tmpdir(), "lw-store-contract-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const factories: [string, () => Promise<RunStore>][] = [["SqliteRunStore", async () => new SqliteRunStore({ dir: join(root, `s${++n}`) })]];
const memoryPath = fileURLToPath(new URL("../src/store/memory-store.ts", import.meta.url));
if (existsSync(memoryPath)) {
  factories.push([
    "MemoryRunStore",
    async () => {
      const { MemoryRunStore } = (await import("../src/store/memory-store.js")) as { MemoryRunStore: new (o?: { dir?: string }) => RunStore };
      return new MemoryRunStore({ dir: join(root, `m${++n}`) });
    },
  ]);
}

function run(runId: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    name: "emt.relax-static",
    kind: "flow",
    target: { module: "/home/me/flows.ts", exportPath: "relaxThenStatic" },
    input: { atoms: { symbols: ["Cu"], positions: [[0, 0, 0]] } },
    state: "running",
    parentRunId: null,
    parentCallKey: null,
    executor: "local",
    options: { rules: [] },
    output: undefined,
    error: null,
    createdAt: 1000,
    startedAt: 1001,
    endedAt: null,
    cancelRequested: false,
    ownerPid: 4242,
    ownerHost: "login01",
    ...extra,
  };
}

function call(runId: string, callKey: string, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    runId,
    callKey,
    callPath: `relax[${callKey}]`,
    kind: "job",
    name: "emt.relax",
    inputHash: `h-${callKey}`,
    input: { fmax: 0.01 },
    state: "pending",
    executor: "local",
    attempts: 0,
    output: undefined,
    error: null,
    childRunId: null,
    createdAt: 2000,
    endedAt: null,
    ...extra,
  };
}

function attempt(runId: string, callKey: string, taskId: string, no: number, extra: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    taskId,
    runId,
    callKey,
    attempt: no,
    job: "emt.relax",
    executor: "slurm",
    state: "submitted",
    nativeId: null,
    workdir: `/scratch/${taskId}`,
    stdoutPath: null,
    stderrPath: null,
    note: null,
    error: null,
    submittedAt: 3000,
    startedAt: null,
    endedAt: null,
    ...extra,
  };
}

for (const [name, make] of factories) {
  describe(`RunStore contract: ${name}`, () => {
    let store: RunStore;
    beforeEach(async () => {
      store = await make();
      await store.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it("creates, reads and patches runs (reads see earlier writes without flush)", async () => {
      const r = run("r1");
      store.createRun(r);
      expect(await store.getRun("r1")).toEqual(r);
      store.updateRun("r1", { state: "completed", output: { energy: -0.0057 }, endedAt: 5000 });
      expect(await store.getRun("r1")).toEqual({ ...r, state: "completed", output: { energy: -0.0057 }, endedAt: 5000 });
      expect(await store.getRun("nope")).toBeUndefined();
    });

    it("returns copies: mutating a record read from the store does not change the store", async () => {
      store.createRun(run("r-copy"));
      const got = await store.getRun("r-copy");
      (got!.options as Record<string, unknown>).x = 1;
      (got!.input as { atoms: { symbols: string[] } }).atoms.symbols.push("Au");
      const again = await store.getRun("r-copy");
      expect(again?.options).toEqual({ rules: [] });
      expect((again?.input as { atoms: { symbols: string[] } }).atoms.symbols).toEqual(["Cu"]);
    });

    it("lists top-level runs newest first, filters by state, honours limit; lists child runs", async () => {
      store.createRun(run("a", { createdAt: 1, state: "completed" }));
      store.createRun(run("b", { createdAt: 3, state: "failed" }));
      store.createRun(run("c", { createdAt: 2, state: "completed" }));
      store.createRun(run("a.sub1", { createdAt: 4, parentRunId: "a", parentCallKey: "k1" }));
      store.createRun(run("a.sub2", { createdAt: 5, parentRunId: "a", parentCallKey: "k2" }));
      expect((await store.listRuns()).map((r) => r.runId)).toEqual(["b", "c", "a"]);
      expect((await store.listRuns({ state: "completed" })).map((r) => r.runId)).toEqual(["c", "a"]);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.runId)).toEqual(["b"]);
      expect((await store.listRuns({ topLevel: false })).map((r) => r.runId)).toEqual(["a.sub2", "a.sub1", "b", "c", "a"]);
      expect((await store.listChildRuns("a")).map((r) => r.runId).sort()).toEqual(["a.sub1", "a.sub2"]);
      expect(await store.listChildRuns("b")).toEqual([]);
    });

    it("requestCancel sets cancelRequested", async () => {
      store.createRun(run("rc"));
      store.requestCancel("rc");
      expect((await store.getRun("rc"))?.cancelRequested).toBe(true);
    });

    it("upserts and patches calls, lists them in creation order per run", async () => {
      store.createRun(run("r2"));
      store.upsertCall(call("r2", "k1"));
      store.upsertCall(call("r2", "k2", { createdAt: 2001 }));
      store.upsertCall(call("other", "k9"));
      store.updateCall("r2", "k1", { state: "completed", attempts: 1, output: { atoms: [1, 2, 3] }, endedAt: 2500 });
      store.upsertCall(call("r2", "k2", { createdAt: 2001, state: "running", attempts: 1 }));
      expect(await store.getCall("r2", "k1")).toEqual(call("r2", "k1", { state: "completed", attempts: 1, output: { atoms: [1, 2, 3] }, endedAt: 2500 }));
      const calls = await store.listCalls("r2");
      expect(calls.map((c) => [c.callKey, c.state])).toEqual([
        ["k1", "completed"],
        ["k2", "running"],
      ]);
      expect(await store.getCall("r2", "missing")).toBeUndefined();
      expect(await store.listCalls("nobody")).toEqual([]);
    });

    it("keeps every attempt; lists by run and by call in order", async () => {
      store.createAttempt(attempt("r3", "k1", "t1", 1));
      store.createAttempt(attempt("r3", "k2", "t2", 1));
      store.updateAttempt("t1", { state: "failed", error: { code: "JOB_FAILED", message: "SCF did not converge" }, endedAt: 3100, nativeId: "12345" });
      store.createAttempt(attempt("r3", "k1", "t3", 2));
      store.updateAttempt("t3", { state: "completed", endedAt: 3200 });
      const all = await store.listAttempts("r3");
      expect(all.map((a) => a.taskId)).toEqual(["t1", "t2", "t3"]);
      const k1 = await store.listAttempts("r3", "k1");
      expect(k1.map((a) => [a.attempt, a.state])).toEqual([
        [1, "failed"],
        [2, "completed"],
      ]);
      expect(k1[0]).toEqual(attempt("r3", "k1", "t1", 1, { state: "failed", error: { code: "JOB_FAILED", message: "SCF did not converge" }, endedAt: 3100, nativeId: "12345" }));
      expect(await store.listAttempts("r3", "none")).toEqual([]);
    });

    it("records edges with and without a path", async () => {
      store.addEdge({ runId: "r4", fromKey: "a", toKey: "b", path: null });
      store.addEdge({ runId: "r4", fromKey: "a", toKey: "c", path: "atoms" });
      store.addEdge({ runId: "r5", fromKey: "x", toKey: "y", path: null });
      expect(await store.listEdges("r4")).toEqual([
        { runId: "r4", fromKey: "a", toKey: "b", path: null },
        { runId: "r4", fromKey: "a", toKey: "c", path: "atoms" },
      ]);
    });

    it("stores artifacts content-addressed (sha256) under artifactDir", async () => {
      const digest = await store.putArtifact("hello atoms");
      expect(digest).toBe("62238481fab6a465703e2baf78e2bfb06abfd209cb8fb7d2ff1f8698309920ee"); // sha256sum of the same bytes
      expect(await store.putArtifact(new TextEncoder().encode("hello atoms"))).toBe(digest);
      expect(Buffer.from((await store.getArtifact(digest))!).toString()).toBe("hello atoms");
      expect(existsSync(join(store.artifactDir, digest.slice(0, 2), digest.slice(2)))).toBe(true);
      expect(await store.getArtifact("0".repeat(64))).toBeUndefined();
    });

    it("patches of unknown rows are no-ops", async () => {
      store.updateRun("ghost", { state: "failed" });
      store.updateCall("ghost", "k", { state: "failed" });
      store.updateAttempt("ghost", { state: "failed" });
      await store.flush();
      expect(await store.getRun("ghost")).toBeUndefined();
    });
  });
}
