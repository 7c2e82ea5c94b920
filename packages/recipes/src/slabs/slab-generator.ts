/**
 * pymatgen-style slab generation on plain arrays (SPEC 4.3): oriented unit cell, terminations,
 * stacking, centring, primitive reduction, deduplication and symmetry test.
 */
import { dot3, inv3, norm3, row3 } from "../atoms/linalg3.js";
import { detInt, gcd, lcmSigned, lllReduce, matmulInt, reciprocalCell, type Mat3 } from "../symmetry/lattice.js";
import type { Miller } from "./miller.js";
import { reorient, toCart, toFrac, wrap, type PStruct } from "./pstruct.js";
import { primitiveSlab } from "./primitive-slab.js";
import { sameSlab } from "./slab-compare.js";
import { bondCRanges, brokenBondCount, repairBrokenBonds, symmetrizeSlab, type BondRule } from "./terminations.js";
import { compositionOf, reducedFormula } from "../jobs/formula.js";

export type { PStruct } from "./pstruct.js";
export { reorient } from "./pstruct.js";
export { flipSlab, isSymmetricSlab, sameSlab } from "./slab-compare.js";
export { primitiveSlab } from "./primitive-slab.js";

/** One generated slab before supercell/fixing (pymatgen `Slab`). */
export interface RawSlab extends PStruct {
  miller: Miller;
  /** termination shift (fractional c of the oriented unit cell) */
  shift: number;
  /** integer matrix: oriented-unit-cell rows in the bulk basis */
  scaleFactor: number[];
  /** bonds broken by this termination of the oriented unit cell (0 without bond rules) */
  brokenBonds: number;
  /** pymatgen's `slab.energy`: brokenBonds scaled by the primitive reduction (atoms after / before); the sort key */
  bondEnergy: number;
}

/** Options of {@link generateSlabsForMiller} (pymatgen `SlabGenerator` + `get_slabs` arguments). */
export interface SlabGeneratorOptions {
  minSlabSize: number;
  minVacuumSize: number;
  centerSlab: boolean;
  inUnitPlanes: boolean;
  primitive: boolean;
  maxNormalSearch?: number | undefined;
  ftol: number;
  tol: number;
  /** bond rules (atomic numbers and length): terminations breaking more than maxBrokenBonds are dropped or repaired */
  bonds?: readonly BondRule[] | undefined;
  maxBrokenBonds?: number | undefined;
  /** move undercoordinated polyhedra to the other side instead of dropping the termination */
  repair?: boolean | undefined;
  /** make asymmetric slabs symmetric by removing sites from one side (non-stoichiometric) */
  symmetrize?: boolean | undefined;
  /** LLL-reduce each slab's cell before centring (pymatgen's lll_reduce) */
  lllReduce?: boolean | undefined;
  /** number of sites of the bulk cell (symmetrize stops before the slab gets this small) */
  bulkSites?: number | undefined;
  /** symmetry tolerance of the symmetrize test (Angstrom) */
  symprec?: number | undefined;
}

/** Unit surface normal (Cartesian) of plane (hkl) and the interplanar spacing d_hkl. */
export function planeNormal(cell: ArrayLike<number>, hkl: Miller): { normal: [number, number, number]; dhkl: number } {
  const g = toCart(reciprocalCell(cell), hkl);
  const l = norm3(g);
  return { normal: [g[0] / l, g[1] / l, g[2] / l], dhkl: 1 / l };
}

/** Integer matrix (rows in the bulk basis) of the oriented unit cell: two in-plane vectors, then c. */
export function orientedBasis(cell: ArrayLike<number>, hkl: Miller, maxNormalSearch?: number): number[] {
  const { normal } = planeNormal(cell, hkl);
  const eye = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const inPlane: number[][] = [];
  const nonZero: number[] = [];
  for (let i = 0; i < 3; i++) {
    if (hkl[i] === 0) inPlane.push(eye[i]!);
    else nonZero.push(i);
  }
  if (nonZero.length > 1) {
    const m = nonZero.reduce((acc, i) => lcmSigned(acc, hkl[i]!), 1);
    outer: for (let x = 0; x < nonZero.length; x++) {
      for (let y = x + 1; y < nonZero.length; y++) {
        const i = nonZero[x]!, j = nonZero[y]!;
        const v = [0, 0, 0];
        v[i] = -m / hkl[i]!;
        v[j] = m / hkl[j]!;
        inPlane.push(v);
        if (inPlane.length === 2) break outer;
      }
    }
  }
  let c: number[];
  if (maxNormalSearch === undefined) {
    let best = -1;
    c = eye[nonZero[0]!]!;
    for (const i of nonZero) {
      const a = row3(cell, i);
      const p = Math.abs(dot3(normal, a)) / norm3(a);
      if (p > best) { best = p; c = eye[i]!; }
    }
  } else {
    let best: { v: number[]; cos: number; len: number } | undefined;
    const r = maxNormalSearch;
    for (let i = -r; i <= r; i++) for (let j = -r; j <= r; j++) for (let k = -r; k <= r; k++) {
      const v = [i, j, k];
      if (detInt([...inPlane[0]!, ...inPlane[1]!, ...v]) === 0) continue;
      const cart = toCart(cell, v);
      const len = norm3(cart);
      const cos = Math.abs(dot3(cart, normal)) / len;
      if (!best || cos > best.cos + 1e-8 || (Math.abs(cos - best.cos) <= 1e-8 && len < best.len - 1e-8)) best = { v, cos, len };
    }
    c = best!.v;
  }
  let rows = [inPlane[0]!, inPlane[1]!, c];
  if (detInt(rows.flat()) < 0) rows = rows.map((r) => r.map((x) => -x));
  rows = rows.map((r) => { const g = gcd(...r); return r.map((x) => x / g); });
  return rows.flat();
}

