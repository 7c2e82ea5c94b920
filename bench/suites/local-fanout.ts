/**
 * Local executor bench, side by side with Dask distributed (LocalCluster, 2 worker processes, run
 * by /usr/bin/python3 from Debian's python3-distributed) in the same invocation:
 *
 * - fan-out: 10,000 no-op jobs in one flow through the full runtime (SQLite store, local executor,
 *   2 workers) vs `client.map` of 10,000 no-op tasks. Target: >= 10x Dask's jobs/s.
 * - chain: 1,000 dependent jobs (each awaits the previous) vs a chain of 1,000 dependent futures.
 *   Target: <= 1 ms per hop.
 *
 * Wall-clock times on a shared machine: both sides run back to back, so the ratio is what counts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { SqliteRunStore, createRuntime, defineFlow } from "@latticework/core";
import { local } from "@latticework/adapter-local";
import { noop } from "@latticework/testing/fixtures";
import type { BenchRow, BenchSuite } from "../types.js";

export const fanOut = defineFlow({
  name: "bench.fan-out",
  input: z.object({ n: z.number().int().positive() }),
  async run({ n }, f) {
    const outs = await f.map(noop, Array.from({ length: n }, (_, i) => ({ i })));
    return { done: outs.length };
  },
});

/** One sub-flow of the scale bench: 5 no-op jobs. */
export const five = defineFlow({
  name: "bench.five",
  input: z.object({ k: z.number().int() }),
  async run({ k }, f) {
    const outs = await f.map(noop, Array.from({ length: 5 }, (_, i) => ({ i: k * 5 + i })));
    return { done: outs.length };
  },
});

/** `m` concurrent sub-flows of 5 jobs each. */
export const manySubflows = defineFlow({
  name: "bench.subflows",
  input: z.object({ m: z.number().int().positive() }),
  async run({ m }, f) {
    const outs = await Promise.all(Array.from({ length: m }, (_, k) => f.subflow(five, { k })));
    return { done: outs.length };
  },
});

export const chain = defineFlow({
  name: "bench.chain",
  input: z.object({ n: z.number().int().positive() }),
  async run({ n }, f) {
    for (let i = 0; i < n; i++) await f.run(noop, { i });
    return { done: n };
  },
});

/** LW_BENCH_WORKER_PROF=<dir>: CPU-profile the pool workers too (diagnostics). */
const workerProf = process.env.LW_BENCH_WORKER_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.LW_BENCH_WORKER_PROF}`] : [];

/** CPU time (user + system, ms) a process has used so far, from /proc (0 where unavailable). */
function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

interface Ours { orchUsPerJob: number; workerUsPerJob: number; jobsPerSec: number; msPerHop: number; bigN: number; bigMs: number; peakRssMb: number; subflows: number; subflowMs: number; subflowErrors: number }

async function ours(n: number, hops: number, bigN: number, subflows: number, log: (m: string) => void): Promise<Ours> {
  const dir = mkdtempSync(join(tmpdir(), "lw-bench-local-"));
  const pool = local({ workers: 2, nodeArgs: workerProf });
  const rt = createRuntime({ store: new SqliteRunStore({ dir: join(dir, "store") }), executors: { local: pool }, workRoot: join(dir, "work") });
  try {
    await rt.run(fanOut, { n: 50 }); // start the workers, warm up
    // CPU per job: of this process (the orchestrator) and of the pool workers, over the fan-out.
    const pids = pool.workerPids();
    const w0 = pids.map(procCpuMs);
    const c0 = process.cpuUsage();
    let t0 = performance.now();
    const r = await rt.run(fanOut, { n });
    const fanMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const orchUsPerJob = (cpu.user + cpu.system) / n;
    const workerUsPerJob = (pids.map(procCpuMs).reduce((a, x, i) => a + x - w0[i]!, 0) * 1000) / n;
    if (r.state !== "completed") throw new Error(`fan-out run ${r.state}: ${JSON.stringify(r.error)}`);
    log(`ours: fan-out ${n} jobs in ${fanMs.toFixed(0)} ms; CPU per job: orchestrator ${orchUsPerJob.toFixed(0)} us, workers ${workerUsPerJob.toFixed(0)} us`);
    t0 = performance.now();
    const c = await rt.run(chain, { n: hops });
    const chainMs = performance.now() - t0;
    if (c.state !== "completed") throw new Error(`chain run ${c.state}`);
    log(`ours: chain of ${hops} in ${chainMs.toFixed(0)} ms`);
    // Scale: one flow of bigN jobs; the orchestrator's peak RSS (whole process, so it also covers
    // the smaller runs above, which stay well below it).
    t0 = performance.now();
    const big = await rt.run(fanOut, { n: bigN });
    const bigMs = performance.now() - t0;
    if (big.state !== "completed") throw new Error(`scale run ${big.state}: ${JSON.stringify(big.error)}`);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    log(`ours: ${bigN} jobs in ${bigMs.toFixed(0)} ms, orchestrator peak RSS ${peakRssMb.toFixed(0)} MB`);
    t0 = performance.now();
    const sub = await rt.run(manySubflows, { m: subflows });
    const subflowMs = performance.now() - t0;
    const subflowErrors = sub.failures.length + (sub.state === "completed" ? 0 : 1);
    log(`ours: ${subflows} concurrent sub-flows x 5 jobs in ${subflowMs.toFixed(0)} ms, ${sub.state}, ${sub.failures.length} failure(s)`);
    return { orchUsPerJob, workerUsPerJob, jobsPerSec: n / (fanMs / 1000), msPerHop: chainMs / hops, bigN, bigMs, peakRssMb, subflows, subflowMs, subflowErrors };
  } finally {
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const DASK = `
import json, sys, time
from dask.distributed import Client, LocalCluster
def noop(i):
    return i
