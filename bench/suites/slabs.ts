/**
 * bulkToSlabs for Cu (maxIndex 2) end to end on the local executor (2 workers, SQLite store), vs the
 * same slab relaxations (EMT + BFGS, fmax 0.01) run serially in ASE 3.22.1 on the same machine.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRuntime, SqliteRunStore } from "@latticework/core";
import { local } from "@latticework/adapter-local";
import { bulk, bulkToSlabs, makeSlabsFromBulk, type BulkToSlabsOutput } from "@latticework/recipes";
import type { BenchRow, BenchSuite } from "../types.js";

const ASE_SCRIPT = `
import json, sys, time
from ase import Atoms
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.optimize import BFGS
slabs = json.load(open(sys.argv[1]))
t0 = time.perf_counter()
out = []
for s in slabs:
    a = Atoms(numbers=s["numbers"], positions=s["positions"], cell=s["cell"], pbc=s["pbc"])
    if s["fixed"]:
        a.set_constraint(FixAtoms(indices=s["fixed"]))
    a.calc = EMT()
    opt = BFGS(a, logfile=None)
    opt.run(fmax=0.01, steps=1000)
    out.append({"n": len(a), "energy": a.get_potential_energy(), "nsteps": opt.nsteps})
print(json.dumps({"seconds": time.perf_counter() - t0, "slabs": out}))
`;

export const run: BenchSuite = async ({ quick, log }) => {
  const maxIndex = quick ? 1 : 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lw-bench-slabs-"));
  const atoms = bulk("Cu");
  const rt = createRuntime({ store: new SqliteRunStore({ dir: path.join(dir, "store") }), executors: { local: local({ workers: 2 }) } });
  const t0 = performance.now();
  const res = await rt.run(bulkToSlabs, { atoms: atoms.toJSON(), makeSlabs: { maxIndex } });
  const oursS = (performance.now() - t0) / 1000;
  await rt.close();
  if (res.state !== "completed") throw new Error(`bulkToSlabs ${res.state}: ${JSON.stringify(res.failures).slice(0, 500)}`);
  const out = res.output as BulkToSlabsOutput;
  log(`ours: ${out.slabs.length} slabs in ${oursS.toFixed(2)} s`);

  const rows: BenchRow[] = [
    { suite: "slabs", metric: `bulkToSlabs Cu maxIndex ${maxIndex} (${out.slabs.length} slabs, relax+static, local pool x2)`, unit: "s", ours: oursS },
  ];
  const slabsJson = makeSlabsFromBulk(atoms, { maxIndex }).map((s) => s.toJSON());
  const file = path.join(dir, "slabs.json");
  fs.writeFileSync(file, JSON.stringify(slabsJson));
  try {
    const ase = JSON.parse(execFileSync("/usr/bin/python3", ["-c", ASE_SCRIPT, file], { encoding: "utf8", maxBuffer: 1 << 26 })) as { seconds: number; slabs: { energy: number }[] };
    const ratio = ase.seconds / oursS;
    rows[0] = { ...rows[0]!, peer: ase.seconds, peerName: "ASE serial relaxations", ratio, ratioNote: "ASE seconds / ours (whole flow incl. store, pool and static jobs)" };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const dE = Math.abs(sum(ase.slabs.map((s) => s.energy)) - sum(out.slabs.map((s) => s.energy)));
    rows[0]!.notes = `sum of relaxed slab energies differs from ASE's by ${dE.toExponential(2)} eV`;
    log(`ASE: ${ase.seconds.toFixed(2)} s; ratio ${ratio.toFixed(1)}x; |sum dE| = ${dE.toExponential(2)} eV`);
  } catch (e) {
    rows[0]!.notes = `ASE peer unavailable: ${(e as Error).message.split("\n")[0]}`;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return rows;
};
