import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SlurmExecutor } from "../src/slurm-executor.js";
import { context, scratch, task, testbedAvailable, waitFor } from "./helpers.js";

const enabled = testbedAvailable();

describe.runIf(enabled)("fault: a node set DOWN under a running job", () => {
  it("ends the task `lost` (NODE_FAIL, retryable) instead of hanging", async () => {
    const root = scratch("lw nodefail");
    const ctx = context(root);
    // --no-requeue: otherwise SLURM requeues the batch job and reruns it elsewhere (also fine, but not this case).
    const ex = new SlurmExecutor({ pollMs: 500, maxPollMs: 1000, extraDirectives: ["--no-requeue"] }, "nodefail");
    await ex.start(ctx);
    const t = task("slurmtest.sleepy", { seconds: 120 }, root);
    const sub = await ex.submit(t, new AbortController().signal);
    await waitFor(() => ctx.events.list.some((e) => e.type === "task.running" && e.taskId === t.taskId), 60_000, "job running");
    const ev = ctx.events.list.find((e) => e.type === "task.running" && e.taskId === t.taskId) as { host?: string };
    const node = ev.host!;
    try {
      execFileSync("scontrol", ["update", `nodename=${node}`, "state=down", "reason=latticework-test"]);
      const o = await sub.outcome;
      expect(o).toMatchObject({ state: "lost", error: { schedulerState: "NODE_FAIL", retryable: true } });
    } finally {
      try {
        execFileSync("scontrol", ["update", `nodename=${node}`, "state=resume"], { stdio: "ignore" });
      } catch {
        /* ReturnToService may already have brought it back */
      }
      await ex.dispose();
    }
  }, 120_000);
});
