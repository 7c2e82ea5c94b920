/**
 * Optimizers vs real ASE 3.22 (python3-ase via /usr/bin/python3) on the rattled Cu(111) (4,4,6)
 * slab: BFGS must take the same number of steps (+-1) and end within 1e-6 eV of ASE; LBFGS and FIRE
 * within a few steps. Also a slab with the bottom layers fixed and a Lennard-Jones cluster (where
 * BFGS meets negative curvature).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Atoms } from "../src/atoms/atoms.js";
import { EMT } from "../src/calculators/emt.js";
import { LennardJones } from "../src/calculators/lennard-jones.js";
import { optimize } from "../src/optimize/optimize.js";
import { oracleAtoms, requireOracle, runOracle } from "./oracle/oracle.js";

const enabled = requireOracle("optimize-oracle");

interface OptOut { nsteps: number; converged: boolean; energy: number; positions: number[][] }

describe.runIf(enabled)("optimizers vs ASE", { timeout: 300_000 }, () => {
  let slab: Atoms;
  let fixedSlab: Atoms;
  beforeAll(async () => {
    const [s, f] = await runOracle<Parameters<typeof Atoms.fromJSON>[0]>([
      { kind: "build", expr: "fcc111('Cu', (4,4,6), vacuum=10.0)", rattle: 0.05, seed: 42 },
      { kind: "build", expr: "fcc111('Cu', (3,3,4), vacuum=8.0)", rattle: 0.08, seed: 3 },
    ]);
    slab = Atoms.fromJSON(s!);
    fixedSlab = Atoms.fromJSON(f!);
    fixedSlab.fixed = Array.from({ length: 18 }, (_, i) => i); // bottom two layers
    // start ASE's relaxations now, in parallel (ASE is the slow side); tests await them
    for (const opt of ["BFGS", "LBFGS", "FIRE"] as const) {
      slabRefs[opt] = runOracle<OptOut>([{ kind: "opt", atoms: oracleAtoms(slab), calc: { name: "EMT" }, optimizer: opt, fmax: 0.01, steps: 1000 }]).then((r) => r[0]!);
      slabRefs[opt].catch(() => undefined);
    }
  });
  const slabRefs = {} as Record<"BFGS" | "LBFGS" | "FIRE", Promise<OptOut>>;

  const tol = { BFGS: 1, LBFGS: 3, FIRE: 5 } as const;
  for (const opt of ["BFGS", "LBFGS", "FIRE"] as const) {
    it(`${opt} on the rattled Cu(111) (4,4,6) slab, fmax 0.01`, async () => {
      const ref = await slabRefs[opt];
      const atoms = slab.clone();
      const r = optimize(atoms, new EMT(), { optimizer: opt, fmax: 0.01 });
      console.log(`[optimize-oracle] ${opt} Cu(111) 4x4x6: ours ${r.nsteps} steps E=${r.energies.at(-1)}; ASE ${ref!.nsteps} steps E=${ref!.energy}`);
      expect(r.converged).toBe(ref!.converged);
      expect(Math.abs(r.nsteps - ref!.nsteps), `${opt}: ${r.nsteps} steps vs ASE ${ref!.nsteps}`).toBeLessThanOrEqual(tol[opt]);
      expect(Math.abs(r.energies.at(-1)! - ref!.energy), `${opt}: E ${r.energies.at(-1)} vs ASE ${ref!.energy}`).toBeLessThanOrEqual(opt === "BFGS" ? 1e-6 : 1e-4);
    });
  }

  it("BFGS and FIRE with FixAtoms (bottom layers fixed)", async () => {
    const refs = await runOracle<OptOut>(["BFGS", "FIRE"].map((optimizer) => ({ kind: "opt", atoms: oracleAtoms(fixedSlab), calc: { name: "EMT" }, optimizer, fmax: 0.02, steps: 500 })));
    (["BFGS", "FIRE"] as const).forEach((opt, k) => {
      const atoms = fixedSlab.clone();
      const r = optimize(atoms, new EMT(), { optimizer: opt, fmax: 0.02, maxSteps: 500 });
      expect(Math.abs(r.nsteps - refs[k]!.nsteps), opt).toBeLessThanOrEqual(opt === "BFGS" ? 1 : 5);
      expect(Math.abs(r.energies.at(-1)! - refs[k]!.energy), opt).toBeLessThanOrEqual(opt === "BFGS" ? 1e-6 : 1e-4);
      for (const i of fixedSlab.fixed) for (let c = 0; c < 3; c++) expect(atoms.positions[3 * i + c]).toBe(fixedSlab.positions[3 * i + c]);
    });
  });

  it("BFGS on a Lennard-Jones cluster (negative curvature on the way)", async () => {
    const a = new Atoms({ numbers: Array(13).fill(18) as number[], positions: Array.from({ length: 13 }, (_, i) => [1.1 * (i % 3) + 0.05 * Math.sin(i), 1.1 * (Math.floor(i / 3) % 3) + 0.07 * Math.cos(i), 1.1 * Math.floor(i / 9) + 0.03 * i]) });
    const [ref] = await runOracle<OptOut>([{ kind: "opt", atoms: oracleAtoms(a), calc: { name: "LJ" }, optimizer: "BFGS", fmax: 0.01, steps: 1000 }]);
    const r = optimize(a, new LennardJones(), { fmax: 0.01 });
    expect(Math.abs(r.nsteps - ref!.nsteps), `${r.nsteps} vs ASE ${ref!.nsteps}`).toBeLessThanOrEqual(1);
    expect(Math.abs(r.energies.at(-1)! - ref!.energy)).toBeLessThanOrEqual(1e-6);
  });
});
