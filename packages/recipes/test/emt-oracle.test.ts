/**
 * EMT vs real ASE (Debian python3-ase via /usr/bin/python3): SPEC systems built by ASE itself and
 * structures generated fresh at test time (random alloys of the seven metals, rattled, mixed pbc,
 * thin and skewed cells, light elements), both cut-off modes.
 * Tolerances: |dE| <= 1e-9 eV, |dF| <= 1e-9 eV/A, |dstress| <= 1e-10 eV/A^3.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Atoms } from "../src/atoms/atoms.js";
import { EMT } from "../src/calculators/emt.js";
import { oracleAtoms, requireOracle, runOracle } from "./oracle/oracle.js";
import { prng, quaccTestCell, randomStructure, rattledCu32, RUN_SEED } from "./oracle/structures.js";

const enabled = requireOracle("emt-oracle");

interface CalcOut { energy: number; forces: number[][]; energies: number[]; stress?: number[] }

function compare(ours: Atoms, asapCutoff: boolean, ref: CalcOut, label: string): void {
  const r = new EMT({ asapCutoff }).calculate(ours);
  expect(Math.abs(r.energy - ref.energy), `${label}: energy ${r.energy} vs ASE ${ref.energy}`).toBeLessThanOrEqual(1e-9);
  let df = 0;
  ref.forces.forEach((f, i) => f.forEach((v, k) => (df = Math.max(df, Math.abs(v - r.forces[3 * i + k]!)))));
  expect(df, `${label}: max |dF|`).toBeLessThanOrEqual(1e-9);
  let de = 0;
  ref.energies.forEach((v, i) => (de = Math.max(de, Math.abs(v - r.energies[i]!))));
  expect(de, `${label}: max |d energies|`).toBeLessThanOrEqual(1e-9);
  if (ref.stress) {
    expect(r.stress, `${label}: stress present`).toBeDefined();
    const ds = Math.max(...ref.stress.map((v, k) => Math.abs(v - r.stress![k]!)));
    expect(ds, `${label}: max |dstress|`).toBeLessThanOrEqual(1e-10);
  } else {
    expect(r.stress, `${label}: no stress without a 3-D cell`).toBeUndefined();
  }
}

describe.runIf(enabled)(`EMT vs ASE (seed ${RUN_SEED})`, { timeout: 180_000 }, () => {
  const builds = [
    "bulk('Cu')", "bulk('Cu', 'fcc', a=3.6, cubic=True)", "molecule('N2')", "bulk('Al')", "bulk('Au')", "bulk('Pt')",
    "bulk('Ni')", "bulk('Ag')", "bulk('Pd')", "fcc111('Cu', (2,2,3), vacuum=10)", "fcc100('Au', (2,2,4), vacuum=6)",
    "fcc110('Pt', (2,1,3), vacuum=5)", "fcc211('Ag', (3,2,3), vacuum=6)", "bulk('Cu', cubic=True) * (3,3,3)",
    "molecule('H2O')", "molecule('CH4')", "bulk('Ni', cubic=True) * (2,2,2)",
  ];
  let built: Atoms[] = [];
  const random: { atoms: Atoms; label: string }[] = [];
  beforeAll(async () => {
    const res = await runOracle<Parameters<typeof Atoms.fromJSON>[0]>(builds.map((expr) => ({ kind: "build", expr, rattle: expr.includes("*") ? 0.05 : 0, seed: 7 })));
    built = res.map((j) => Atoms.fromJSON(j));
    const rand = prng(RUN_SEED);
    const kinds = ["alloy", "alloy", "alloy", "slab", "slab", "wire", "cluster", "thin", "thin", "skewed", "skewed", "light"] as const;
    kinds.forEach((k, n) => random.push({ atoms: randomStructure(k, rand), label: `${k}#${n}` }));
    random.push({ atoms: rattledCu32(), label: "rattled Cu32" }, { atoms: quaccTestCell(), label: "quacc test cell" });
  });

  for (const asapCutoff of [false, true]) {
    it(`ASE-built SPEC systems, asapCutoff=${asapCutoff}`, async () => {
      const refs = await runOracle<CalcOut>(built.map((a) => ({ kind: "calc", atoms: oracleAtoms(a), calc: { name: "EMT", asap_cutoff: asapCutoff } })));
      refs.forEach((ref, i) => compare(built[i]!, asapCutoff, ref, builds[i]!));
    });
    it(`random alloys, mixed pbc, thin and skewed cells, asapCutoff=${asapCutoff}`, async () => {
      const refs = await runOracle<CalcOut>(random.map(({ atoms }) => ({ kind: "calc", atoms: oracleAtoms(atoms), calc: { name: "EMT", asap_cutoff: asapCutoff } })));
      refs.forEach((ref, i) => compare(random[i]!.atoms, asapCutoff, ref, `${random[i]!.label} (seed ${RUN_SEED})`));
    });
  }
});
