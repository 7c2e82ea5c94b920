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
