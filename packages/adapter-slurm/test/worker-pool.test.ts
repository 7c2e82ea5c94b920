import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WorkerPool } from "../src/pilot/worker-pool.js";

const SCRIPT = fileURLToPath(new URL("./fixtures/pool-worker.mjs", import.meta.url));

function pool(initial: number, max: number, spawnAfterMs: number) {
  const done: string[] = [];
  const exits: { taskId: string | undefined; code: number | null }[] = [];
  let notify = () => {};
  const p = new WorkerPool({
    script: SCRIPT,
    execArgv: [],
    env: process.env,
    initial,
    max,
    maxStarting: 2,
    spawnAfterMs,
    onDone: (id) => {
      done.push(id);
      notify();
    },
    onExit: (taskId, code) => {
      exits.push({ taskId, code });
      notify();
    },
  });
  const run = (taskId: string, spec: Record<string, unknown>) => p.submit(taskId, (w) => w.child.send({ type: "run", spec: { taskId, ...spec } }));
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve) => {
      const tick = setInterval(() => p.tick(), 10);
      notify = () => {
        if (pred()) {
          clearInterval(tick);
          resolve();
        }
      };
      notify();
    });
  return { p, run, until, done, exits };
}

describe("pilot worker pool", () => {
  it("runs many short tasks on the workers it started with (no growth)", async () => {
    const { p, run, until, done } = pool(1, 8, 10_000);
    for (let i = 0; i < 50; i++) run(`t${i}`, {});
    await until(() => done.length === 50);
    expect(done).toEqual(Array.from({ length: 50 }, (_, i) => `t${i}`));
    expect(p.started).toBe(1);
    p.close();
  });

  it("adds workers, up to the slot count, while every worker is busy with long tasks", async () => {
    const { p, run, until, done } = pool(1, 3, 20);
    for (let i = 0; i < 6; i++) run(`long${i}`, { ms: 400 });
    await until(() => done.length === 6);
    expect(p.started).toBe(3);
    p.close();
  });

  it("reports the task of a worker that exits and starts a replacement for waiting work", async () => {
    const { p, run, until, done, exits } = pool(1, 1, 10);
    run("dies", { exit: true });
    run("after", {});
    await until(() => done.includes("after"));
    expect(exits).toEqual([{ taskId: "dies", code: 3 }]);
    expect(p.started).toBe(2);
    p.close();
  });

  it("takes back a task no worker has started", async () => {
    const { p, run, until, done } = pool(1, 1, 10_000);
    run("first", { ms: 200 });
    run("second", {});
    expect(p.withdraw("second")).toBe(true);
    expect(p.withdraw("second")).toBe(false);
    await until(() => done.includes("first"));
    expect(p.waiting).toBe(0);
    p.close();
  });
});
