/** Reduced and anonymous formulas vs pymatgen 2022.11.7 (Debian's python3-pymatgen), on fixed and random compositions. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { anonymousFormula, reducedFormula } from "../src/jobs/formula.js";
import { structureMetadata, moleculeMetadata } from "../src/jobs/metadata.js";
import { bulk } from "../src/build/bulk.js";
import { molecule } from "../src/build/molecule.js";
import { ORACLE_PYTHON, requireOracle } from "./oracle/oracle.js";
import { prng, RUN_SEED } from "./oracle/structures.js";

const enabled = requireOracle("formula-oracle");

const SCRIPT = `
import json, sys, warnings
warnings.filterwarnings("ignore")
from pymatgen.core import Composition
out = []
for d in json.load(sys.stdin):
    c = Composition(d)
    out.append([c.reduced_formula, c.anonymized_formula])
print(json.dumps(out))
`;

function pymatgen(comps: Record<string, number>[]): [string, string][] {
  const r = spawnSync(ORACLE_PYTHON, ["-c", SCRIPT], { input: JSON.stringify(comps), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pymatgen oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as [string, string][];
}

const FIXED: Record<string, number>[] = [
  { Li: 4, Fe: 4, P: 4, O: 16 }, { Sr: 1, Ti: 1, O: 3 }, { C: 1, H: 4 }, { H: 2, O: 1 }, { Li: 2, O: 2 },
  { Na: 4, Cl: 4 }, { Cu: 108 }, { O: 2 }, { O: 3 }, { N: 2 }, { Fe: 4, O: 6 }, { Ca: 1, C: 1, O: 3 },
  { Ca: 1, N: 2, O: 6 }, { Cu: 3, Au: 1 }, { Pt: 1, Ni: 3, Al: 2 }, { H: 2, O: 2 }, { K: 1, O: 1 },
];

describe.runIf(enabled)(`formulas vs pymatgen (seed ${RUN_SEED})`, () => {
  it("reduced and anonymous formulas equal pymatgen's on fixed and random compositions", () => {
    const rand = prng(RUN_SEED + 31);
    const pool = ["H", "Li", "C", "N", "O", "F", "Na", "Al", "Si", "P", "S", "Cl", "Ca", "Ti", "Fe", "Ni", "Cu", "Ag", "Pt", "Au", "Sr", "Ba"];
    const random = Array.from({ length: 60 }, () => {
      const k = 1 + Math.floor(rand() * 4);
      const d: Record<string, number> = {};
      const scale = 1 + Math.floor(rand() * 3);
      while (Object.keys(d).length < k) d[pool[Math.floor(rand() * pool.length)]!] = scale * (1 + Math.floor(rand() * 6));
      return d;
    });
    const comps = [...FIXED, ...random];
    const ref = pymatgen(comps);
    comps.forEach((c, i) => {
      const m = new Map(Object.entries(c));
      expect(reducedFormula(m), JSON.stringify(c)).toBe(ref[i]![0]);
      expect(anonymousFormula(m), JSON.stringify(c)).toBe(ref[i]![1]);
    });
  });

  it("job metadata uses them: rocksalt NaCl, CH4 and H2O", () => {
    expect(structureMetadata(bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64 })).formulaPretty).toBe(pymatgen([{ Na: 1, Cl: 1 }])[0]![0]);
    expect(moleculeMetadata(molecule("CH4")).formulaPretty).toBe("H4C");
    expect(moleculeMetadata(molecule("H2O")).formulaPretty).toBe("H2O");
  });
});
