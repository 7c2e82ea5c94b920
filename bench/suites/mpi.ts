/**
 * MPI bench: (1) launch overhead per MPI task: a 2-rank `/bin/true` through adapter-mpi's mpirun
 * launcher (placement, hostfile, process group, output files) vs the same `mpirun -n 2 /bin/true`
 * run by hand; (2) LAMMPS Cu strong scaling 1 -> 2 ranks: the `lammps.static`-style input with a
 * 200-step minimisation of rattled fcc Cu (4,000 atoms) run through the recipe's `runLammps` (so
 * through ctx.launch and the MPI launcher), with the by-hand `mpirun -n 2 lmp` as the peer.
 *
 * Wall times (best of a few repeats): MPI launches are wall-clock work by nature, and the machine is
 * shared, so the ratios matter more than the absolute figures. Needs Open MPI and LAMMPS
 * (testbed/install.sh); skips with a note otherwise.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLauncherRegistry, noopLogger, type JobContext, type LaunchOptions } from "@latticework/core";
import { MpirunLauncher } from "@latticework/adapter-mpi";
import { Atoms } from "@latticework/recipes";
import { lammpsData, lammpsInput, lammpsPotentialLines, lammpsPrism, runLammps } from "../../packages/recipes/src/engines/index.js";
import type { BenchRow, BenchSuite } from "../types.js";
import { buildMpiPrograms } from "../../packages/adapter-mpi/test/fixtures/mpi-programs.js";

const have = (p: string): boolean => spawnSync("sh", ["-c", `command -v ${p}`]).status === 0;

function bestOf(n: number, f: () => Promise<void> | void): Promise<number> {
  return (async () => {
    let best = Infinity;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await f();
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  })();
}

function rattledCu(n: number): Atoms {
  const a = 3.61;
  const base = new Atoms({ numbers: [29, 29, 29, 29], positions: [[0, 0, 0], [0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], cell: [a, a, a], pbc: true }).repeat([n, n, n]);
  let s = 11;
  const p = base.positions.slice();
  for (let i = 0; i < p.length; i++) p[i] = p[i]! + (((s = (s * 16807) % 2147483647) / 2147483647) - 0.5) * 0.1;
  base.setPositions(p);
  return base;
}

/** A minimal job context whose launch goes through core's registry plus the mpirun launcher. */
function contextFor(workdir: string, ranks: number): JobContext {
  const registry = createLauncherRegistry([new MpirunLauncher()]);
  const placement = { hosts: [{ host: "localhost", slots: ranks }], source: "local" };
  const signal = new AbortController().signal;
  return {
    workdir, logger: noopLogger, signal, attempt: 1, runId: "bench", taskId: "bench", jobName: "lammps.static", resources: { ranks }, placement,
    launch: (program: string, options: LaunchOptions = {}) => registry.select(options).launch({ program, options, placement, workdir, signal }),
  };
}

export const run: BenchSuite = async ({ quick, log }) => {
  const rows: BenchRow[] = [];
  if (!have("mpirun")) {
    log("mpirun not found (bash testbed/install.sh); skipping");
    return [{ suite: "mpi", metric: "skipped", unit: "-", ours: Number.NaN, notes: "Open MPI not installed" }];
  }
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" };
  Object.assign(process.env, env);
  const dir = mkdtempSync(join(tmpdir(), "lw-bench-mpi-"));
  const reps = quick ? 3 : 10;

  // (1) launch overhead
  const launcher = new MpirunLauncher();
  const placement = { hosts: [{ host: "localhost", slots: 2 }], source: "local" };
  let k = 0;
  const ours = await bestOf(reps, async () => {
    await launcher.launch({ program: "/bin/true", options: { ranks: 2 }, placement, workdir: join(dir, `l${k++}`), signal: new AbortController().signal });
  });
  const peer = await bestOf(reps, () => {
    execFileSync("mpirun", ["-n", "2", "/bin/true"], { env, stdio: "ignore" });
  });
  rows.push({ suite: "mpi", metric: "launch 2-rank /bin/true (local mpirun), best of " + reps, unit: "ms", ours, peer, peerName: "mpirun by hand", ratio: peer / ours, ratioNote: "peer/ours (1 = no overhead)", notes: `adapter overhead ${(ours - peer).toFixed(1)} ms per launch` });

  // (1b) the same 4-rank allreduce over 2 nodes through adapter-slurm: per-job allocation vs pilot
  if (process.env.SLURM_CONF && have("sbatch")) {
    try {
      rows.push(...(await slurmRows(dir, quick, log)));
    } catch (e) {
      rows.push({ suite: "mpi", metric: "MPI via SLURM", unit: "-", ours: Number.NaN, notes: `failed: ${(e as Error).message.slice(0, 200)}` });
    }
  } else {
    rows.push({ suite: "mpi", metric: "MPI via SLURM", unit: "-", ours: Number.NaN, notes: "testbed not up; skipped (run as root: testbed/up.sh)" });
  }

  // (2) LAMMPS strong scaling
  if (!have("lmp")) {
    rows.push({ suite: "mpi", metric: "LAMMPS scaling", unit: "-", ours: Number.NaN, notes: "lmp not installed; skipped" });
    return rows;
  }
  const n = quick ? 6 : 10; // 864 or 4,000 atoms
  const atoms = rattledCu(n);
  const steps = quick ? 50 : 200;
  const relax = { fmax: 1e-12, maxSteps: steps, relaxCell: false, minStyle: "cg" as const };
  const times: Record<number, number> = {};
  for (const ranks of [1, 2]) {
    let i = 0;
    times[ranks] = await bestOf(quick ? 1 : 3, async () => {
      const wd = join(dir, `lmp-${ranks}-${i++}`);
      execFileSync("mkdir", ["-p", wd]);
      await runLammps(atoms, { lmp: "lmp", ranks }, contextFor(wd, ranks), relax);
    });
    log(`LAMMPS ${atoms.length} atoms, ${steps} cg steps, ${ranks} rank(s): ${times[ranks]!.toFixed(0)} ms`);
  }
  // peer: the same input by hand at 2 ranks
  const hand = join(dir, "hand");
  execFileSync("mkdir", ["-p", hand]);
  const prism = lammpsPrism(atoms);
  writeFileSync(join(hand, "lammps.data"), lammpsData(atoms, prism));
  writeFileSync(join(hand, "in.lammps"), lammpsInput(lammpsPotentialLines(["Cu"], {}), prism, { data: "lammps.data", dump: "lammps.dump", relax }));
  const handMs = await bestOf(quick ? 1 : 3, () => {
    execFileSync("mpirun", ["-n", "2", "lmp", "-in", "in.lammps", "-log", "none", "-screen", "none"], { cwd: hand, env, stdio: "ignore" });
  });
  rows.push({ suite: "mpi", metric: `LAMMPS Cu ${atoms.length} atoms ${steps}-step cg, 1 rank`, unit: "ms", ours: times[1]! });
  rows.push({
    suite: "mpi",
    metric: `LAMMPS Cu ${atoms.length} atoms ${steps}-step cg, 2 ranks`,
    unit: "ms",
    ours: times[2]!,
    peer: handMs,
    peerName: "mpirun -n 2 lmp by hand",
    ratio: handMs / times[2]!,
    ratioNote: "peer/ours",
    notes: `speed-up 1 -> 2 ranks ${(times[1]! / times[2]!).toFixed(2)}x (2 cores, shared machine)`,
  });
  return rows;
};

