/**
 * Termination filters of pymatgen's `SlabGenerator.get_slabs` (SPEC 4.3): broken-bond counting with
 * `bonds` / `max_broken_bonds`, `repair` of broken polyhedra and `symmetrize` (non-stoichiometric
 * symmetric slabs made by removing sites from one side).
 */
import { inv3, norm3 } from "../atoms/linalg3.js";
import { atomicMasses } from "../atoms/elements.js";
import { toCart, wrap, type PStruct } from "./pstruct.js";
import { isSymmetricSlab } from "./slab-compare.js";

/** A bond rule: atomic numbers of the two species and the largest bond length (Angstrom). */
export type BondRule = [z1: number, z2: number, maxLength: number];

/** A neighbour of site i: site j at periodic image `image`, distance `d`. */
interface Neighbour { j: number; image: [number, number, number]; d: number }

/** All neighbours of site i within r (periodic images included, the site itself excluded). */
function neighbours(s: PStruct, i: number, r: number): Neighbour[] {
  return neighboursOf(s, s.frac.slice(3 * i, 3 * i + 3), r);
}

/** All sites of `s` (any periodic image) within r of the fractional point `fi`, except at distance 0. */
function neighboursOf(s: PStruct, fi: readonly number[], r: number): Neighbour[] {
  const rec = inv3(s.cell);
  // how many images along each axis can lie within r: r times the reciprocal-vector length
  const reach = [0, 1, 2].map((k) => Math.ceil(r * Math.hypot(rec[k]!, rec[3 + k]!, rec[6 + k]!)) + 1);
  const out: Neighbour[] = [];
  for (let j = 0; j < s.numbers.length; j++) {
    for (let a = -reach[0]!; a <= reach[0]!; a++) for (let b = -reach[1]!; b <= reach[1]!; b++) for (let c = -reach[2]!; c <= reach[2]!; c++) {
      const d = norm3(toCart(s.cell, [s.frac[3 * j]! + a - fi[0]!, s.frac[3 * j + 1]! + b - fi[1]!, s.frac[3 * j + 2]! + c - fi[2]!]));
      if (d > 1e-8 && d <= r + 1e-8) out.push({ j, image: [a, b, c], d });
    }
  }
  return out;
}

/**
 * The fractional c ranges of the oriented unit cell spanned by bonds (pymatgen `_get_c_ranges`): for
 * every site of the first species and every neighbour of the second species within the bond length,
 * the interval between their c coordinates (split in two when it crosses the cell boundary). A
 * termination shift inside k of these intervals breaks k bonds.
 */
export function bondCRanges(ouc: PStruct, bonds: readonly BondRule[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const [z1, z2, dist] of bonds) {
    for (let i = 0; i < ouc.numbers.length; i++) {
      if (ouc.numbers[i] !== z1) continue;
      const ci = ouc.frac[3 * i + 2]!;
      for (const nb of neighbours(ouc, i, dist)) {
        if (ouc.numbers[nb.j] !== z2) continue;
        const cj = ouc.frac[3 * nb.j + 2]! + nb.image[2];
        const [lo, hi] = ci <= cj ? [ci, cj] : [cj, ci];
        if (hi > 1) ranges.push([lo, 1], [0, hi - 1]);
        else if (lo < 0) ranges.push([0, hi], [lo + 1, 1]);
        else if (lo !== hi) ranges.push([lo, hi]);
      }
    }
  }
  return ranges;
}

/** Number of bonds a termination shift breaks: the c ranges that contain it (ends included). */
export function brokenBondCount(ranges: readonly [number, number][], shift: number): number {
  return ranges.filter(([lo, hi]) => lo <= shift && shift <= hi).length;
}

/** Copy of a slab without site k. */
function removeSite(s: PStruct, k: number): PStruct {
  return { cell: s.cell, frac: s.frac.filter((_, q) => Math.floor(q / 3) !== k), numbers: s.numbers.filter((_, q) => q !== k) };
}

