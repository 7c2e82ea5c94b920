/**
 * pymatgen-style slab generation on plain arrays (SPEC 4.3): oriented unit cell, terminations,
 * stacking, centring, primitive reduction, deduplication and symmetry test.
 */
import { cross3, dot3, inv3, norm3, row3 } from "../atoms/linalg3.js";
import { detInt, gcd, gaussReduce2D, lcmSigned, reciprocalCell, type Mat3 } from "../symmetry/lattice.js";
import type { Miller } from "./miller.js";
import { reorient, toCart, toFrac, wrap, type PStruct } from "./pstruct.js";
import { sameSlab } from "./slab-compare.js";
import { bondCRanges, brokenBondCount, repairBrokenBonds, symmetrizeSlab, type BondRule } from "./terminations.js";
import { compositionOf, reducedFormula } from "../jobs/formula.js";

export type { PStruct } from "./pstruct.js";
export { reorient } from "./pstruct.js";
export { flipSlab, isSymmetricSlab, sameSlab } from "./slab-compare.js";

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

/**
 * Primitive in-plane reduction of a slab (pymatgen `get_primitive_structure` semantics for slabs):
 * when in-plane translations smaller than the cell map the slab onto itself, the cell is replaced
 * by the reduced primitive one (shortest in-plane pair, c made as perpendicular as possible);
 * otherwise the slab is returned unchanged.
 */
export function primitiveSlab(s: PStruct, tol: number): PStruct {
  const n = s.numbers.length;
  const counts = new Map<number, number>();
  for (const z of s.numbers) counts.set(z, (counts.get(z) ?? 0) + 1);
  let anchorZ = s.numbers[0]!;
  for (const [z, k] of counts) if (k < counts.get(anchorZ)!) anchorZ = z;
  const anchor = s.numbers.indexOf(anchorZ);
  const f = (i: number): number[] => [s.frac[3 * i]!, s.frac[3 * i + 1]!, s.frac[3 * i + 2]!];
  const close = (d: number[]): boolean => norm3(toCart(s.cell, d.map((x) => x - Math.round(x)))) <= tol;
  const trans: number[][] = [];
  for (let j = 0; j < n; j++) {
    if (s.numbers[j] !== anchorZ || j === anchor) continue;
    const t = f(j).map((x, k) => x - f(anchor)[k]!);
    if (Math.abs(t[2]! - Math.round(t[2]!)) * norm3(row3(s.cell, 2)) > tol) continue;
    t[2] = 0;
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      const p = f(i).map((x, k) => x + t[k]!);
      let hit = false;
      for (let m = 0; m < n && !hit; m++) if (s.numbers[m] === s.numbers[i] && close(p.map((x, k) => x - f(m)[k]!))) hit = true;
      ok = hit;
    }
    if (ok && !trans.some((u) => close(u.map((x, k) => x - t[k]!)))) trans.push(t);
  }
  if (trans.length === 0) return s;
  const k = trans.length + 1;
  const a = row3(s.cell, 0), b = row3(s.cell, 1), cc = row3(s.cell, 2);
  const area = norm3(cross3(a, b));
  const cands: number[][] = [];
  for (const t of [[0, 0, 0], ...trans]) {
    for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) {
      const v = toCart(s.cell, [t[0]! - Math.round(t[0]!) + i, t[1]! - Math.round(t[1]!) + j, 0]);
      if (norm3(v) > 1e-6) cands.push(v);
    }
  }
  cands.sort((x, y) => norm3(x) - norm3(y));
  const u = cands[0]!;
  const v = cands.find((w) => norm3(cross3(u, w)) > 1e-6 * norm3(u) * norm3(w) && Math.abs(norm3(cross3(u, w)) - area / k) < 1e-4 * area);
  if (v === undefined) return s;
  const red = gaussReduce2D(u, v);
  let ua = red.u, vb = red.v;
  if (dot3(cross3(ua, vb), cross3(a, b)) < 0) vb = vb.map((x) => -x);
  // make c as short as possible by subtracting in-plane lattice vectors
  const g = [dot3(ua, ua), dot3(ua, vb), dot3(vb, vb)];
  const det = g[0]! * g[2]! - g[1]! * g[1]!;
  const pu = dot3(cc, ua), pv = dot3(cc, vb);
  const x = Math.round((pu * g[2]! - pv * g[1]!) / det), y = Math.round((pv * g[0]! - pu * g[1]!) / det);
  const cNew = cc.map((q, i) => q - x * ua[i]! - y * vb[i]!);
  const cell = [...ua, ...vb, ...cNew];
  const inv = inv3(cell);
  const frac: number[] = [], numbers: number[] = [];
  for (let i = 0; i < n; i++) {
    const fi = toFrac(inv, toCart(s.cell, f(i))).map(wrap);
    const dup = numbers.some((z, m) => z === s.numbers[i] && norm3(toCart(cell, [0, 1, 2].map((q) => { const d = fi[q]! - frac[3 * m + q]!; return d - Math.round(d); }))) <= tol);
    if (!dup) { frac.push(...fi); numbers.push(s.numbers[i]!); }
  }
  return { cell, frac, numbers };
}

/** Numbers of OUC layers in the slab and in the vacuum (sizes in Angstrom, or in planes with inUnitPlanes). */
export function layerCounts(height: number, dhkl: number, o: SlabGeneratorOptions): { nSlab: number; nVac: number } {
  const p = Math.round((height / dhkl) * 1e8) / 1e8;
  const unit = o.inUnitPlanes ? p : height;
  return { nSlab: Math.ceil(o.minSlabSize / unit - 1e-12), nVac: Math.ceil(o.minVacuumSize / unit - 1e-12) };
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
  const slab = { cell, frac, numbers };
  if (o.centerSlab && numbers.length) {
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
    let slab = buildSlab(ouc, height, dhkl, shift, o);
    const before = slab.numbers.length;
    if (o.primitive) slab = primitiveSlab(slab, o.tol);
    const bondEnergy = (brokenBonds * slab.numbers.length) / before;
    slab = reorient(slab);
    if (brokenBonds > (o.maxBrokenBonds ?? 0)) {
      if (!o.repair || !o.bonds) continue;
      slab = repairBrokenBonds(slab, ouc, o.bonds, nSlab / (nSlab + nVac));
    }
    raw.push({ ...slab, miller, shift, scaleFactor, brokenBonds, bondEnergy });
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
