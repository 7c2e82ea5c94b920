import { describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { bulk } from "../src/build/bulk.js";
import { makeSlabsFromBulk, type SlabInfo } from "../src/slabs/make-slabs.js";
import { surfaceNormal } from "../src/symmetry/lattice.js";
import { EMT } from "../src/calculators/emt.js";
import type { Atoms } from "../src/atoms/atoms.js";
import { requireOracle, runPyOracle, toOracle } from "./io-oracle.js";

const runOracle = requireOracle("slabs");
const info = (s: Atoms): SlabInfo => s.info as unknown as SlabInfo;

function heights(s: Atoms): number[] {
  const m = surfaceNormal(s.cell);
  return s.getPositions().map((p) => p[0]! * m[0] + p[1]! * m[1] + p[2]! * m[2]);
}

describe("makeSlabsFromBulk: quacc defaults on Cu (SPEC 4.5)", () => {
  const slabs = makeSlabsFromBulk(bulk("Cu"));

  it("primitive bulk Cu, maxIndex 1: 4 slabs, sorted atom counts [64, 80, 80, 96]", () => {
    expect(slabs.map((s) => s.length).sort((a, b) => a - b)).toEqual([64, 80, 80, 96]);
    expect(slabs.map((s) => info(s).millerIndex)).toEqual([[1, 1, 1], [1, 1, 0], [1, 1, -1], [1, 0, -1]]);
  });

  it("supercells, free atoms and c lengths match SPEC's table", () => {
    expect(slabs.map((s) => info(s).supercell)).toEqual([[4, 4, 1], [4, 4, 1], [4, 2, 1], [4, 2, 1]]);
    expect(slabs.map((s) => s.length - s.fixed.length)).toEqual([16, 32, 16, 16]);
    const c = slabs.map((s) => s.cellParameters()[2]);
    [38.289832, 45.947799, 74.027009, 61.263732].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 5));
    const angles = slabs.map((s) => s.cellParameters().slice(3).map((x) => Math.round(x * 1e4) / 1e4));
    expect(angles).toEqual([[120, 120, 60], [120, 60, 90], [30, 60, 73.2213], [30, 60, 54.7356]]);
  });

  it("only atoms within zFix of the top surface (along a x b) are free; pbc is T,T,T", () => {
    for (const s of slabs) {
      const h = heights(s);
      const top = Math.max(...h);
      const fixed = new Set(s.fixed);
      h.forEach((x, i) => expect(fixed.has(i)).toBe(x < top - 2));
      expect(s.pbc).toEqual([true, true, true]);
    }
  });

  it("slabs are centred: the middle of the slab sits at c/2", () => {
    for (const s of slabs) {
      const f = s.getScaledPositions(false).map((p) => p[2]!);
      expect((Math.min(...f) + Math.max(...f)) / 2).toBeCloseTo(0.5, 6);
    }
  });

  it("records Miller index, shift, scale factor and the bulk in info (slab_stats like quacc)", () => {
    const i0 = info(slabs[0]!);
    expect(i0.shift).toBe(0.5);
    expect(i0.scaleFactor).toEqual([[-1, 1, 0], [-1, 0, 1], [1, 0, 0]]);
    expect(i0.slab_stats.miller_index).toEqual([1, 1, 1]);
    expect(i0.slab_stats.bulk.numbers).toEqual([29]);
    expect(i0.symmetric).toBe(true);
  });

  it("maxIndex 2 (primitive): SPEC's sorted counts and newer-pymatgen representatives by default", () => {
    const s2 = makeSlabsFromBulk(bulk("Cu"), { maxIndex: 2 });
    expect(s2.map((s) => s.length).sort((a, b) => a - b)).toEqual([64, 72, 80, 80, 84, 96, 112, 112, 128]);
    const legacy = makeSlabsFromBulk(bulk("Cu"), { maxIndex: 2, millerOrder: "legacy" });
    expect(legacy.map((s) => s.length).sort((a, b) => a - b)).toEqual([72, 80, 80, 84, 96, 96, 112, 112, 128]);
  });

  it("cubic input, maxIndex 1: 3 slabs [80, 96, 96] with SPEC's supercells", () => {
    const c = makeSlabsFromBulk(bulk("Cu", { cubic: true }));
    expect(c.map((s) => [info(s).millerIndex, s.length, info(s).supercell])).toEqual([
      [[1, 1, 1], 80, [4, 4, 1]],
      [[1, 1, 0], 96, [4, 3, 1]],
      [[1, 0, 0], 96, [4, 4, 1]],
    ]);
  });

  it("explicit millerIndices, zFix, minLengthWidth and slab/vacuum sizes are honoured", () => {
    const [s] = makeSlabsFromBulk(bulk("Cu", { cubic: true }), { millerIndices: [[1, 0, 0]], zFix: 0.5, minLengthWidth: 5, minSlabSize: 5, minVacuumSize: 10 });
    expect(info(s!).supercell).toEqual([2, 2, 1]);
    expect(s!.length).toBe(4 * 4); // ceil(5/3.61)=2 conventional cells = 4 layers of 1 atom, 2x2
    expect(s!.length - s!.fixed.length).toBe(4); // only the top layer
  });

  it("flipAsymmetric adds a flipped copy of polar zincblende (111) slabs, with the other surface on top", () => {
    const zns = bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true });
    const withFlip = makeSlabsFromBulk(zns, { millerIndices: [[1, 1, 1]] });
    const noFlip = makeSlabsFromBulk(zns, { millerIndices: [[1, 1, 1]], flipAsymmetric: false });
    const asym = noFlip.filter((s) => !info(s).symmetric).length;
    expect(asym).toBeGreaterThan(0);
    expect(withFlip.length).toBe(noFlip.length + asym);
    const flipped = withFlip.filter((s) => info(s).flipped);
    expect(flipped.length).toBe(asym);
    // the top-layer species of an asymmetric slab and its flipped copy differ
    const topSpecies = (s: Atoms): string => {
      const h = heights(s);
      const top = Math.max(...h);
      return [...new Set(s.symbols.filter((_, i) => h[i]! > top - 0.1))].join();
    };
    const idx = withFlip.findIndex((s) => info(s).flipped);
    expect(topSpecies(withFlip[idx]!)).not.toBe(topSpecies(withFlip[idx - 1]!));
  });

  it("allowedSurfaceSymbols drops slabs whose top surface has none of the symbols", () => {
    const zns = bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true });
    const all = makeSlabsFromBulk(zns, { millerIndices: [[1, 1, 1]], zFix: 0.1 });
    const zn = makeSlabsFromBulk(zns, { millerIndices: [[1, 1, 1]], zFix: 0.1, allowedSurfaceSymbols: ["Zn"] });
    expect(zn.length).toBeGreaterThan(0);
    expect(zn.length).toBeLessThan(all.length);
  });

  it("invalid options are all reported at once, prefixed [slabs]", () => {
    let err: unknown;
    try {
      makeSlabsFromBulk(bulk("Cu"), { maxIndex: 0, zFix: -1, wrong: true } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LatticeworkError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/maxIndex/);
    expect(msg).toMatch(/zFix/);
    expect(msg).toMatch(/wrong/);
    expect(() => makeSlabsFromBulk(bulk("Cu"), { millerIndices: [[0, 0, 0]] })).toThrow(/\(0, 0, 0\)/);
  });

  it("rejects a non-periodic input", () => {
    const b = bulk("Cu");
    b.pbc = [true, true, false];
    expect(() => makeSlabsFromBulk(b)).toThrow(/periodic in all three directions/);
  });
});

