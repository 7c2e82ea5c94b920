import { describe, expect, it } from "vitest";
import { bulk } from "../src/build/bulk.js";
import { cellFromParameters, gaussReduce2D, reduceBasis, reciprocalCell } from "../src/symmetry/lattice.js";
import { findSymmetryOperations, latticePointGroup, pointGroupOperations } from "../src/symmetry/symmetry.js";
import { distinctMillerIndices } from "../src/slabs/miller.js";
import type { Atoms } from "../src/atoms/atoms.js";
import { requireOracle, runPyOracle } from "./io-oracle.js";

const runOracle = requireOracle("symmetry");

const struct = (a: Atoms) => ({ cell: a.cell, frac: a.getScaledPositions(true).flat(), numbers: a.numbers });

describe("lattice point groups (holohedries)", () => {
  const cases: [string, number[], number][] = [
    ["cubic", cellFromParameters(3, 3, 3, 90, 90, 90), 48],
    ["fcc primitive", Array.from(bulk("Cu").cell), 48],
    ["bcc primitive", Array.from(bulk("Fe").cell), 48],
    ["hexagonal", cellFromParameters(3, 3, 5, 90, 90, 120), 24],
    ["rhombohedral", cellFromParameters(3, 3, 3, 70, 70, 70), 12],
    ["tetragonal", cellFromParameters(3, 3, 5, 90, 90, 90), 16],
    ["orthorhombic", cellFromParameters(3, 4, 5, 90, 90, 90), 8],
    ["monoclinic", cellFromParameters(3, 4, 5, 90, 100, 90), 4],
    ["triclinic", cellFromParameters(3, 4, 5, 80, 100, 95), 2],
  ];
  for (const [name, cell, order] of cases) {
    it(`${name}: ${order} operations, all metric-preserving, identity first`, () => {
      const ops = latticePointGroup(cell);
      expect(ops.length).toBe(order);
      expect(ops[0]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      // closure: the product of two operations is an operation
      const key = (w: number[]): string => w.join(",");
      const set = new Set(ops.map(key));
      for (const a of ops.slice(0, 6)) for (const b of ops) {
        const p = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!));
        expect(set.has(key(p))).toBe(true);
      }
    });
  }

  it("a skewed (non-reduced) basis of the cubic lattice still gives 48 operations", () => {
    const c = [3, 0, 0, 3, 3, 0, 6, 3, 3]; // rows a, a+b, 2a+b+c
    expect(latticePointGroup(c).length).toBe(48);
  });
});

describe("space-group operations (spglib-like)", () => {
  const cases: [string, Atoms, number, number][] = [
    ["fcc Cu conventional (Fm-3m)", bulk("Cu", { cubic: true }), 192, 48],
    ["fcc Cu primitive", bulk("Cu"), 48, 48],
    ["bcc Fe conventional (Im-3m)", bulk("Fe", { cubic: true }), 96, 48],
    ["rocksalt NaCl conventional (Fm-3m)", bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true }), 192, 48],
    ["zincblende ZnS conventional (F-43m)", bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true }), 96, 24],
    ["diamond Si conventional (Fd-3m)", bulk("Si", { cubic: true }), 192, 48],
    ["hcp Mg (P6_3/mmc)", bulk("Mg"), 24, 24],
    ["CsCl (Pm-3m)", bulk("CsCl", { crystalstructure: "cesiumchloride", a: 4.1 }), 48, 48],
  ];
  for (const [name, atoms, nops, npg] of cases) {
    it(`${name}: ${nops} operations, point group order ${npg}`, () => {
      expect(findSymmetryOperations(struct(atoms)).length).toBe(nops);
      expect(pointGroupOperations(struct(atoms)).length).toBe(npg);
    });
  }

  it("a rattled cell keeps only the identity (tight symprec) but recovers the symmetry with a loose one", () => {
    const a = bulk("Cu", { cubic: true });
    const p = a.getPositions();
    p[1]![0]! += 0.03;
    a.setPositions(p);
    expect(findSymmetryOperations(struct(a), { symprec: 1e-3 }).length).toBeLessThan(192);
    expect(findSymmetryOperations(struct(a), { symprec: 0.1 }).length).toBe(192);
  });

  it("operations map the structure onto itself", () => {
    const a = bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true });
    const s = struct(a);
    for (const op of findSymmetryOperations(s)) {
      for (let i = 0; i < a.length; i++) {
        const f = [s.frac[3 * i]!, s.frac[3 * i + 1]!, s.frac[3 * i + 2]!];
        const img = [0, 1, 2].map((r) => op.rotation[3 * r]! * f[0]! + op.rotation[3 * r + 1]! * f[1]! + op.rotation[3 * r + 2]! * f[2]! + op.translation[r]!);
        const hit = Array.from({ length: a.length }, (_, j) => j).some((j) => a.numbers[j] === a.numbers[i] && [0, 1, 2].every((k) => { const d = img[k]! - s.frac[3 * j + k]!; return Math.abs(d - Math.round(d)) < 1e-8; }));
        expect(hit).toBe(true);
      }
    }
  });
});