/** 2-node, 4-rank MPI tasks through adapter-slurm: one per-job allocation, then N in one pilot. */
async function slurmRows(dir: string, quick: boolean, log: (m: string) => void): Promise<BenchRow[]> {
  const { TaskSpecSchema, noopLogger } = await import("@latticework/core");
  const { SlurmExecutor, SlurmPilotExecutor } = await import("@latticework/adapter-slurm");
  const { fileURLToPath } = await import("node:url");
  const hello = buildMpiPrograms(join(dir, "bin")).hello;
  const module = fileURLToPath(new URL("../../packages/adapter-mpi/test/fixtures/mpi-jobs.ts", import.meta.url));
  let k = 0;
  const spec = () => {
    const taskId = `bench-mpi-${process.pid}-${++k}`;
    return TaskSpecSchema.parse({ v: 1, taskId, runId: "bench-mpi", callKey: taskId, job: "test.mpi-hello", module, input: { program: hello, ranks: 4 }, workdir: join(dir, taskId), attempt: 1, resources: { nodes: 2, ranksPerNode: 2, ranks: 4 }, plugins: ["@latticework/adapter-mpi"] });
  };
  const ctx = (name: string) => ({ logger: noopLogger, stateDir: join(dir, name), events: { emit: () => undefined } }) as never;
  const perJob = new SlurmExecutor({ pollMs: 250 }, "bench-mpi-perjob");
  await perJob.start(ctx("perjob"));
  let perJobMs: number;
  try {
    const t0 = performance.now();
    const o = await (await perJob.submit(spec(), new AbortController().signal)).outcome;
    perJobMs = performance.now() - t0;
    if (o.state !== "completed") throw new Error(`per-job MPI task ${o.state}`);
  } finally {
    await perJob.dispose();
  }
  log(`per-job SLURM 2-node MPI task: ${perJobMs.toFixed(0)} ms`);
  const n = quick ? 6 : 20;
  const pilot = new SlurmPilotExecutor({ pollMs: 250, pilot: { nodesPerBlock: 4, maxBlocks: 1, walltimeSeconds: 1800, idleTimeoutSeconds: 30, drainSeconds: 30, heartbeatSeconds: 1 } }, "bench-mpi-pilot");
  await pilot.start(ctx("pilot"));
  let pilotMs: number;
  try {
    // warm-up task: the block's start-up (sbatch + scheduler cadence) is not per-task overhead
    await (await pilot.submit(spec(), new AbortController().signal)).outcome;
    const t0 = performance.now();
    const subs = await Promise.all(Array.from({ length: n }, () => pilot.submit(spec(), new AbortController().signal)));
    const outs = await Promise.all(subs.map((s) => s.outcome));
    pilotMs = (performance.now() - t0) / n;
    const bad = outs.filter((o) => o.state !== "completed").length;
    if (bad) throw new Error(`${bad} pilot MPI tasks did not complete`);
  } finally {
    await pilot.dispose();
  }
  log(`pilot: ${n} 2-node MPI tasks, ${pilotMs.toFixed(0)} ms per task (2 at a time on 4 nodes)`);
  return [
    { suite: "mpi", metric: "2-node 4-rank MPI task, per-job SLURM allocation (end to end)", unit: "ms", ours: perJobMs, notes: "includes sbatch and the controller's ~3 s start cadence" },
    { suite: "mpi", metric: `2-node 4-rank MPI task in a 4-node pilot (${n} tasks, per task)`, unit: "ms", ours: pilotMs, peer: perJobMs, peerName: "per-job allocation", ratio: perJobMs / pilotMs, ratioNote: "per-job/pilot" },
  ];
}
