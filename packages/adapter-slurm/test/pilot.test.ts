import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Heartbeat } from "../src/pilot/layout.js";
import { SlurmPilotExecutor } from "../src/pilot/pilot-executor.js";
import { context, scratch, task, testbedAvailable, waitFor } from "./helpers.js";

const enabled = testbedAvailable();

describe.runIf(enabled)("pilot executor on the testbed (local transport)", () => {
  const root = scratch("lw pilot");
  const pilotRoot = join(root, "pilot-root", "pilot", "pilot");
  const ctx = context(root);
  const ex = new SlurmPilotExecutor(
    { pollMs: 500, remote: { workRoot: join(root, "pilot-root") }, pilot: { nodesPerBlock: 2, maxBlocks: 1, walltimeSeconds: 600, idleTimeoutSeconds: 60, drainSeconds: 30, heartbeatSeconds: 1, heartbeatTimeoutSeconds: 8 } },
    "pilot",
  );
  beforeAll(() => ex.start(ctx));
  afterAll(() => ex.dispose());

  it("packs many tasks into one block, with pilot placements", async () => {
    const tasks = Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? task("slurmtest.boom", { message: `no ${i}` }, root) : task("slurmtest.add", { a: i, b: 1 }, root)));
    const subs = await Promise.all(tasks.map((t) => ex.submit(t, new AbortController().signal)));
    const outs = await Promise.all(subs.map((s) => s.outcome));
    outs.forEach((o, i) => {
      if (i % 10 === 9) expect(o).toMatchObject({ state: "failed", error: { message: expect.stringContaining(`no ${i}`) } });
      else expect(o).toMatchObject({ state: "completed", output: { sum: i + 1 } });
    });
    expect(ex.blocksSubmitted).toBe(1);
    // done/ files go once the outcomes were handed over (after a short retention).
    const ids = new Set(tasks.map((t) => `${t.taskId}.json`));
    await waitFor(() => !readdirSync(join(pilotRoot, "done")).some((n) => ids.has(n)), 20_000, "done/ files of settled tasks deleted");
    const e = await ex.submit(task("slurmtest.echo", { value: 1 }, root), new AbortController().signal);
    const eo = (await e.outcome) as { state: string; output: { placement: { source: string; hosts: { host: string; slots: number }[] } } };
    expect(eo.state).toBe("completed");
    expect(eo.output.placement.source).toBe("pilot");
    expect(eo.output.placement.hosts[0]!.host).toMatch(/^node[1-4]$/);
  });

  it("gives multi-node tasks whole-node subsets", async () => {
    const s = await ex.submit(task("slurmtest.echo", { value: "mpi" }, root, { resources: { nodes: 2, ranksPerNode: 2, ranks: 4 } }), new AbortController().signal);
    const o = (await s.outcome) as { state: string; output: { placement: { hosts: { host: string; slots: number }[] } } };
    expect(o.state).toBe("completed");
    expect(o.output.placement.hosts).toHaveLength(2);
    expect(new Set(o.output.placement.hosts.map((h) => h.host)).size).toBe(2);
    expect(o.output.placement.hosts.every((h) => h.slots === 2)).toBe(true);
  });

  it("fails (not retryable) a queued spec the pilot cannot read, instead of leaving it claimed", async () => {
    const t = task("slurmtest.add", { a: 1, b: 1 }, root);
    const s = await ex.attach(`pilot:${t.taskId}`, t, new AbortController().signal);
    // A spec without a module (as a broken or foreign writer could leave it), written atomically.
    const q = join(pilotRoot, "queue", `${t.taskId}.json`);
    writeFileSync(`${q}.tmp`, JSON.stringify({ taskId: t.taskId, outcomePath: join(pilotRoot, "done", `${t.taskId}.json`) }));
    renameSync(`${q}.tmp`, q);
    expect(await s.outcome).toMatchObject({ state: "failed", error: { code: "EXECUTOR_ERROR", retryable: false, message: expect.stringContaining("module must be a non-empty string") } });
  });

  it("cancels a task running inside a pilot", async () => {
    const t = task("slurmtest.sleepy", { seconds: 120 }, root);
    const ac = new AbortController();
    const s = await ex.submit(t, ac.signal);
    await waitFor(() => ctx.events.list.some((e) => e.type === "task.running" && e.taskId === t.taskId), 60_000, "task running in pilot");
    ac.abort();
    expect((await s.outcome).state).toBe("cancelled");
  });

  it("turns the tasks of a killed pilot into lost, then a retry runs in a new block", async () => {
    const t = task("slurmtest.sleepy", { seconds: 120 }, root);
    const s = await ex.submit(t, new AbortController().signal);
    await waitFor(() => ctx.events.list.some((e) => e.type === "task.running" && e.taskId === t.taskId), 60_000, "task running in pilot");
    const block = ex.blocks().find((b) => b.state === "running")!;
    const hb = JSON.parse(readFileSync(join(pilotRoot, "blocks", block.id, "heartbeat.json"), "utf8")) as Heartbeat;
    process.kill(hb.pid, "SIGKILL");
    const o = await s.outcome;
    expect(o).toMatchObject({ state: "lost", error: { code: "LOST", retryable: true } });
    // The dead block's directory is removed; its SLURM log stays under logs/.
    await waitFor(() => !existsSync(join(pilotRoot, "blocks", block.id)), 10_000, "dead block's directory removed");
    expect(readFileSync(join(pilotRoot, "logs", `${block.id}.err`), "utf8")).toContain(`[pilot ${block.id}]`);
    const retry = await ex.submit(task("slurmtest.add", { a: 2, b: 2 }, root, { taskId: `${t.taskId}-2`, attempt: 2 }), new AbortController().signal);
    expect(await retry.outcome).toMatchObject({ state: "completed", output: { sum: 4 } });
    expect(ex.blocksSubmitted).toBe(2);
  });
});
