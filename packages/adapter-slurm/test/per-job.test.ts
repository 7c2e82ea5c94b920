import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlurmExecutor } from "../src/slurm-executor.js";
import { context, scratch, task, testbedAvailable, waitFor } from "./helpers.js";

const enabled = testbedAvailable();

describe.runIf(enabled)("per-job sbatch executor on the testbed (local transport)", () => {
  const root = scratch();
  const ctx = context(root);
  const ex = new SlurmExecutor({ pollMs: 500, maxPollMs: 2000, cancelOnDispose: true, environment: { LW_GREETING: "it's $(not) run" } }, "hpc");
  beforeAll(() => ex.start(ctx));
  afterAll(() => ex.dispose());

  it("runs jobs to completion and failure, decided from the outcome file", async () => {
    const ok = task("slurmtest.echo", { value: { a: 1, s: "x y 'z' $(date)" } }, root);
    const bad = task("slurmtest.boom", { message: "kaput" }, root);
    const crashed = task("slurmtest.crash", { code: 7 }, root);
    const subs = await Promise.all([ok, bad, crashed].map((t) => ex.submit(t, new AbortController().signal)));
    expect(new Set(subs.map((s) => s.nativeId)).size).toBe(3);
    const [o1, o2, o3] = await Promise.all(subs.map((s) => s.outcome));
    expect(o1).toMatchObject({ state: "completed", output: { value: { a: 1, s: "x y 'z' $(date)" } } });
    expect((o1 as { output: { node: string } }).output.node).toMatch(/^node[1-4]$/);
    expect(o2).toMatchObject({ state: "failed", error: { code: "JOB_FAILED", message: expect.stringContaining("kaput") } });
    // The worker died before writing an outcome: the exit status recorded by the script is reported.
    expect(o3).toMatchObject({ state: "failed", error: { exitCode: 7 } });
    const script = readFileSync(join(ok.workdir, "job.sbatch"), "utf8");
    expect(script).toContain("#SBATCH --job-name=lw.hpc.");
    expect(script).toContain(`export LW_GREETING='it'\\''s $(not) run'`);
    expect(ctx.events.list.some((e) => e.type === "task.running" && e.taskId === ok.taskId)).toBe(true);
    expect(ex.commands.squeueCalls).toBeGreaterThan(0);
  });

  it("cancels a running job with scancel", async () => {
    const t = task("slurmtest.sleepy", { seconds: 120 }, root);
    const ac = new AbortController();
    const sub = await ex.submit(t, ac.signal);
    await waitFor(() => ctx.events.list.some((e) => e.type === "task.running" && e.taskId === t.taskId), 60_000, "job running");
    ac.abort();
    const o = await sub.outcome;
    expect(o.state).toBe("cancelled");
  });

  it("surfaces sbatch's message for an unknown partition, without retrying forever", async () => {
    const bad = new SlurmExecutor({ partition: "nosuchpart" }, "bad");
    await bad.start(context(root));
    const t0 = Date.now();
    const sub = await bad.submit(task("slurmtest.add", { a: 1, b: 2 }, root), new AbortController().signal);
    const o = await sub.outcome;
    expect(o).toMatchObject({ state: "failed", error: { retryable: false } });
    expect(o.state !== "completed" && o.error.message).toMatch(/invalid partition/i);
    expect(bad.commands.sbatchCalls).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
    await bad.dispose();
  });

  it("re-attaches to a job by id after the orchestrator restarts (nothing resubmitted)", async () => {
    const first = new SlurmExecutor({ cancelOnDispose: false, pollMs: 500 }, "hpc2");
    await first.start(context(root));
    const t = task("slurmtest.sleepy", { seconds: 3 }, root);
    const sub = await first.submit(t, new AbortController().signal);
    await first.dispose(); // the orchestrator goes away; the job keeps running
    const second = new SlurmExecutor({ pollMs: 500 }, "hpc2");
    await second.start(context(root));
    const again = await second.attach(sub.nativeId, t, new AbortController().signal);
    expect(await again.outcome).toMatchObject({ state: "completed", output: { slept: 3 } });
    expect(second.commands.sbatchCalls).toBe(0);
    await second.dispose();
  });

  it("reports SLURM's walltime kill as timed-out (TIMEOUT)", async () => {
    const t = task("slurmtest.sleepy", { seconds: 300 }, root, { resources: { walltimeSeconds: 1 } });
    const sub = await ex.submit(t, new AbortController().signal);
    const o = await sub.outcome;
    expect(o).toMatchObject({ state: "timed-out", error: { schedulerState: "TIMEOUT" } });
  }, 200_000);
});