/** Supercell of `s` under an integer matrix (new cell rows = M . cell); sites wrapped into [0, 1). */
export function supercellOf(s: PStruct, m: ArrayLike<number>): PStruct {
  const cell = [0, 1, 2].flatMap((r) => toCart(s.cell, [m[3 * r]!, m[3 * r + 1]!, m[3 * r + 2]!]));
  const minv = inv3(m);
  const lo = [0, 0, 0], hi = [0, 0, 0];
  for (let mask = 0; mask < 8; mask++) {
    for (let k = 0; k < 3; k++) {
      let v = 0;
      for (let r = 0; r < 3; r++) if (mask & (1 << r)) v += m[3 * r + k]!;
      lo[k] = Math.min(lo[k]!, v); hi[k] = Math.max(hi[k]!, v);
    }
  }
  const frac: number[] = [], numbers: number[] = [];
  const n = s.numbers.length;
  for (let a = 0; a < n; a++) {
    for (let i = lo[0]! - 1; i <= hi[0]! + 1; i++) for (let j = lo[1]! - 1; j <= hi[1]! + 1; j++) for (let k = lo[2]! - 1; k <= hi[2]! + 1; k++) {
      const x = [s.frac[3 * a]! + i, s.frac[3 * a + 1]! + j, s.frac[3 * a + 2]! + k];
      const f = toFrac(minv, x);
      if (f.every((v) => v >= -1e-8 && v < 1 - 1e-8)) {
        frac.push(...f.map(wrap));
        numbers.push(s.numbers[a]!);
      }
    }
  }
  return { cell, frac, numbers };
}

/** Termination shifts: midpoints between clustered c planes (single linkage, threshold ftol Angstrom). */
export function possibleShifts(ouc: PStruct, height: number, ftol: number): number[] {
  const n = ouc.numbers.length;
  const c = (i: number): number => ouc.frac[3 * i + 2]!;
  if (n === 1) return [wrap(c(0) + 0.5)];
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const d = c(i) - c(j);
    if (Math.abs(d - Math.round(d)) * height <= ftol) parent[find(i)] = find(j);
  }
  const rep = new Map<number, number>();
  for (let i = 0; i < n; i++) rep.set(find(i), c(i)); // last member represents its plane
  const planes = [...rep.values()].sort((a, b) => a - b).map((x) => x - Math.floor(x));
  const shifts: number[] = [];
  for (let i = 0; i < planes.length; i++) {
    let s = i === planes.length - 1 ? (planes[0]! + 1 + planes[i]!) / 2 : (planes[i]! + planes[i + 1]!) / 2;
    if (s > 1) s -= 1;
    s -= Math.floor(s);
    shifts.push(1 - s < 1e-9 ? 0 : s); // a midpoint at the cell boundary is 0, not 1 - epsilon
  }
  return shifts.sort((a, b) => a - b);
}

/** Numbers of OUC layers in the slab and in the vacuum (sizes in Angstrom, or in planes with inUnitPlanes). */
export function layerCounts(height: number, dhkl: number, o: SlabGeneratorOptions): { nSlab: number; nVac: number } {
  const p = Math.round((height / dhkl) * 1e8) / 1e8;
  const unit = o.inUnitPlanes ? p : height;
  return { nSlab: Math.ceil(o.minSlabSize / unit - 1e-12), nVac: Math.ceil(o.minVacuumSize / unit - 1e-12) };
}

/** LLL-reduce a slab's cell (pymatgen's `lll_reduce`), sites re-expressed and wrapped; `lll` is P with new cell = P . cell. */
function lllSlab(s: PStruct): PStruct & { lll: number[] } {
  const { cell, transform } = lllReduce(s.cell);
  const inv = inv3(cell);
  const frac: number[] = [];
  for (let i = 0; i < s.numbers.length; i++) frac.push(...toFrac(inv, toCart(s.cell, s.frac.slice(3 * i, 3 * i + 3))).map(wrap));
  return { cell, frac, numbers: s.numbers, lll: transform };
}

