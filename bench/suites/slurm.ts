/**
 * SLURM bench on the project's testbed (4 emulated nodes x 2 CPUs), side by side in one invocation:
 *
 * - plain sbatch (the peer): N trivial `sbatch --wrap=true` jobs, submitted then waited for with squeue.
 * - per-job mode: N no-op latticework tasks, one sbatch each (what dask-jobqueue/Covalent users get).
 * - pilot mode, cold: 1,000 no-op tasks packed into one 4-node block (block submission and
 *   start-up included). Target: >= 100x plain sbatch's jobs/s.
 * - pilot mode, warm: 1,000 more on the same block, already running (labelled separately).
 * - dispatch overhead inside a pilot: slot-milliseconds per no-op task in steady state
 *   (slots x wall time from the first to the last outcome / tasks). Target: <= 20 ms.
 * - a 1,000-job flow (runtime + f.map) through the pilot over SSH: SSH connections opened. Target: <= 2.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { MemoryRunStore, TaskSpecSchema, createRuntime, defineFlow, noopLogger, type Executor, type TaskSpec } from "@latticework/core";
import { SlurmExecutor, SlurmPilotExecutor, type SshTransport } from "@latticework/adapter-slurm";
import { add } from "../../packages/adapter-slurm/test/fixtures/jobs.ts";
import type { BenchRow, BenchSuite } from "../types.js";

const JOBS = fileURLToPath(new URL("../../packages/adapter-slurm/test/fixtures/jobs.ts", import.meta.url));
/** The same no-op job as plain JavaScript (what a compiled project deploys: no tsx in the worker). */
const JOBS_JS = fileURLToPath(new URL("../../packages/adapter-slurm/test/fixtures/jobs-js.mjs", import.meta.url));

function spec(root: string, i: number, js = false): TaskSpec {
  const taskId = `b-${randomUUID().slice(0, 12)}`;
  return TaskSpecSchema.parse({ v: 1, taskId, runId: "bench", callKey: taskId, job: js ? "slurmtest.addJs" : "slurmtest.add", module: js ? JOBS_JS : JOBS, input: { a: i, b: 1 }, workdir: join(root, taskId), attempt: 1 });
}

const ctx = (dir: string) => ({ logger: noopLogger, events: { emit() {} }, stateDir: dir });

