/**
 * EMT bench: energy+forces per atom for cubic fcc Cu supercells (108, 500, 4,000, 32,000 atoms),
 * linearity in N, peak memory at 32,000 atoms (measured in a child process), and a BFGS relaxation
 * of the rattled Cu(111) (4,4,6) slab to fmax 0.01, each side by side with ASE 3.22's pure-Python
 * EMT/BFGS run through /usr/bin/python3 in the same invocation.
 *
 * Times are CPU time (process.cpuUsage / time.process_time) of the best of several repeats, because
 * the bench machine is shared: wall time is reported in the notes. ASE is measured up to 4,000 atoms
 * (at ~0.5 ms/atom 32,000 atoms would take tens of seconds per evaluation); set
 * LW_BENCH_ASE_MAX=32000 to include it.
 */
import { spawnSync } from "node:child_process";
import { Atoms, EMT, optimize } from "@latticework/recipes";
import type { BenchRow, BenchSuite } from "../types.js";
import { oracleAtoms, oracleStatus, runOracle } from "../../packages/recipes/test/oracle/oracle.js";

function cubicCu(n: number): Atoms {
  const a = 3.61;
  const cell = new Atoms({
    numbers: [29, 29, 29, 29],
    positions: [[0, 0, 0], [0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]],
    cell: [a, a, a],
    pbc: true,
  });
  return cell.repeat([n, n, n]);
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Best-of CPU and wall time of one energy+forces evaluation: a fresh EMT instance each time, as a job
 * would create (EMT setups and work buffers are shared by the instances of a thread, so this is the
 * steady state of a worker process, not a cold start).
 */
function timeOurs(atoms: Atoms, minRepeats: number, budgetMs: number): { cpu: number; wall: number } {
  // warm-up: let the JIT optimise the hot loops before timing (>= 10 evaluations or 300 ms)
  for (let k = 0, w0 = performance.now(); k < 10 || performance.now() - w0 < 300; k++) new EMT().calculate(atoms);
  let bestCpu = Infinity, bestWall = Infinity, spent = 0, k = 0;
  while (k < minRepeats || spent < budgetMs) {
    const calc = new EMT();
    const c0 = cpuMs(), w0 = performance.now();
    const r = calc.calculate(atoms, ["energy", "forces"]);
    const c = cpuMs() - c0, w = performance.now() - w0;
    if (!Number.isFinite(r.energy)) throw new Error("non-finite EMT energy");
    bestCpu = Math.min(bestCpu, c);
    bestWall = Math.min(bestWall, w);
    spent += w;
    k++;
    if (k >= 50) break;
  }
  return { cpu: bestCpu, wall: bestWall };
}

/** Peak RSS (MB) of a fresh node process that builds the 32,000-atom cell and runs EMT once. */
function peakMemoryMb(n: number): { peak: number; baseline: number } {
  const url = import.meta.resolve("@latticework/recipes");
  const code = `
    const base = process.resourceUsage().maxRSS;
    const { Atoms, EMT } = await import(${JSON.stringify(url)});
    const a = 3.61;
    const atoms = new Atoms({ numbers: [29, 29, 29, 29], positions: [[0, 0, 0], [0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], cell: [a, a, a], pbc: true }).repeat([${n}, ${n}, ${n}]);
    const r = new EMT().calculate(atoms);
    if (!Number.isFinite(r.energy)) process.exit(2);
    console.log(JSON.stringify({ peak: process.resourceUsage().maxRSS / 1024, baseline: base / 1024 }));`;
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`memory probe failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim()) as { peak: number; baseline: number };
}

export const run: BenchSuite = async ({ quick, log }) => {
  const rows: BenchRow[] = [];
  const ase = oracleStatus();
  if (!ase.ok) log(`ASE missing, peer columns empty: ${ase.reason}`);
  const aseMax = Number(process.env.LW_BENCH_ASE_MAX ?? (quick ? 500 : 4000));
  const sizes = [3, 5, 10, 20]; // 108, 500, 4,000, 32,000 atoms
  const perAtom: Record<number, number> = {};
  for (const s of sizes) {
    const atoms = cubicCu(s);
    const n = atoms.length;
    // best-of-many repeats: the bench machine is shared, and the minimum is the least disturbed run
    const ours = timeOurs(atoms, n > 10_000 ? 5 : 10, quick ? 300 : 3000);
    perAtom[n] = (ours.cpu * 1000) / n;
    let peer: number | undefined;
    let peerWall: number | undefined;
    if (ase.ok && n <= aseMax) {
      log(`ASE EMT at ${n} atoms ...`);
      const [r] = await runOracle<{ seconds: number; cpu_seconds: number }>([{ kind: "time_calc", atoms: oracleAtoms(atoms), calc: { name: "EMT" }, repeat: n <= 500 ? 3 : 1 }], { timeoutMs: 1_800_000 });
      peer = (r!.cpu_seconds * 1e6) / n;
      peerWall = (r!.seconds * 1e6) / n;
    }
    const us = perAtom[n]!;
    rows.push({
      suite: "emt",
      metric: `EMT energy+forces, ${n} atoms (fcc Cu)`,
      unit: "us/atom",
      ours: us,
      ...(peer !== undefined ? { peer, peerName: `ASE ${ase.version}`, ratio: peer / us, ratioNote: "ASE time / ours" } : {}),
      target: "<= 5 us/atom",
      pass: us <= 5,
      notes: `CPU time, best of repeats, fresh EMT instance each (setups/buffers shared per thread); wall ${((ours.wall * 1000) / n).toFixed(2)} us/atom${peerWall !== undefined ? `, ASE wall ${peerWall.toFixed(1)} us/atom` : n > aseMax ? "; ASE not run at this size (LW_BENCH_ASE_MAX)" : ""}`,
    });
    log(`${n} atoms: ${us.toFixed(2)} us/atom${peer !== undefined ? ` (ASE ${peer.toFixed(1)})` : ""}`);
  }
  const lin = perAtom[32000]! / perAtom[4000]!;
  rows.push({ suite: "emt", metric: "linearity: us/atom at 32,000 / at 4,000", unit: "x", ours: lin, target: "<= 1.5 (linear in N)", pass: lin <= 1.5, notes: `us/atom at 500: ${perAtom[500]!.toFixed(2)}` });
  const mem = peakMemoryMb(20);
  rows.push({ suite: "emt", metric: "peak RSS, EMT on 32,000 atoms (child process)", unit: "MB", ours: mem.peak, target: "< 500 MB", pass: mem.peak < 500, notes: `node baseline ${mem.baseline.toFixed(0)} MB` });

  // BFGS relaxation of the rattled Cu(111) (4,4,6) slab
  if (ase.ok) {
    const [j] = await runOracle<Parameters<typeof Atoms.fromJSON>[0]>([{ kind: "build", expr: "fcc111('Cu', (4,4,6), vacuum=10.0)", rattle: 0.05, seed: 42 }]);
    const slab = Atoms.fromJSON(j!);
    log("BFGS relax of the rattled Cu(111) 4x4x6 slab (ASE) ...");
    const [ref] = await runOracle<{ nsteps: number; energy: number; seconds: number; cpu_seconds: number }>([{ kind: "opt", atoms: oracleAtoms(slab), calc: { name: "EMT" }, optimizer: "BFGS", fmax: 0.01, steps: 1000 }], { timeoutMs: 1_800_000 });
    for (let k = 0; k < 3; k++) optimize(slab.clone(), new EMT(), { fmax: 0.01 }); // warm-up
    let best = Infinity, bestWall = Infinity, res: ReturnType<typeof optimize> | undefined;
    for (let k = 0; k < (quick ? 2 : 5); k++) {
      const atoms = slab.clone();
      const c0 = cpuMs(), w0 = performance.now();
      res = optimize(atoms, new EMT(), { fmax: 0.01 });
      best = Math.min(best, (cpuMs() - c0) / 1000);
      bestWall = Math.min(bestWall, (performance.now() - w0) / 1000);
    }
    const ratio = ref!.cpu_seconds / best;
    rows.push({
      suite: "emt",
      metric: "BFGS relax, rattled Cu(111) 4x4x6 slab (96 atoms), fmax 0.01",
      unit: "s",
      ours: best,
      peer: ref!.cpu_seconds,
      peerName: `ASE ${ase.version}`,
      ratio,
      ratioNote: "ASE time / ours",
      target: ">= 50x",
      pass: ratio >= 50,
      notes: `CPU time; ours ${res!.nsteps} steps E=${res!.energies.at(-1)!.toFixed(9)}, ASE ${ref!.nsteps} steps E=${ref!.energy.toFixed(9)}; wall ours ${bestWall.toFixed(3)} s, ASE ${ref!.seconds.toFixed(2)} s`,
    });
    log(`BFGS: ours ${best.toFixed(3)} s, ASE ${ref!.cpu_seconds.toFixed(2)} s (${ratio.toFixed(0)}x)`);
  } else {
    rows.push({ suite: "emt", metric: "BFGS relax, rattled Cu(111) 4x4x6 slab", unit: "s", ours: Number.NaN, notes: `ASE missing (${ase.reason})` });
  }
  return rows;
};