/** Build the slab of one termination (pymatgen `get_slab`). */
export function buildSlab(ouc: PStruct, height: number, dhkl: number, shift: number, o: SlabGeneratorOptions): PStruct {
  const { nSlab, nVac } = layerCounts(height, dhkl, o);
  const nl = nSlab + nVac;
  const cell = [...ouc.cell.slice(0, 6), ...ouc.cell.slice(6, 9).map((x) => x * nl)];
  const frac: number[] = [], numbers: number[] = [];
  for (let i = 0; i < nSlab; i++) {
    for (let a = 0; a < ouc.numbers.length; a++) {
      let z = ouc.frac[3 * a + 2]! - shift;
      z -= Math.floor(z);
      frac.push(ouc.frac[3 * a]!, ouc.frac[3 * a + 1]!, z / nl + i / nl);
      numbers.push(ouc.numbers[a]!);
    }
  }
  let slab: PStruct & { lll?: number[] } = { cell, frac, numbers };
  if (o.lllReduce) slab = lllSlab(slab);
  if (o.centerSlab && numbers.length) {
    const frac = slab.frac;
    let avg = 0;
    for (let i = 0; i < numbers.length; i++) avg += frac[3 * i + 2]!;
    avg /= numbers.length;
    for (let i = 0; i < numbers.length; i++) frac[3 * i + 2] = wrap(frac[3 * i + 2]! + 0.5 - avg);
  }
  return slab;
}

/** Keep the first of each group of equal slabs; groups ordered by reduced formula, as pymatgen's StructureMatcher groups them. */
function dedupe(slabs: RawSlab[], tol: number): RawSlab[] {
  const keyed = slabs.map((sl, i) => ({ sl, i, f: reducedFormula(compositionOf(sl.numbers)) }));
  keyed.sort((a, b) => (a.f < b.f ? -1 : a.f > b.f ? 1 : a.i - b.i));
  const out: RawSlab[] = [];
  for (const { sl } of keyed) if (!out.some((r) => r.numbers.length === sl.numbers.length && sameSlab(r, sl, tol))) out.push(sl);
  return out;
}

/**
 * All distinct slabs of one Miller index (pymatgen `SlabGenerator(...).get_slabs()`): one per
 * termination; with bond rules, terminations breaking more than maxBrokenBonds bonds are dropped (or
 * repaired); deduplicated; with symmetrize, asymmetric slabs replaced by their symmetrized versions;
 * sorted by broken bonds (stable).
 */
export function generateSlabsForMiller(bulk: PStruct, miller: Miller, o: SlabGeneratorOptions): RawSlab[] {
  const scaleFactor = orientedBasis(bulk.cell, miller, o.maxNormalSearch);
  const ouc = supercellOf(bulk, scaleFactor);
  const { normal, dhkl } = planeNormal(bulk.cell, miller);
  const height = Math.abs(dot3(normal, row3(ouc.cell, 2)));
  const ranges = o.bonds?.length ? bondCRanges(ouc, o.bonds) : [];
  const { nSlab, nVac } = layerCounts(height, dhkl, o);
  const raw: RawSlab[] = [];
  for (const shift of possibleShifts(ouc, height, o.ftol)) {
    const brokenBonds = brokenBondCount(ranges, shift);
    let slab: PStruct & { lll?: number[] } = buildSlab(ouc, height, dhkl, shift, o);
    // pymatgen's scale-factor update for lll_reduce: the integer matrix taking the reduced cell back to the stacked one
    const sf = slab.lll ? matmulInt(Array.from(inv3(slab.lll), Math.round), scaleFactor) : scaleFactor;
    const before = slab.numbers.length;
    if (o.primitive) slab = primitiveSlab(slab, o.tol);
    const bondEnergy = (brokenBonds * slab.numbers.length) / before;
    slab = reorient(slab);
    if (brokenBonds > (o.maxBrokenBonds ?? 0)) {
      if (!o.repair || !o.bonds) continue;
      slab = repairBrokenBonds(slab, ouc, o.bonds, nSlab / (nSlab + nVac));
    }
    raw.push({ cell: slab.cell, frac: slab.frac, numbers: slab.numbers, miller, shift, scaleFactor: sf, brokenBonds, bondEnergy });
  }
  let out = dedupe(raw, o.tol);
  if (o.symmetrize) {
    const sym = out.flatMap((sl) => symmetrizeSlab(sl, o.bulkSites ?? bulk.numbers.length, o.symprec ?? 0.1).map((p) => ({ ...sl, ...p })));
    out = dedupe(sym, o.tol);
  }
  return out.sort((a, b) => a.bondEnergy - b.bondEnergy);
}

/** Volume-free helper: the cell as a row-major Mat3 (exported for tests). */
export type { Mat3 };
