import { describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { Atoms } from "../src/atoms/atoms.js";
import { bulk } from "../src/build/bulk.js";
import { makeSlabsFromBulk, type MakeSlabsOptions, type SlabInfo } from "../src/slabs/make-slabs.js";
import { distinctMillerIndices } from "../src/slabs/miller.js";
import { crystalSystem, trigonalLattice } from "../src/symmetry/crystal-system.js";
import { det3 } from "../src/atoms/linalg3.js";
import { cellFromParameters, lllReduce, surfaceNormal } from "../src/symmetry/lattice.js";
import { requireOracle, runPyOracle, toOracle } from "./io-oracle.js";

const runOracle = requireOracle("slabs");
const info = (s: Atoms): SlabInfo => s.info as unknown as SlabInfo;
const ps = (a: Atoms) => ({ cell: Array.from(a.cell), frac: a.getScaledPositions(true).flat(), numbers: Array.from(a.numbers) });

/** A crystal from a cell (rows) and fractional positions. */
function crystal(numbers: number[], frac: number[][], cell: number[]): Atoms {
  const a = new Atoms({ numbers, positions: new Float64Array(3 * numbers.length), cell, pbc: true });
  a.setScaledPositions(frac.flat());
  return a;
}

/** Bi (A7, R-3m) in the hexagonal setting: 6 atoms, a = 4.546, c = 11.862, u = 0.2339. */
function bismuthHex(): Atoms {
  const u = 0.2339;
  const frac: number[][] = [];
  for (const t of [[0, 0, 0], [2 / 3, 1 / 3, 1 / 3], [1 / 3, 2 / 3, 2 / 3]]) for (const z of [u, -u]) frac.push([t[0]!, t[1]!, (((t[2]! + z) % 1) + 1) % 1]);
  return crystal(Array(6).fill(83), frac, cellFromParameters(4.546, 4.546, 11.862, 90, 90, 120));
}

/** The same Bi in its 2-atom rhombohedral primitive cell ((2a+b+c)/3, (-a+b+c)/3, (-a-2b+c)/3). */
function bismuthRhombohedral(): Atoms {
  const h = cellFromParameters(4.546, 4.546, 11.862, 90, 90, 120);
  const t = [2, 1, 1, -1, 1, 1, -1, -2, 1];
  const cell = [0, 1, 2].flatMap((r) => [0, 1, 2].map((k) => (t[3 * r]! * h[k]! + t[3 * r + 1]! * h[3 + k]! + t[3 * r + 2]! * h[6 + k]!) / 3));
  return crystal([83, 83], [[0.2339, 0.2339, 0.2339], [0.7661, 0.7661, 0.7661]], cell);
}

/** CdI2 (P-3m1): a primitive (not R-centred) trigonal crystal. */
function cdi2(): Atoms {
  return crystal([48, 53, 53], [[0, 0, 0], [1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]], cellFromParameters(4.24, 4.24, 6.84, 90, 90, 120));
}

describe("crystal system and the trigonal rule (SPEC 4.2)", () => {
  it("finds the crystal system from the crystal's point group, not the lattice's", () => {
    expect(crystalSystem(ps(bulk("Cu")))).toBe("cubic");
    expect(crystalSystem(ps(bulk("Mg")))).toBe("hexagonal");
    expect(crystalSystem(ps(bismuthHex()))).toBe("trigonal"); // hexagonal metric, rhombohedral crystal
    expect(crystalSystem(ps(bulk("Ti", { orthorhombic: true })))).toBe("hexagonal");
    expect(trigonalLattice(ps(bulk("Cu")))).toBeUndefined();
  });

  it("recovers the hexagonal-setting lattice (a, c, centring) from any cell of the crystal", () => {
    for (const a of [bismuthHex(), bismuthRhombohedral()]) {
      const t = trigonalLattice(ps(a))!;
      expect(t.centring).toBe("R");
      expect(t.a).toBeCloseTo(4.546, 9);
      expect(t.c).toBeCloseTo(11.862, 9);
    }
    const p = trigonalLattice(ps(cdi2()))!;
    expect([p.centring, +p.a.toFixed(9), +p.c.toFixed(9)]).toEqual(["P", 4.24, 6.84]);
  });

  it("deduplicates in the rhombohedral setting (fewer symmetry operations than the hexagonal lattice holohedry)", () => {
    const bi = bismuthHex();
    const withRule = distinctMillerIndices(bi.cell, 1, { order: "legacy", trigonal: trigonalLattice(ps(bi)) });
    const without = distinctMillerIndices(bi.cell, 1, { order: "legacy" });
    expect(withRule).toEqual([[1, 1, 1], [1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, -1], [0, 0, 1]]);
    expect(withRule).not.toEqual(without);
  });
});

interface PmSlab { c_cos: number; miller: number[]; natoms: number; free: number; n1x1: number; symmetric: boolean | null; heights: number[]; numbers: number[]; broken_bonds: number; energy: number; alternatives: number[][] | null }
interface PmMillers { crystal_system: string; space_group: number; millers: number[][] }

function layerHeights(s: Atoms, rep: [number, number, number]): { uniq: number[]; n1: number } {
  const m = surfaceNormal(s.cell);
  const h = s.getPositions().map((p) => p[0]! * m[0] + p[1]! * m[1] + p[2]! * m[2]);
  const lo = Math.min(...h);
  return { uniq: h.map((x) => x - lo), n1: s.length / (rep[0] * rep[1]) };
}

/** One slab as comparable text: Miller index, atoms, free atoms, broken bonds, symmetry, 1x1 composition and layer heights (1e-4 A). */
function signature(miller: number[], natoms: number, free: number, broken: number, sym: boolean | null, numbers: number[], heights: number[]): string {
  const uniq = [...new Set(heights.map((x) => x.toFixed(4)))].sort((a, b) => +a - +b);
  return `${miller.join(",")} N=${natoms} free=${free} broken=${broken} sym=${sym} ${numbers.join(",")} | ${uniq.join(" ")}`;
}

/**
 * Compare our slabs (legacy order, no flips) with pymatgen's: the same Miller indices in the same
 * order, and per index the same terminations. Terminations are compared as a set: pymatgen orders
 * them by shift, and a termination at the cell boundary comes out as shift 0 or 1 - 1e-16 depending
 * on floating-point noise, which moves it first or last.
 */
function expectSameSlabs(name: string, ours: Atoms[], pm: PmSlab[]): void {
  const dedupe = (xs: number[][]) => xs.filter((m, i) => i === 0 || m.join() !== xs[i - 1]!.join());
  expect(dedupe(ours.map((s) => info(s).millerIndex)), name).toEqual(dedupe(pm.map((p) => p.miller)));
  const mine = ours.map((s) => {
    const { uniq, n1 } = layerHeights(s, info(s).supercell);
    const nums = Array.from(s.numbers.slice(0, n1)).sort((a, b) => a - b); // repeat() tiles whole copies of the 1x1 cell
    return signature(info(s).millerIndex, s.length, s.length - s.fixed.length, info(s).brokenBonds, info(s).symmetric, nums, uniq);
  });
  const theirs = pm.map((p, k) => {
    const sym = p.symmetric === null ? null : p.symmetric;
    return signature(p.miller, p.natoms, p.free, p.broken_bonds, sym, p.numbers, p.heights).replace(/sym=null/, "sym=" + (sym ?? info(ours[k]!).symmetric));
  });
  if (pm.every((p) => !p.alternatives)) {
    expect([...mine].sort(), name).toEqual([...theirs].sort());
    return;
  }
  // with alternatives: the same slabs up to heights, and our heights are those of a termination
  // pymatgen's StructureMatcher equates with its pick
  const head = (x: string) => x.split(" | ")[0]!;
  expect(mine.map(head).sort(), name).toEqual(theirs.map(head).sort());
  const left = pm.map((p, k) => ({ p, sig: head(theirs[k]!) }));
  mine.forEach((sig, k) => {
    const hs = sig.split(" | ")[1]!;
    const at = left.findIndex(({ p, sig: t }) => t === head(sig) && p.alternatives!.some((a) => signature([], 0, 0, 0, null, [], a).split(" | ")[1] === hs));
    expect(at, `${name}: our slab ${k} (${sig}) is none of pymatgen's equivalent terminations`).toBeGreaterThanOrEqual(0);
    left.splice(at, 1);
  });
}

const snake = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()), v]));