describe("slab geometries reproduce SPEC 4.6's EMT energies of pymatgen's slabs", () => {
  it("primitive Cu, maxIndex 2 (pymatgen 2022 representatives): E_initial within 1e-8 eV", () => {
    const expected: Record<string, number> = {
      "1,1,1": 11.233057206623883,
      "2,2,1": 12.804828221240982,
      "1,1,0": 14.175507076066447,
      "2,2,-1": 19.893495091430893,
      "2,1,1": 16.415849892765095,
      "2,1,-1": 13.617779048638718,
      "2,1,-2": 11.919873375874179,
      "2,0,-1": 16.52550532441827,
      "2,-1,-1": 18.468477009824507,
      "1,1,-1": 12.804828221242063,
      "1,0,-1": 10.943899928495055,
    };
    const calc = new EMT();
    const slabs = [...makeSlabsFromBulk(bulk("Cu"), { maxIndex: 2, millerOrder: "legacy" }), ...makeSlabsFromBulk(bulk("Cu"), { millerIndices: [[1, 1, -1], [1, 0, -1]] })];
    expect(slabs.length).toBe(11);
    for (const s of slabs) {
      const key = info(s).millerIndex.join(",");
      expect(Math.abs(calc.calculate(s, ["energy"]).energy! - expected[key]!), key).toBeLessThan(1e-8);
    }
  });
});

interface PmSlab { miller: number[]; natoms: number; free: number; supercell: number[]; symmetric: boolean; n1x1: number; abc: number[]; angles: number[]; heights: number[]; copies: number }