/**
 * pymatgen `nonstoichiometric_symmetrized_slab`: a symmetric slab is returned as is; otherwise, once
 * from the top and once from the bottom, sites are removed one at a time (the highest, or lowest,
 * fractional c first) until the slab is symmetric, giving up when it has no more sites than the bulk
 * cell (`bulkSites`). Returns the 0, 1 or 2 symmetric slabs found.
 */
export function symmetrizeSlab(slab: PStruct, bulkSites: number, symprec = 0.1): PStruct[] {
  if (isSymmetricSlab(slab, symprec)) return [slab];
  const out: PStruct[] = [];
  for (const top of [true, false]) {
    let s = slab;
    for (;;) {
      let k = 0;
      for (let q = 1; q < s.numbers.length; q++) {
        const c = s.frac[3 * q + 2]!, ck = s.frac[3 * k + 2]!;
        if (top ? c > ck : c < ck) k = q;
      }
      s = removeSite(s, k);
      if (s.numbers.length <= bulkSites) break;
      if (isSymmetricSlab(s, symprec)) { out.push(s); break; }
    }
  }
  return out;
}

/**
 * Coordination numbers of `z` by `partner` within `r` at every site of the oriented unit cell (0 for
 * sites of other species, as pymatgen counts them).
 */
function coordinations(s: PStruct, z: number, partner: number, r: number): number[] {
  return s.numbers.map((zi, i) => (zi === z ? neighbours(s, i, r).filter((nb) => s.numbers[nb.j] === partner).length : 0));
}

/**
 * pymatgen `move_to_other_side`: sites above the slab's (mass-weighted) centre in c move down by the
 * slab's share of the cell (n_slab / (n_slab + n_vac)), those below move up; coordinates wrapped.
 */
function moveToOtherSide(s: PStruct, sites: readonly number[], slabRatio: number): PStruct {
  let m = 0, mc = 0;
  s.numbers.forEach((z, i) => { const w = atomicMasses[z] ?? 1; m += w; mc += w * s.frac[3 * i + 2]!; });
  const com = mc / m;
  const frac = [...s.frac];
  for (const i of sites) {
    const c = s.frac[3 * i + 2]!;
    if (c > com) frac[3 * i + 2] = wrap(c + slabRatio);
    else if (c < com) frac[3 * i + 2] = wrap(c - slabRatio);
  }
  return { ...s, frac };
}

/**
 * pymatgen `repair_broken_bonds`: for each bond rule, the species with the higher coordination in
 * the oriented unit cell is the polyhedron centre; a centre whose coordination in the slab is not
 * one found in the bulk is moved to the other surface, then moved back together with its partner
 * neighbours there, so that the polyhedron is whole again. As in pymatgen, a centre's coordination
 * is counted at its position in the slab as it was before this bond rule moved anything.
 */
export function repairBrokenBonds(slab: PStruct, ouc: PStruct, bonds: readonly BondRule[], slabRatio: number): PStruct {
  let s = slab;
  for (const [za, zb, r] of bonds) {
    const cnA = coordinations(ouc, za, zb, r), cnB = coordinations(ouc, zb, za, r);
    const [centre, partner, cn] = Math.max(...cnA) > Math.max(...cnB) ? [za, zb, cnA] : [zb, za, cnB];
    const start = s;
    for (let i = 0; i < s.numbers.length; i++) {
      if (s.numbers[i] !== centre) continue;
      const k = neighboursOf(s, start.frac.slice(3 * i, 3 * i + 3), r).filter((nb) => s.numbers[nb.j] === partner).length;
      if (cn.includes(k)) continue;
      s = moveToOtherSide(s, [i], slabRatio);
      const move = neighbours(s, i, r).filter((nb) => s.numbers[nb.j] === partner).map((nb) => nb.j);
      s = moveToOtherSide(s, [...move, i], slabRatio);
    }
  }
  return s;
}
