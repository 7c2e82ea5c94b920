/**
 * adapter-mpi under adapter-slurm's real executors on the testbed: a per-job allocation (placement
 * from SLURM_JOB_NODELIST) and a 4-node pilot running two 2-node MPI tasks at once, each on its own
 * nodes (placement handed over in TaskSpec.placement). adapter-slurm is loaded dynamically: the two
 * adapters compose only through core's contracts (placement + launcher), never by import.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { noopLogger, TaskSpecSchema, type Executor, type ExecutorContext, type TaskSpec } from "@latticework/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMpiPrograms } from "./fixtures/mpi-programs.js";
import { runMpiTests, runSlurmTests } from "./testbed.js";

const JOBS = fileURLToPath(new URL("./fixtures/mpi-jobs.ts", import.meta.url));
let n = 0;

function spec(root: string, program: string, resources: TaskSpec["resources"]): TaskSpec {
  const taskId = `mpi-${process.pid}-${++n}`;
  return TaskSpecSchema.parse({
    v: 1, taskId, runId: "mpi-slurm", callKey: taskId, job: "test.mpi-hello", module: JOBS, input: { program, ranks: 4 },
    workdir: join(root, taskId), attempt: 1, resources, plugins: ["@latticework/adapter-mpi"],
    env: { OMPI_MCA_btl: "tcp,self", OMPI_MCA_btl_tcp_if_include: "lo", OMPI_MCA_oob_tcp_if_include: "lo", OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" },
  });
}

const ctxFor = (stateDir: string): ExecutorContext => ({ logger: noopLogger, stateDir, events: { emit: () => undefined } } as unknown as ExecutorContext);
type Out = { lines: string[]; placement: { source: string; hosts: { host: string; slots: number }[] } };

function nodesOf(lines: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) {
    const node = / node (\S+)/.exec(l)![1]!;
    m.set(node, (m.get(node) ?? 0) + 1);
  }
  return m;
}

describe.skipIf(!runSlurmTests || !runMpiTests)("MPI tasks under adapter-slurm's executors (testbed)", () => {
  const root = mkdtempSync(join(tmpdir(), "lw-mpi-slurm-"));
  let hello = "";
  let slurmMod: typeof import("@latticework/adapter-slurm");
  beforeAll(async () => {
    hello = buildMpiPrograms(join(root, "bin")).hello;
    slurmMod = await import("@latticework/adapter-slurm");
  });

  it("per-job allocation: 4 ranks over 2 nodes from the allocation's nodelist", { timeout: 240_000 }, async () => {
    const ex: Executor = new slurmMod.SlurmExecutor({ pollMs: 500 }, "mpi-perjob");
    await ex.start(ctxFor(join(root, "state-perjob")));
    try {
      const sub = await ex.submit(spec(root, hello, { nodes: 2, ranksPerNode: 2, ranks: 4 }), new AbortController().signal);
      const o = await sub.outcome;
      expect(o.state, JSON.stringify(o).slice(0, 1500)).toBe("completed");
      const out = (o as { output: Out }).output;
      expect(out.lines.every((l) => / size 4 sum 6 /.test(l))).toBe(true);
      expect([...nodesOf(out.lines).values()]).toEqual([2, 2]);
    } finally {
      await ex.dispose();
    }
  });

  it("pilot of 4 nodes: two 2-node MPI tasks at once, each on its own nodes", { timeout: 300_000 }, async () => {
    const ex: Executor = new slurmMod.SlurmPilotExecutor(
      { pollMs: 500, pilot: { nodesPerBlock: 4, maxBlocks: 1, walltimeSeconds: 900, idleTimeoutSeconds: 30, drainSeconds: 30, heartbeatSeconds: 1, heartbeatTimeoutSeconds: 30 } },
      "mpi-pilot",
    );
    await ex.start(ctxFor(join(root, "state-pilot")));
    try {
      const subs = await Promise.all([0, 1].map(() => ex.submit(spec(root, hello, { nodes: 2, ranksPerNode: 2, ranks: 4 }), new AbortController().signal)));
      const outs = await Promise.all(subs.map((s) => s.outcome));
      for (const o of outs) expect(o.state, JSON.stringify(o).slice(0, 1500)).toBe("completed");
      const [a, b] = outs.map((o) => (o as { output: Out }).output);
      for (const x of [a!, b!]) {
        expect(x.placement.source).toBe("pilot");
        expect(x.placement.hosts).toHaveLength(2);
        expect(x.lines.every((l) => / size 4 sum 6 /.test(l))).toBe(true);
        // the ranks ran exactly on the nodes the pilot handed this task, 2 per node
        const used = nodesOf(x.lines);
        expect([...used.keys()].sort()).toEqual(x.placement.hosts.map((h) => h.host).sort());
        expect([...used.values()]).toEqual([2, 2]);
      }
      const hostsA = new Set(a!.placement.hosts.map((h) => h.host));
      expect(b!.placement.hosts.some((h) => hostsA.has(h.host))).toBe(false);
    } finally {
      await ex.dispose();
    }
  });
});