describe.runIf(runOracle)("trigonal crystals equal pymatgen 2022.11.7 (oracle)", () => {
  const cases = [
    { name: "Bi hexagonal setting", atoms: bismuthHex() },
    { name: "Bi rhombohedral cell", atoms: bismuthRhombohedral() },
    { name: "CdI2 P-3m1", atoms: cdi2() },
  ];

  it("crystal system and distinct Miller indices, maxIndex 1 and 2", async () => {
    const tasks = cases.flatMap((c) => [1, 2].map((m) => ({ bulk: toOracle(c.atoms), max_index: m, crystal_system: true })));
    const res = (await runPyOracle<PmMillers>("slabs_oracle.py", tasks)) as PmMillers[];
    cases.forEach((c, i) => [1, 2].forEach((m, j) => {
      const pm = res[2 * i + j]!;
      expect(pm.crystal_system).toBe("trigonal");
      expect(crystalSystem(ps(c.atoms)), c.name).toBe(pm.crystal_system);
      const ours = distinctMillerIndices(c.atoms.cell, m, { order: "legacy", trigonal: trigonalLattice(ps(c.atoms)) });
      expect(ours, `${c.name} max ${m}`).toEqual(pm.millers);
    }));
  }, 120_000);

  it("maxIndex 1 slabs: Miller indices, terminations, atom counts, free atoms and layer heights", async () => {
    const res = await runPyOracle<PmSlab[]>("slabs_oracle.py", cases.map((c) => ({ bulk: toOracle(c.atoms), max_index: 1, alternatives: true })));
    cases.forEach((c, i) => expectSameSlabs(c.name, makeSlabsFromBulk(c.atoms, { millerOrder: "legacy", flipAsymmetric: false }), res[i]!));
  }, 300_000);
});

