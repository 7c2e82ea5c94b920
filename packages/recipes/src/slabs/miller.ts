import type { TrigonalLattice } from "../symmetry/crystal-system.js";
import { cellFromParameters, gcd, reciprocalCell } from "../symmetry/lattice.js";
import { latticePointGroup } from "../symmetry/symmetry.js";

/** A Miller index triple. */
export type Miller = [number, number, number];

/** Order of the returned indices: pymatgen 2022's product order, or newer pymatgen's stable sort by max|index|. */
export type MillerOrder = "legacy" | "sorted";

/**
 * All symmetrically distinct Miller indices with entries in [-maxIndex, maxIndex] (pymatgen's
 * `get_symmetrically_distinct_miller_indices` semantics, SPEC 4.2): candidates in
 * `itertools.product` order over the reversed range (starting at (m, m, m)), each divided by its gcd,
 * kept unless a point-group operation of the reciprocal lattice (holohedry, tolerance 0.01 on the
 * volume-normalised lattice) maps it onto an index already kept. `order: "sorted"` (newer pymatgen,
 * the default here as in current quacc) stable-sorts the candidates by max|index| first.
 *
 * Indices refer to the basis of the cell as given (a primitive fcc cell gives {311} among the
 * max-index-1 facets).
 *
 * The trigonal rule (pass `trigonal`, from {@link trigonalLattice}, for a trigonal crystal): like
 * pymatgen, the candidates are read as indices of the conventional hexagonal cell, mapped to the
 * primitive standard cell (R: the rhombohedral cell (-a+b+c, 2a+b+c, -a-2b+c)/3; P: unchanged), and
 * deduplicated with the point group of that primitive cell's reciprocal lattice; the returned indices
 * are the candidates themselves (conventional setting), whatever cell was passed.
 */
export function distinctMillerIndices(cell: ArrayLike<number>, maxIndex: number, options: { order?: MillerOrder; trigonal?: TrigonalLattice | undefined } = {}): Miller[] {
  if (!Number.isInteger(maxIndex) || maxIndex < 1) throw new RangeError(`[slabs] maxIndex must be a positive integer, got ${maxIndex}`);
  const trig = options.trigonal;
  let symCell: ArrayLike<number> = cell;
  let toPrim: (m: Miller) => Miller = (m) => m;
  if (trig) {
    const hex = cellFromParameters(trig.a, trig.a, trig.c, 90, 90, 120);
    if (trig.centring === "R") {
      const t = [-1, 1, 1, 2, 1, 1, -1, -2, 1];
      symCell = [0, 1, 2].flatMap((r) => [0, 1, 2].map((k) => (t[3 * r]! * hex[k]! + t[3 * r + 1]! * hex[3 + k]! + t[3 * r + 2]! * hex[6 + k]!) / 3));
      toPrim = (m) => [0, 1, 2].map((r) => t[3 * r]! * m[0] + t[3 * r + 1]! * m[1] + t[3 * r + 2]! * m[2]) as Miller;
    } else {
      symCell = hex;
    }
  }
  const ops = latticePointGroup(reciprocalCell(symCell), { tolerance: 0.01, normalise: true });
  const range: number[] = [];
  for (let i = maxIndex; i >= -maxIndex; i--) range.push(i);
  let cands: Miller[] = [];
  for (const h of range) for (const k of range) for (const l of range) if (h || k || l) cands.push([h, k, l]);
  if ((options.order ?? "sorted") === "sorted") {
    cands = cands
      .map((m, i) => ({ m, i, key: Math.max(...m.map(Math.abs)) }))
      .sort((a, b) => a.key - b.key || a.i - b.i)
      .map((x) => x.m);
  }
  const kept: Miller[] = [];
  const same = (a: number[], b: number[]): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
  const out: Miller[] = [];
  for (const c of cands) {
    const p = toPrim(c);
    const dp = gcd(...p);
    const m = p.map((x) => x / dp) as Miller;
    if (kept.some((k) => same(k, m))) continue;
    let seen = false;
    for (const w of ops) {
      const img = [0, 1, 2].map((r) => w[3 * r]! * m[0] + w[3 * r + 1]! * m[1] + w[3 * r + 2]! * m[2]);
      if (kept.some((k) => same(k, img))) { seen = true; break; }
    }
    if (!seen) {
      kept.push(m);
      const d = gcd(...c);
      out.push(c.map((x) => x / d) as Miller);
    }
  }
  return out;
}