def inc(x):
    return x + 1
if __name__ == "__main__":
    n, hops = int(sys.argv[1]), int(sys.argv[2])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        client.gather(client.map(noop, range(50), pure=False))
        t0 = time.perf_counter(); client.gather(client.map(noop, range(n), pure=False)); fan = time.perf_counter() - t0
        t0 = time.perf_counter()
        x = client.submit(inc, 0, pure=False)
        for _ in range(hops - 1):
            x = client.submit(inc, x, pure=False)
        x.result(); chain = time.perf_counter() - t0
    print(json.dumps({"jobsPerSec": n / fan, "msPerHop": chain * 1000 / hops}))
`;

function dask(n: number, hops: number): { jobsPerSec: number; msPerHop: number } | { error: string } {
  const probe = spawnSync("/usr/bin/python3", ["-c", "import distributed"], { encoding: "utf8" });
  if (probe.status !== 0) {
    const install = spawnSync("sh", ["-c", "flock /tmp/apt.lock apt-get install -y python3-distributed"], { encoding: "utf8" });
    if (install.status !== 0) return { error: "python3-distributed is not installed (apt-get install -y python3-distributed)" };
  }
  const r = spawnSync("/usr/bin/python3", ["-c", DASK, String(n), String(hops)], { encoding: "utf8", timeout: 600_000 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as { jobsPerSec: number; msPerHop: number };
  } catch {
    return { error: `dask run failed (exit ${r.status}): ${r.stderr.slice(-400)}` };
  }
}

export const run: BenchSuite = async ({ quick, log }) => {
  const n = quick ? 2000 : 10_000;
  const hops = quick ? 200 : 1000;
  const o = await ours(n, hops, quick ? 20_000 : 100_000, quick ? 400 : 2000, log);
  // LW_BENCH_NO_PEER=1: skip Dask (profiling runs).
  const d = process.env.LW_BENCH_NO_PEER ? { error: "skipped (LW_BENCH_NO_PEER)" } : dask(n, hops);
  const peer = "error" in d ? undefined : d;
  if ("error" in d) log(`dask: ${d.error}`);
  else log(`dask: ${d.jobsPerSec.toFixed(0)} jobs/s, ${d.msPerHop.toFixed(2)} ms/hop`);
  const rows: BenchRow[] = [
    {
      suite: "local-fanout", metric: `fan-out ${n} no-op jobs (runtime + SQLite + local, 2 workers)`, unit: "jobs/s", ours: o.jobsPerSec,
      ...(peer ? { peer: peer.jobsPerSec, peerName: "Dask LocalCluster (2 workers)", ratio: o.jobsPerSec / peer.jobsPerSec, ratioNote: "ours/Dask, higher is better" } : {}),
      target: ">= 10x Dask (>= 6,400 jobs/s)", pass: peer ? o.jobsPerSec >= 10 * peer.jobsPerSec : o.jobsPerSec >= 6400,
      notes: `CPU per job: orchestrator ${o.orchUsPerJob.toFixed(0)} us, 2 workers together ${o.workerUsPerJob.toFixed(0)} us`,
    },
    {
      suite: "local-fanout", metric: `chain of ${hops} dependent jobs`, unit: "ms/hop", ours: o.msPerHop,
      ...(peer ? { peer: peer.msPerHop, peerName: "Dask LocalCluster (2 workers)", ratio: peer.msPerHop / o.msPerHop, ratioNote: "Dask/ours, higher is better" } : {}),
      target: "<= 1 ms per hop", pass: o.msPerHop <= 1,
    },
    {
      suite: "local-fanout", metric: `orchestrator peak RSS, flow of ${o.bigN} no-op jobs (${(o.bigN / (o.bigMs / 1000)).toFixed(0)} jobs/s)`, unit: "MB", ours: o.peakRssMb,
      target: "< 1 GB", pass: o.peakRssMb < 1024,
    },
    {
      suite: "local-fanout", metric: `${o.subflows} concurrent sub-flows x 5 jobs: errors (${o.subflowMs.toFixed(0)} ms)`, unit: "errors", ours: o.subflowErrors,
      target: "0 errors", pass: o.subflowErrors === 0,
    },
  ];
  return rows;
};
