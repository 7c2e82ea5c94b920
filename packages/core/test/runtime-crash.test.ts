import { afterEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { SqliteRunStore } from "../src/store/sqlite-store.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { chain } from "./fixtures/runtime-demo.js";
import { lines, tempDir } from "./runtime-helpers.js";
import type { Runtime } from "../src/runtime-types.js";

const here = dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];
let rt: Runtime | undefined;
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.length = 0;
  await rt?.close();
  rt = undefined;
});

function startChild(storeDir: string, log: string, runId: string, n: number, ms: number): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "fixtures", "runtime-crash-child.ts"), storeDir, log, runId, String(n), String(ms)], {
    cwd: join(here, ".."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

describe("crash and resume (real processes, real SQLite)", () => {
  it("SIGKILL of the orchestrator mid-flow, then resume: every job's side effect happens exactly once", async () => {
    const dir = tempDir("lw-crash-");
    const storeDir = join(dir, ".latticework");
    const log = join(dir, "side-effects.log");
    const runId = "crash-run-1";
    const child = startChild(storeDir, log, runId, 5, 300);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const deadline = Date.now() + 60_000;
    // Kill once two jobs are recorded as completed (read through a second connection, as the CLI
    // would) while the third is running: "completed jobs are not run again" is what is tested. A job
    // killed between its side effect and its commit would legitimately run again (at-least-once).
    const store = new SqliteRunStore({ dir: storeDir });
    for (;;) {
      if (child.exitCode !== null) throw new Error(`child exited early (${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`child made no progress: ${stderr}`);
      if (lines(log).length >= 2) {
        await store.open();
        const calls = await store.listCalls(runId);
        if (calls.filter((c) => c.state === "completed").length >= 2) break;
      }
      await sleep(10);
    }
    child.kill("SIGKILL");
    await exited;
    // What was committed as completed when the orchestrator died (on a loaded machine the next job may
    // already have written its side effect: that one was in flight and may legitimately run again).
    const completedAtKill = (await store.listCalls(runId)).filter((c) => c.state === "completed").map((c) => (c.input as { id: string }).id);
    expect(completedAtKill.length).toBeGreaterThanOrEqual(2);
    expect(completedAtKill.length).toBeLessThan(5);
    for (const id of completedAtKill) expect(lines(log)).toContain(id);

    rt = createRuntime({ store, executors: { local: inProcessExecutor() } });
    const before = await store.getRun(runId);
    expect(before?.state).toBe("running");
    expect(before?.ownerPid).toBe(child.pid);
    expect(before?.target?.exportPath).toBe("chain");
    // `latticework cancel` on a run whose orchestrator died records the end at once
    await rt.cancel(runId);
    expect((await store.getRun(runId))?.state).toBe("cancelled");

    const res = await rt.resume(runId);
    expect(res.state).toBe("completed");
    expect(res.output).toEqual({ last: "step4" });
    const after = lines(log);
    // completed jobs are never run again; every job ran; only the one in flight at the kill may repeat
    for (const id of completedAtKill) expect(after.filter((l) => l === id)).toHaveLength(1);
    expect(new Set(after)).toEqual(new Set(["step0", "step1", "step2", "step3", "step4"]));
    expect(after.length).toBeLessThanOrEqual(6);
    const calls = await store.listCalls(runId);
    expect(calls.map((c) => c.state)).toEqual(Array(5).fill("completed"));
    // the interrupted call keeps the attempt the dead process started; the re-run is a new attempt
    const attempts = await store.listAttempts(runId);
    expect(attempts.filter((a) => a.state === "completed")).toHaveLength(5);
    expect(attempts.length).toBeGreaterThanOrEqual(5);

    // cancelling a finished run changes nothing
    await rt.cancel(runId);
    expect((await store.getRun(runId))?.state).toBe("completed");
    // a second resume runs nothing
    const again = await rt.resume(runId);
    expect(again.state).toBe("completed");
    expect(lines(log)).toEqual(after);
  });

  it("cancel from another process: the owning process polls the store flag and stops", async () => {
    const dir = tempDir("lw-xcancel-");
    const storeDir = join(dir, ".latticework");
    const log = join(dir, "side-effects.log");
    const runId = "xcancel-run-1";
    const child = startChild(storeDir, log, runId, 50, 200);
    let stdout = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    while (lines(log).length < 1) await sleep(10);
    const store = new SqliteRunStore({ dir: storeDir });
    rt = createRuntime({ store, executors: { local: inProcessExecutor() } });
    await rt.cancel(runId);
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ state: "cancelled" });
    expect((await store.getRun(runId))?.state).toBe("cancelled");
    expect(lines(log).length).toBeLessThan(10);
  });
});
