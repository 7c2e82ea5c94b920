/** Slab comparison, symmetry test and flipping (pymatgen StructureMatcher / Slab.is_symmetric semantics). */
import { inv3, norm3 } from "../atoms/linalg3.js";
import { cartesianRotation, findSymmetryOperations, latticePointGroup, type PeriodicStructure } from "../symmetry/symmetry.js";
import { reorient, toCart, toFrac, wrap, type PStruct } from "./pstruct.js";
import type { RawSlab } from "./slab-generator.js";

/**
 * True when two slabs are the same structure up to an isometry of the slab lattice (rotation,
 * inversion, mirror) followed by a translation (pymatgen's StructureMatcher check, restricted to
 * the lattice's own point group, which is what can relate two terminations of one Miller index).
 */
export function sameSlab(x: PStruct, y: PStruct, tol: number): boolean {
  const n = x.numbers.length;
  if (n !== y.numbers.length) return false;
  const cx = Array.from({ length: n }, (_, i) => toCart(x.cell, x.frac.slice(3 * i, 3 * i + 3)));
  const cy = Array.from({ length: n }, (_, i) => toCart(y.cell, y.frac.slice(3 * i, 3 * i + 3)));
  const invY = inv3(y.cell);
  const maxLen = Math.max(...[0, 1, 2].map((i) => Math.hypot(x.cell[3 * i]!, x.cell[3 * i + 1]!, x.cell[3 * i + 2]!)));
  const rotations = latticePointGroup(x.cell, { tolerance: Math.min(0.05, tol / maxLen) }).map((w) => cartesianRotation(x.cell, w));
  const tol2 = tol * tol;
  const matches = (rot: number[]): boolean => {
    const px = cx.map((r) => [0, 1, 2].map((q) => rot[3 * q]! * r[0] + rot[3 * q + 1]! * r[1] + rot[3 * q + 2]! * r[2]));
    for (let j = 0; j < n; j++) {
      if (y.numbers[j] !== x.numbers[0]) continue;
      const t = cy[j]!.map((v, k) => v - px[0]![k]!);
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        const p = px[i]!.map((v, k) => v + t[k]!);
        ok = false;
        for (let m = 0; m < n && !ok; m++) {
          if (y.numbers[m] !== x.numbers[i]) continue;
          const d = toFrac(invY, p.map((v, k) => v - cy[m]![k]!)).map((q) => q - Math.round(q));
          const c = toCart(y.cell, d);
          if (c[0] * c[0] + c[1] * c[1] + c[2] * c[2] <= tol2) ok = true;
        }
      }
      if (ok) return true;
    }
    return false;
  };
  return rotations.some(matches);
}

/**
 * pymatgen `Slab.is_symmetric`: some operation of the slab maps the surface normal onto its negative
 * (inversion, a mirror parallel to the surface, a two-fold axis in the plane...), tolerance symprec.
 */
export function isSymmetricSlab(s: PStruct, symprec = 0.1): boolean {
  const ps: PeriodicStructure = { cell: s.cell, frac: s.frac, numbers: s.numbers };
  // a flip maps c onto -c (+ in-plane vectors): W[2][2] = -1 in the column convention
  return findSymmetryOperations(ps, { symprec, rotationFilter: (w) => w[8] === -1, maxOperations: 1 }).length > 0;
}

/** Flip a slab upside down (rotate 180 degrees about a): cell rows (a, -b, -c), so the former bottom surface is on top. */
export function flipSlab(s: RawSlab): RawSlab {
  const cell = [...s.cell.slice(0, 3), ...s.cell.slice(3, 9).map((x) => -x)];
  const frac = s.frac.map((x, i) => (i % 3 === 0 ? x : wrap(-x)));
  const out = reorient({ cell, frac, numbers: s.numbers });
  return { ...s, ...out, shift: -s.shift };
}

