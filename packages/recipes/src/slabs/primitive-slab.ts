/** Primitive in-plane reduction of generated slabs (pymatgen `get_primitive_structure` for slabs). */
import { cross3, dot3, inv3, norm3, row3 } from "../atoms/linalg3.js";
import { gaussReduce2D } from "../symmetry/lattice.js";
import { toCart, toFrac, wrap, type PStruct } from "./pstruct.js";

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
