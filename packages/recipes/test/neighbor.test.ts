import { describe, expect, it } from "vitest";
import { buildNeighborList, bruteForceNeighborList, type NeighborList } from "../src/neighbor/neighbor-list.js";
import { fccCubic, fccPrimitive, prng, randomStructure, RUN_SEED } from "./oracle/structures.js";
import type { Atoms } from "../src/atoms/atoms.js";

/** Canonical multiset of pairs: "i,j,dx,dy,dz" rounded, sorted. */
function keys(nl: NeighborList): string[] {
  const out: string[] = [];
  for (let p = 0; p < nl.nPairs; p++) {
    let d = [0, 1, 2].map((k) => nl.d[3 * p + k]!);
    let i = nl.i[p]!, j = nl.j[p]!;
    // a pair may be listed from either end: canonical form has i <= j (and d flipped accordingly)
    if (i > j) { [i, j] = [j, i]; d = d.map((x) => -x); }
    // a self-image pair may be listed with either sign of its shift
    if (i === j && (d[0]! < -1e-9 || (Math.abs(d[0]!) <= 1e-9 && (d[1]! < -1e-9 || (Math.abs(d[1]!) <= 1e-9 && d[2]! < 0))))) d = d.map((x) => -x);
    out.push(`${i},${j},${d.map((x) => (Math.round(x * 1e5) / 1e5 + 0).toFixed(5)).join(",")}`);
  }
  return out.sort();
}

function check(a: Atoms, cutoff: number): void {
  const fast = buildNeighborList(a.positions, a.cell, a.pbc, cutoff);
  const slow = bruteForceNeighborList(a.positions, a.cell, a.pbc, cutoff);
  // the cell list uses wrapped coordinates: compare by pair vectors, which are wrapping-invariant
  expect(fast.nPairs).toBe(slow.nPairs);
  const kf = keys(fast), ks = keys(slow);
  const diff = kf.filter((k, n) => k !== ks[n]).slice(0, 3);
  expect(diff, `first differing pairs vs brute force ${JSON.stringify(ks.filter((k, n) => k !== kf[n]).slice(0, 3))}`).toEqual([]);
  for (let p = 0; p < fast.nPairs; p++) expect(fast.r[p]!).toBeLessThan(cutoff);
}

describe("neighbour list", () => {
  it("108-atom cubic Cu (cell 10.83 A < 2 x cut-off): coordination 78 within 5.8768 A", () => {
    const a = fccCubic("Cu", 3.61).repeat([3, 3, 3]);
    expect(a.length).toBe(108);
    const nl = buildNeighborList(a.positions, a.cell, a.pbc, 5.876798323827276);
    // fcc shells below 5.8768 A at a=3.61: 12 + 6 + 24 + 12 + 24 = 78 neighbours per atom
    expect(nl.nPairs).toBe((108 * 78) / 2);
    check(a, 5.876798323827276);
  });
  it("1-atom primitive cell: self-images counted once per +/- pair", () => {
    const a = fccPrimitive("Cu", 3.61);
    const nl = buildNeighborList(a.positions, a.cell, a.pbc, 3.0);
    expect(nl.nPairs).toBe(6); // 12 nearest neighbours = 6 unordered self-image pairs
    expect(Array.from(nl.i)).toEqual([0, 0, 0, 0, 0, 0]);
    check(a, 5.9);
  });
  it(`matches brute force on random mixed-pbc, thin and skewed systems (seed ${RUN_SEED})`, () => {
    const rand = prng(RUN_SEED);
    for (const kind of ["alloy", "slab", "wire", "cluster", "thin", "thin", "skewed", "skewed", "light"] as const) {
      const a = randomStructure(kind, rand);
      for (const cutoff of [2.0, 4.5, 5.9, 9.0]) check(a, cutoff);
    }
  });
  it("handles non-periodic axes with zero cell vectors, and empty input", () => {
    const a = fccCubic("Cu", 3.61);
    a.pbc = [false, false, false];
    a.cell.fill(0);
    check(a, 3);
    const e = buildNeighborList(new Float64Array(0), new Float64Array(9), [false, false, false], 3);
    expect(e.nPairs).toBe(0);
  });
  it("rejects bad input with a clear message", () => {
    expect(() => buildNeighborList(new Float64Array(3), new Float64Array(9), [true, false, false], 3)).toThrow(/axis 0 is periodic but cell vector 0 is zero/);
    expect(() => buildNeighborList(new Float64Array(3), new Float64Array(9), [false, false, false], -1)).toThrow(/cutoff must be a positive/);
    expect(() => buildNeighborList(new Float64Array(3), Float64Array.of(1, 0, 0, 2, 0, 0, 0, 0, 1), [true, true, true], 3)).toThrow(/singular/);
  });
});