describe.runIf(runOracle)("bonds, maxBrokenBonds, repair and symmetrize equal pymatgen's get_slabs (oracle)", () => {
  const zns = bulk("ZnS", { crystalstructure: "zincblende", a: 5.41 });
  const znsCubic = bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true });
  const nacl = bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64 });
  const naclCubic = bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true });
  const cscl = bulk("CsCl", { crystalstructure: "cesiumchloride", a: 4.12 });
  const cases: { name: string; atoms: Atoms; max: number; kw: MakeSlabsOptions }[] = [
    { name: "ZnS bonds max 1", atoms: zns, max: 2, kw: { bonds: [["Zn", "S", 2.5]], maxBrokenBonds: 1 } },
    { name: "ZnS bonds max 3", atoms: zns, max: 2, kw: { bonds: [["Zn", "S", 2.5]], maxBrokenBonds: 3 } },
    { name: "NaCl bonds max 3", atoms: nacl, max: 2, kw: { bonds: [["Na", "Cl", 3.0]], maxBrokenBonds: 3 } },
    { name: "ZnS cubic symmetrize", atoms: znsCubic, max: 2, kw: { symmetrize: true } },
    { name: "ZnS symmetrize", atoms: zns, max: 1, kw: { symmetrize: true } },
    { name: "NaCl cubic symmetrize", atoms: naclCubic, max: 2, kw: { symmetrize: true } },
    { name: "ZnS bonds + symmetrize", atoms: zns, max: 2, kw: { bonds: [["Zn", "S", 2.5]], maxBrokenBonds: 3, symmetrize: true } },
    { name: "CsCl bonds + symmetrize", atoms: cscl, max: 2, kw: { bonds: [["Cs", "Cl", 3.6]], maxBrokenBonds: 4, symmetrize: true } },
    { name: "ZnS repair", atoms: zns, max: 2, kw: { bonds: [["Zn", "S", 2.5]], maxBrokenBonds: 1, repair: true } },
    { name: "ZnS cubic repair (S-Zn rule)", atoms: znsCubic, max: 1, kw: { bonds: [["S", "Zn", 2.5]], repair: true } },
  ];

  it("Miller indices, terminations, broken bonds, compositions, symmetry flags and layer heights", async () => {
    const res = await runPyOracle<PmSlab[]>("slabs_oracle.py", cases.map((c) => ({ bulk: toOracle(c.atoms), max_index: c.max, kwargs: snake(c.kw) })));
    let total = 0;
    cases.forEach((c, i) => {
      const ours = makeSlabsFromBulk(c.atoms, { maxIndex: c.max, millerOrder: "legacy", flipAsymmetric: false, ...c.kw });
      expectSameSlabs(c.name, ours, res[i]!);
      total += ours.length;
    });
    expect(total).toBeGreaterThan(30);
  }, 300_000);
});

describe.runIf(runOracle)("lllReduce equals pymatgen's lll_reduce (oracle)", () => {
  it("Cu (primitive, cubic), ZnS, Mg: same slabs, and c as perpendicular to the surface as pymatgen's", async () => {
    const cases: [Atoms, number][] = [[bulk("Cu"), 2], [bulk("Cu", { cubic: true }), 2], [bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true }), 1], [bulk("Mg"), 1]];
    const res = await runPyOracle<PmSlab[]>("slabs_oracle.py", cases.map(([a, m]) => ({ bulk: toOracle(a), max_index: m, kwargs: { lll_reduce: true } })));
    const cosC = (s: Atoms): number => {
      const n = surfaceNormal(s.cell);
      const c = [s.cell[6]!, s.cell[7]!, s.cell[8]!];
      return Math.abs(c[0]! * n[0] + c[1]! * n[1] + c[2]! * n[2]) / Math.hypot(c[0]!, c[1]!, c[2]!);
    };
    let tilted = 0;
    cases.forEach(([a, m], i) => {
      const name = `${a.formula()} max ${m}`;
      const ours = makeSlabsFromBulk(a, { maxIndex: m, millerOrder: "legacy", flipAsymmetric: false, lllReduce: true });
      const plain = makeSlabsFromBulk(a, { maxIndex: m, millerOrder: "legacy", flipAsymmetric: false });
      expectSameSlabs(name, ours, res[i]!);
      ours.forEach((s, k) => {
        expect(Math.abs(cosC(s) - res[i]![k]!.c_cos), `${name} ${info(s).millerIndex} c tilt`).toBeLessThan(1e-6);
        expect(cosC(s)).toBeGreaterThanOrEqual(cosC(plain[k]!) - 1e-9);
        if (cosC(s) > cosC(plain[k]!) + 1e-3) tilted++;
      });
    });
    expect(tilted).toBeGreaterThan(3); // the reduction really straightens oblique c vectors
  }, 300_000);
});

