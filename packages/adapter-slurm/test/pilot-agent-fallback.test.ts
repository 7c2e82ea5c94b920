import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Heartbeat } from "../src/pilot/layout.js";
import { SlurmPilotExecutor } from "../src/pilot/pilot-executor.js";
import { context, scratch, task, testbedAvailable } from "./helpers.js";

const enabled = testbedAvailable();
const NODE_JOBS = fileURLToPath(new URL("./fixtures/node-jobs.ts", import.meta.url));

describe.runIf(enabled)("pilot whose node agents cannot start", () => {
  const root = scratch("lw pilot fallback");
  const pilotRoot = join(root, "pilot-root", "fallback", "pilot");
  const ctx = context(root);
  // The block inherits this environment (sbatch exports it): the leader's "srun" exits at once, as
  // on a cluster that refuses the agents' steps.
  const saved = process.env.LW_PILOT_SRUN;
  process.env.LW_PILOT_SRUN = "false";
  const ex = new SlurmPilotExecutor(
    { pollMs: 300, remote: { workRoot: join(root, "pilot-root") }, pilot: { nodesPerBlock: 2, coresPerNode: 2, maxBlocks: 1, walltimeSeconds: 600, idleTimeoutSeconds: 60, drainSeconds: 30, heartbeatSeconds: 1, heartbeatTimeoutSeconds: 10 } },
    "fallback",
  );
  beforeAll(() => ex.start(ctx));
  afterAll(async () => {
    await ex.dispose();
    if (saved === undefined) delete process.env.LW_PILOT_SRUN;
    else process.env.LW_PILOT_SRUN = saved;
  });

  it("places the tasks sent to a node whose agent never started again, on the nodes that work (nothing lost)", async () => {
    const subs = await Promise.all(Array.from({ length: 8 }, () => ex.submit(task("slurmtest.where", { seconds: 0.5 }, root, { module: NODE_JOBS }), new AbortController().signal)));
    const outs = (await Promise.all(subs.map((s) => s.outcome))) as { state: string; output: { node: string; placedOn: string } }[];
    for (const o of outs) {
      expect(o.state).toBe("completed");
      expect(o.output.node).toBe(o.output.placedOn);
    }
    expect(new Set(outs.map((o) => o.output.node)).size).toBe(1);
    const b = ex.blocks().find((x) => x.state === "running")!;
    const hb = JSON.parse(readFileSync(join(pilotRoot, "blocks", b.id, "heartbeat.json"), "utf8")) as Heartbeat;
    expect(hb.hosts).toHaveLength(1);
    expect(hb.agents).toEqual([expect.objectContaining({ alive: false, ready: false })]);
    expect(readFileSync(join(pilotRoot, "logs", `${b.id}.err`), "utf8")).toMatch(/agent on node\d did not start/);
  });
});