describe("lattice reduction helpers", () => {
  it("reduceBasis returns a unimodular transform to a shorter basis of the same lattice", () => {
    const c = [3, 0, 0, 3, 3, 0, 6, 3, 3];
    const { cell, transform } = reduceBasis(c);
    const rebuilt = [0, 1, 2].flatMap((r) => [0, 1, 2].map((k) => transform[3 * r]! * c[k]! + transform[3 * r + 1]! * c[3 + k]! + transform[3 * r + 2]! * c[6 + k]!));
    expect(rebuilt.map((x) => Math.round(x * 1e9) / 1e9)).toEqual(cell.map((x) => Math.round(x * 1e9) / 1e9));
    expect(cell.map(Math.abs).sort()).toEqual([0, 0, 0, 0, 0, 0, 3, 3, 3]);
  });
  it("gaussReduce2D finds the shortest pair", () => {
    const r = gaussReduce2D([1, 0, 0], [10.5, 1, 0]);
    expect(r.u).toEqual([1, 0, 0]);
    expect(Math.hypot(...r.v)).toBeCloseTo(Math.hypot(0.5, 1), 12);
  });
});

describe("distinct Miller indices (SPEC 4.2)", () => {
  it("primitive fcc, maxIndex 1: the four quacc facets in product order", () => {
    expect(distinctMillerIndices(bulk("Cu").cell, 1, { order: "legacy" })).toEqual([[1, 1, 1], [1, 1, 0], [1, 1, -1], [1, 0, -1]]);
  });
  it("primitive fcc, maxIndex 2, both orders (SPEC 4.5)", () => {
    expect(distinctMillerIndices(bulk("Cu").cell, 2, { order: "legacy" })).toEqual([[1, 1, 1], [2, 2, 1], [1, 1, 0], [2, 2, -1], [2, 1, 1], [2, 1, -1], [2, 1, -2], [2, 0, -1], [2, -1, -1]]);
    expect(distinctMillerIndices(bulk("Cu").cell, 2)).toEqual([[1, 1, 1], [1, 1, 0], [1, 1, -1], [1, 0, -1], [2, 2, -1], [2, 1, -1], [2, 1, -2], [2, 0, -1], [2, -1, -1]]);
  });
  it("cubic cell: 3, 6 and 13 families for maxIndex 1, 2, 3", () => {
    const c = bulk("Cu", { cubic: true }).cell;
    expect(distinctMillerIndices(c, 1)).toEqual([[1, 1, 1], [1, 1, 0], [1, 0, 0]]);
    expect(distinctMillerIndices(c, 2)).toEqual([[1, 1, 1], [1, 1, 0], [1, 0, 0], [2, 2, 1], [2, 1, 1], [2, 1, 0]]);
    expect(distinctMillerIndices(c, 3).length).toBe(13);
  });
  it("rejects a non-positive maxIndex", () => {
    expect(() => distinctMillerIndices(bulk("Cu").cell, 0)).toThrow(/maxIndex must be a positive integer/);
  });
  it("reciprocal cell satisfies a_i . b_j = delta_ij", () => {
    const a = Array.from(bulk("Fe").cell);
    const b = reciprocalCell(a);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const d = a[3 * i]! * b[3 * j]! + a[3 * i + 1]! * b[3 * j + 1]! + a[3 * i + 2]! * b[3 * j + 2]!;
      expect(d).toBeCloseTo(i === j ? 1 : 0, 12);
    }
  });
});

describe.runIf(runOracle)("distinct Miller indices equal pymatgen 2022.11.7's (oracle)", () => {
  it("fcc Cu/Al/Au (primitive and cubic, maxIndex 1-3), bcc Fe, rocksalt NaCl, hcp Mg and Ti", async () => {
    const cases: [string, Atoms, number][] = [];
    for (const el of ["Cu", "Al", "Au"]) for (const cubic of [false, true]) for (const m of [1, 2, 3]) cases.push([`${el} cubic=${cubic} max ${m}`, bulk(el, { cubic }), m]);
    cases.push(["Fe bcc max 2", bulk("Fe"), 2], ["Fe cubic max 2", bulk("Fe", { cubic: true }), 2]);
    cases.push(["NaCl cubic max 2", bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true }), 2]);
    cases.push(["hcp Mg max 2", bulk("Mg"), 2], ["orthorhombic hcp Ti max 2", bulk("Ti", { orthorhombic: true }), 2]);
    const script = `
import json, sys, warnings
warnings.filterwarnings("ignore")
from pymatgen.core import Structure, Lattice
from pymatgen.core.surface import get_symmetrically_distinct_miller_indices
out = []
for t in json.load(sys.stdin)["tasks"]:
    s = Structure(Lattice(t["cell"]), t["species"], t["frac"])
    out.append([list(m) for m in get_symmetrically_distinct_miller_indices(s, t["max"])])
json.dump({"results": out}, sys.stdout)
`;
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "lw-miller-"));
    writeFileSync(join(dir, "miller.py"), script);
    const { spawnSync } = await import("node:child_process");
    const tasks = cases.map(([, a, m]) => ({ cell: a.getCell(), species: a.symbols, frac: a.getScaledPositions(), max: m }));
    const r = spawnSync("/usr/bin/python3", [join(dir, "miller.py")], { input: JSON.stringify({ tasks }), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout).results as number[][][];
    cases.forEach(([name, a, m], i) => {
      expect(distinctMillerIndices(a.cell, m, { order: "legacy" }), name).toEqual(res[i]);
    });
  }, 300_000);
});

void runPyOracle;