describe("lllReduce (lattice)", () => {
  it("returns a unimodular transform to a shorter, equivalent basis", () => {
    const cell = [3, 0, 0, 2.9, 1, 0, 5.5, 2.2, 7];
    const { cell: red, transform: p } = lllReduce(cell);
    expect(Math.abs(Math.round(det3(p)))).toBe(1);
    const back = [0, 1, 2].flatMap((r) => [0, 1, 2].map((k) => p[3 * r]! * cell[k]! + p[3 * r + 1]! * cell[3 + k]! + p[3 * r + 2]! * cell[6 + k]!));
    back.forEach((x, i) => expect(x).toBeCloseTo(red[i]!, 12));
    const len = (m: number[], i: number) => Math.hypot(m[3 * i]!, m[3 * i + 1]!, m[3 * i + 2]!);
    expect(len(red, 1)).toBeLessThan(len(cell, 1));
    expect(len(red, 2)).toBeLessThan(len(cell, 2));
  });
});

describe("bonds and symmetrize options", () => {
  const zns = bulk("ZnS", { crystalstructure: "zincblende", a: 5.41 });

  it("maxBrokenBonds filters terminations and slabs come sorted by broken bonds within each Miller index", () => {
    const bonds: MakeSlabsOptions["bonds"] = [["Zn", "S", 2.5]];
    const loose = makeSlabsFromBulk(zns, { maxIndex: 2, bonds, maxBrokenBonds: 3, flipAsymmetric: false });
    const strict = makeSlabsFromBulk(zns, { maxIndex: 2, bonds, maxBrokenBonds: 1, flipAsymmetric: false });
    expect(strict.length).toBeGreaterThan(0);
    expect(strict.length).toBeLessThan(loose.length);
    expect(strict.every((s) => info(s).brokenBonds <= 1)).toBe(true);
    expect(loose.some((s) => info(s).brokenBonds > 1)).toBe(true);
    const unbonded = makeSlabsFromBulk(zns, { maxIndex: 2, flipAsymmetric: false });
    expect(unbonded.every((s) => info(s).brokenBonds === 0)).toBe(true);
  });

  it("symmetrize replaces polar zincblende (210) slabs by symmetric, non-stoichiometric ones (no flipped copies needed)", () => {
    const cubic = bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true });
    const plain = makeSlabsFromBulk(cubic, { millerIndices: [[2, 1, 0]], flipAsymmetric: false });
    expect(plain.some((s) => !info(s).symmetric)).toBe(true);
    const sym = makeSlabsFromBulk(cubic, { millerIndices: [[2, 1, 0]], symmetrize: true });
    expect(sym.map((s) => s.formula()).sort()).toEqual(["S44Zn48", "S48Zn44"]);
    for (const s of sym) {
      expect(info(s).symmetric).toBe(true);
      expect(info(s).flipped).toBe(false);
    }
  });

  it("invalid bond rules and repair without bonds are reported clearly", () => {
    const err = (o: unknown): string => {
      try {
        makeSlabsFromBulk(zns, o as MakeSlabsOptions);
      } catch (e) {
        expect(e).toBeInstanceOf(LatticeworkError);
        return (e as Error).message;
      }
      return "";
    };
    expect(err({ bonds: [["Zn", "Xx", 2.5]] })).toMatch(/\[slabs\].*bonds.*chemical symbols/s);
    expect(err({ bonds: [["Zn", "S", -1]] })).toMatch(/bonds/);
    expect(err({ repair: true })).toMatch(/repair needs bonds/);
    expect(err({ maxBrokenBonds: -1, symmetrize: "yes" })).toMatch(/maxBrokenBonds[\s\S]*symmetrize|symmetrize[\s\S]*maxBrokenBonds/);
  });
});
