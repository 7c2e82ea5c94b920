import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskOutcome } from "@latticework/core";
import type { Heartbeat } from "../src/pilot/layout.js";
import { SlurmPilotExecutor } from "../src/pilot/pilot-executor.js";
import { context, scratch, task, testbedAvailable, waitFor } from "./helpers.js";

const enabled = testbedAvailable();
const NODE_JOBS = fileURLToPath(new URL("./fixtures/node-jobs.ts", import.meta.url));
type Where = { node: string; placedOn: string; pid: number };

describe.runIf(enabled)("pilot blocks run each task on the node it was placed on (per-node agents)", () => {
  const root = scratch("lw pilot nodes");
  const pilotRoot = join(root, "pilot-root", "nodes", "pilot");
  const ctx = context(root);
  const ex = new SlurmPilotExecutor(
    { pollMs: 300, remote: { workRoot: join(root, "pilot-root") }, pilot: { nodesPerBlock: 2, coresPerNode: 2, maxBlocks: 1, walltimeSeconds: 600, idleTimeoutSeconds: 60, drainSeconds: 30, heartbeatSeconds: 1, heartbeatTimeoutSeconds: 10 } },
    "nodes",
  );
  const where = (seconds: number, extra: { marker?: string; taskId?: string; attempt?: number } = {}) =>
    task("slurmtest.where", { seconds, ...(extra.marker ? { marker: extra.marker } : {}) }, root, { module: NODE_JOBS, ...(extra.taskId ? { taskId: extra.taskId } : {}), ...(extra.attempt ? { attempt: extra.attempt } : {}) });
  const heartbeat = (): Heartbeat => {
    const b = ex.blocks().find((x) => x.state === "running")!;
    return JSON.parse(readFileSync(join(pilotRoot, "blocks", b.id, "heartbeat.json"), "utf8")) as Heartbeat;
  };
  beforeAll(() => ex.start(ctx));
  afterAll(() => ex.dispose());

  it("runs every task on its placement host and uses more than one node", async () => {
    // 10 tasks of 1.5 s on 4 slots (2 nodes x 2): both nodes fill up.
    const tasks = Array.from({ length: 10 }, () => where(1.5));
    const subs = await Promise.all(tasks.map((t) => ex.submit(t, new AbortController().signal)));
    const outs = (await Promise.all(subs.map((s) => s.outcome))) as TaskOutcome[];
    const rows = outs.map((o) => {
      expect(o.state).toBe("completed");
      return (o as { output: Where }).output;
    });
    for (const r of rows) {
      expect(r.node).toMatch(/^node[1-4]$/);
      expect(r.node).toBe(r.placedOn);
    }
    expect(new Set(rows.map((r) => r.node)).size).toBe(2);
    // One agent, for the node that is not the leader's, alive and ready.
    const hb = heartbeat();
    expect(hb.agents).toHaveLength(1);
    expect(hb.agents![0]).toMatchObject({ alive: true, ready: true });
    expect(hb.hosts.map((h) => h.host)).toContain(hb.agents![0]!.host);
    expect(ex.blocksSubmitted).toBe(1);
  });

  it("cancels a task running in a node agent", async () => {
    // Fill the leader's node first so one sleeper lands on the agent's node.
    const hb = heartbeat();
    const agentHost = hb.agents![0]!.host;
    const ts = Array.from({ length: 4 }, (_, i) => where(120, { marker: join(root, `cancel-${i}`) }));
    const acs = ts.map(() => new AbortController());
    const subs = await Promise.all(ts.map((t, i) => ex.submit(t, acs[i]!.signal)));
    await waitFor(() => ts.every((_, i) => existsSync(join(root, `cancel-${i}`))), 60_000, "all four sleepers started");
    const onAgent = ts.findIndex((_, i) => readFileSync(join(root, `cancel-${i}`), "utf8") === agentHost);
    expect(onAgent).toBeGreaterThanOrEqual(0);
    acs.forEach((ac) => ac.abort());
    const outs = await Promise.all(subs.map((s) => s.outcome));
    expect(outs.map((o) => o.state)).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);
  });

  it("a killed agent's tasks become lost, its node leaves placement, and retries complete elsewhere", async () => {
    const hb = heartbeat();
    const agent = hb.agents![0]!;
    const ts = Array.from({ length: 4 }, (_, i) => where(8, { marker: join(root, `kill-${i}`) }));
    const subs = await Promise.all(ts.map((t) => ex.submit(t, new AbortController().signal)));
    await waitFor(() => ts.every((_, i) => existsSync(join(root, `kill-${i}`))), 60_000, "all four tasks started");
    const nodes = ts.map((_, i) => readFileSync(join(root, `kill-${i}`), "utf8"));
    expect(nodes.filter((n) => n === agent.host)).toHaveLength(2);
    process.kill(agent.pid!, "SIGKILL");
    const outs = await Promise.all(subs.map((s) => s.outcome));
    outs.forEach((o, i) => {
      if (nodes[i] === agent.host) expect(o).toMatchObject({ state: "lost", error: { code: "LOST", retryable: true, message: expect.stringContaining(agent.host) } });
      else expect(o).toMatchObject({ state: "completed", output: { node: nodes[i] } });
    });
    await waitFor(() => heartbeat().agents?.[0]?.alive === false && !heartbeat().hosts.some((h) => h.host === agent.host), 10_000, "dead agent's node removed from placement");
    // Retries (attempt 2) run on the remaining node, in the same block.
    const lost = ts.filter((_, i) => nodes[i] === agent.host);
    const retries = await Promise.all(lost.map((t) => ex.submit(where(0.2, { taskId: `${t.taskId}-2`, attempt: 2 }), new AbortController().signal)));
    for (const r of retries) {
      const o = (await r.outcome) as { state: string; output: Where };
      expect(o.state).toBe("completed");
      expect(o.output.node).not.toBe(agent.host);
      expect(o.output.node).toBe(o.output.placedOn);
    }
    expect(ex.blocksSubmitted).toBe(1);
  });
});