describe.runIf(runOracle)("slabs equal pymatgen 2022.11.7 + quacc defaults (oracle)", () => {
  it("Cu, Al, Au: primitive and cubic input, maxIndex 1 and 2 — Miller indices, atom counts, free atoms, layer heights", async () => {
    const cases: { name: string; atoms: Atoms; max: number }[] = [];
    for (const el of ["Cu", "Al", "Au"]) for (const cubic of [false, true]) for (const max of [1, 2]) cases.push({ name: `${el} cubic=${cubic} max=${max}`, atoms: bulk(el, { cubic }), max });
    const res = await runPyOracle<PmSlab[]>("slabs_oracle.py", cases.map((c) => ({ bulk: toOracle(c.atoms), max_index: c.max })));
    cases.forEach((c, i) => {
      const ours = makeSlabsFromBulk(c.atoms, { maxIndex: c.max, millerOrder: "legacy" });
      const pm = res[i]!;
      expect(ours.map((s) => info(s).millerIndex), c.name).toEqual(pm.map((p) => p.miller));
      expect(ours.map((s) => s.length), c.name).toEqual(pm.map((p) => p.natoms));
      expect(ours.map((s) => s.length - s.fixed.length), `${c.name} free`).toEqual(pm.map((p) => p.free));
      expect(ours.map((s) => info(s).supercell), c.name).toEqual(pm.map((p) => p.supercell));
      ours.forEach((s, k) => {
        // the 1x1 slab's atom heights along the surface normal
        const rep = info(s).supercell;
        const n1 = s.length / (rep[0] * rep[1]);
        expect(n1, `${c.name} ${pm[k]!.miller}`).toBe(pm[k]!.n1x1);
        const h = heights(s);
        const lo = Math.min(...h);
        const uniq = [...new Set(h.map((x) => (x - lo).toFixed(6)))].map(Number).sort((a, b) => a - b);
        const pmUniq = [...new Set(pm[k]!.heights.map((x) => x.toFixed(6)))].map(Number).sort((a, b) => a - b);
        expect(uniq.length, `${c.name} ${pm[k]!.miller} layers`).toBe(pmUniq.length);
        uniq.forEach((x, j) => expect(Math.abs(x - pmUniq[j]!), `${c.name} ${pm[k]!.miller} layer ${j}`).toBeLessThan(1e-6));
        // in-plane cell lengths of the 1x1 slab
        const [a, b] = s.cellParameters();
        expect(Math.abs(a / rep[0] - pm[k]!.abc[0]!) + Math.abs(b / rep[1] - pm[k]!.abc[1]!), `${c.name} ${pm[k]!.miller} ab`).toBeLessThan(1e-6);
      });
    });
  }, 300_000);

  it("hcp Mg and bcc Fe (primitive), maxIndex 1: Miller indices, terminations, atom counts and free atoms", async () => {
    const cases = [bulk("Mg"), bulk("Fe"), bulk("Ti", { orthorhombic: true })];
    const res = await runPyOracle<PmSlab[]>("slabs_oracle.py", cases.map((a) => ({ bulk: toOracle(a), max_index: 1 })));
    cases.forEach((a, i) => {
      const ours = makeSlabsFromBulk(a, { millerOrder: "legacy" });
      const name = a.formula();
      expect(ours.map((s) => info(s).millerIndex), name).toEqual(res[i]!.map((p) => p.miller));
      expect(ours.map((s) => s.length), name).toEqual(res[i]!.map((p) => p.natoms));
      expect(ours.map((s) => s.length - s.fixed.length), name).toEqual(res[i]!.map((p) => p.free));
    });
  }, 300_000);

  it("maxNormalSearch (most surface-normal c vector): same slabs as pymatgen", async () => {
    const cases = [bulk("Cu"), bulk("Cu", { cubic: true })];
    const res = await runPyOracle<PmSlab[]>("slabs_oracle.py", cases.map((a) => ({ bulk: toOracle(a), max_index: 2, max_normal_search: 1 })));
    cases.forEach((a, i) => {
      const ours = makeSlabsFromBulk(a, { maxIndex: 2, millerOrder: "legacy", maxNormalSearch: 1 });
      expect(ours.map((s) => info(s).millerIndex)).toEqual(res[i]!.map((p) => p.miller));
      expect(ours.map((s) => s.length)).toEqual(res[i]!.map((p) => p.natoms));
      expect(ours.map((s) => s.length - s.fixed.length)).toEqual(res[i]!.map((p) => p.free));
    });
  }, 300_000);

  it("slab symmetry flags equal pymatgen's is_symmetric for zincblende and rocksalt", async () => {
    const cases = [
      bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true }),
      bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true }),
    ];
    const res = await runPyOracle<PmSlab[]>("slabs_oracle.py", cases.map((a) => ({ bulk: toOracle(a), max_index: 1 })));
    cases.forEach((a, i) => {
      const ours = makeSlabsFromBulk(a, { millerOrder: "legacy", flipAsymmetric: false });
      expect(ours.map((s) => info(s).millerIndex)).toEqual(res[i]!.map((p) => p.miller));
      expect(ours.map((s) => info(s).symmetric)).toEqual(res[i]!.map((p) => p.symmetric));
      expect(ours.map((s) => s.length)).toEqual(res[i]!.map((p) => p.natoms));
    });
  }, 300_000);
});