async function plainSbatch(n: number, dir: string): Promise<number> {
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(execFileSync("sbatch", ["--parsable", "-J", "lw-bench-plain", "-o", "/dev/null", `--chdir=${dir}`, "--wrap=true"]).toString().trim());
  const want = new Set(ids);
  for (;;) {
    const out = execFileSync("squeue", ["--me", "-h", "--states=all", "-o", "%i %T"]).toString();
    const open = out.split("\n").filter((l) => {
      const [id, st] = l.trim().split(" ");
      return id && want.has(id) && st !== "COMPLETED" && st !== "FAILED" && st !== "CANCELLED";
    });
    if (open.length === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Wait until every node is idle (jobs of the previous section completed, not COMPLETING), so each
 * section, plain sbatch included, starts on an idle cluster. Gives up after 30 s.
 */
async function waitIdle(log: (m: string) => void): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const states = execFileSync("sinfo", ["-h", "-N", "-o", "%T"]).toString().split("\n").map((l) => l.trim()).filter(Boolean);
    if (states.length > 0 && states.every((s) => s === "idle")) return;
    if (performance.now() - t0 > 30_000) {
      log(`slurm: nodes not all idle after 30 s (${[...new Set(states)].join(",")}); measuring anyway`);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function throughput(ex: Executor, n: number, root: string, js = false): Promise<{ perSec: number; steadyMs: number; failed: number }> {
  const t0 = performance.now();
  const subs = await Promise.all(Array.from({ length: n }, (_, i) => ex.submit(spec(root, i, js), new AbortController().signal)));
  let first = 0;
  let failed = 0;
  await Promise.all(
    subs.map(async (s) => {
      const o = await s.outcome;
      if (!first) first = performance.now();
      if (o.state !== "completed") failed++;
    }),
  );
  const end = performance.now();
  return { perSec: n / ((end - t0) / 1000), steadyMs: end - first, failed };
}

export const run: BenchSuite = async ({ quick, log }) => {
  if (!process.env.SLURM_CONF) {
    log("slurm: testbed not up (run as root so bench/run.ts can start it); skipping");
    return [];
  }
  const rows: BenchRow[] = [];
  const root = mkdtempSync(join(tmpdir(), "lw-bench-slurm-"));
  const nPlain = quick ? 10 : 30;
  const nPilot = quick ? 200 : 1000;

  await waitIdle(log);
  log(`slurm: plain sbatch x ${nPlain}`);
  const plain = await plainSbatch(nPlain, root);

  await waitIdle(log);
  log(`slurm: per-job executor x ${nPlain}`);
  const perJob = new SlurmExecutor({ pollMs: 500, maxPollMs: 1000 }, "bench-perjob");
  await perJob.start(ctx(root));
  const pj = await throughput(perJob, nPlain, root);
  await waitIdle(log);
  log(`slurm: per-job executor x ${nPlain}, plain-JavaScript job module`);
  const pjJs = await throughput(perJob, nPlain, root, true);
  await perJob.dispose();
  rows.push({ suite: "slurm", metric: `per-job mode, ${nPlain} no-op jobs (.ts job module)`, unit: "jobs/s", ours: pj.perSec, peer: plain, peerName: "plain sbatch", ratio: pj.perSec / plain, ratioNote: "ours/peer (one sbatch per task either way)", notes: pj.failed ? `${pj.failed} failed` : undefined });
  rows.push({ suite: "slurm", metric: `per-job mode, ${nPlain} no-op jobs, .js job module (no tsx in the worker)`, unit: "jobs/s", ours: pjJs.perSec, peer: plain, peerName: "plain sbatch", ratio: pjJs.perSec / plain, ratioNote: "ours/peer (one sbatch per task either way)", notes: pjJs.failed ? `${pjJs.failed} failed` : undefined });

  await waitIdle(log);
  log(`slurm: pilot x ${nPilot} (one 4-node block)`);
  const pilot = new SlurmPilotExecutor({ pollMs: 500, remote: { workRoot: join(root, "pilot") }, pilot: { nodesPerBlock: 4, maxBlocks: 1, idleTimeoutSeconds: 30, heartbeatSeconds: 1 } }, "bench-pilot");
  await pilot.start(ctx(root));
  const pl = await throughput(pilot, nPilot, root);
  // Warm: the same block, already running with its workers started (what Parsl's init_blocks or a
  // dask-jobqueue scale() done beforehand give): queue to last outcome only.
  log(`slurm: pilot x ${nPilot} again on the running block (warm)`);
  const warm = await throughput(pilot, nPilot, root);
  await pilot.dispose();
  const ratio = pl.perSec / plain;
  rows.push({ suite: "slurm", metric: `pilot mode, ${nPilot} no-op jobs (cold: block submit and start included)`, unit: "jobs/s", ours: pl.perSec, peer: plain, peerName: `plain sbatch (${nPlain} jobs)`, ratio, ratioNote: "ours/peer", target: ">= 100x plain sbatch", pass: ratio >= 100, notes: pl.failed ? `${pl.failed} failed` : undefined });
  rows.push({ suite: "slurm", metric: `pilot mode, ${nPilot} no-op jobs (warm: block already running)`, unit: "jobs/s", ours: warm.perSec, peer: plain, peerName: `plain sbatch (${nPlain} jobs)`, ratio: warm.perSec / plain, ratioNote: "ours/peer; not comparable with the cold row", notes: warm.failed ? `${warm.failed} failed` : undefined });
  const slots = 8;
  const overhead = (slots * pl.steadyMs) / nPilot;
  rows.push({ suite: "slurm", metric: "pilot dispatch overhead per no-op task (slot-ms, steady state)", unit: "ms", ours: overhead, target: "<= 20 ms", pass: overhead <= 20, notes: `${slots} slots x ${pl.steadyMs.toFixed(0)} ms / ${nPilot} tasks` });

  const host = process.env.LATTICEWORK_TESTBED_SSH_HOST;
  if (host) {
    await waitIdle(log);
    log(`slurm: ${nPilot}-job flow through the pilot over SSH`);
    const sshPilot = new SlurmPilotExecutor(
      {
        ssh: { host, port: Number(process.env.LATTICEWORK_TESTBED_SSH_PORT), username: process.env.LATTICEWORK_TESTBED_SSH_USER!, privateKeyPath: process.env.LATTICEWORK_TESTBED_SSH_KEY!, knownHosts: process.env.LATTICEWORK_TESTBED_SSH_KNOWN_HOSTS! },
        commandEnv: { SLURM_CONF: process.env.SLURM_CONF },
        remote: { workRoot: join(root, "ssh") },
        pollMs: 1000,
        pilot: { nodesPerBlock: 4, maxBlocks: 1, idleTimeoutSeconds: 30, heartbeatSeconds: 1 },
      },
      "bench-ssh",
    );
    const flow = defineFlow({
      name: "bench.slurm-fanout",
      input: z.object({ n: z.number() }),
      async run({ n }, f) {
        const outs = await f.map(add, Array.from({ length: n }, (_, i) => ({ a: i, b: 1 })));
        return { done: outs.length };
      },
    });
    const rt = createRuntime({ store: new MemoryRunStore(), executors: { hpc: sshPilot }, defaultExecutor: "hpc", workRoot: join(root, "rt") });
    const t0 = performance.now();
    const res = await rt.run(flow, { n: nPilot });
    const secs = (performance.now() - t0) / 1000;
    const conns = (sshPilot.transport as SshTransport).connectionCount;
    await rt.close();
    rows.push({ suite: "slurm", metric: `SSH connections for a ${nPilot}-job flow (pilot over SSH)`, unit: "connections", ours: conns, target: "<= 2", pass: conns <= 2 && res.state === "completed", notes: `run ${res.state} in ${secs.toFixed(1)} s (${(nPilot / secs).toFixed(1)} jobs/s)` });
  }
  return rows;
};
