/** Slab comparison, symmetry test and flipping (pymatgen StructureMatcher / Slab.is_symmetric semantics). */
import { det3, inv3, norm3 } from "../atoms/linalg3.js";
import { cartesianRotation, findSymmetryOperations, latticePointGroup, type PeriodicStructure } from "../symmetry/symmetry.js";
import { reorient, toCart, toFrac, wrap, type PStruct } from "./pstruct.js";
import type { RawSlab } from "./slab-generator.js";

/**
 * True when two slabs are the same structure in pymatgen's StructureMatcher sense (ltol = stol = tol,
 * primitive_cell = False, scale = False), restricted to isometries of the slab lattice (rotation,
 * inversion, mirror): for some isometry and some translation putting an atom onto an atom of the
 * same species, every atom pairs with a distinct atom of the same species, and after removing the
 * mean displacement the largest displacement is below tol x (V/N)^(1/3), pymatgen's normalisation by
 * the free length per atom. With 20 A of vacuum that length is large, so, like pymatgen, terminations
 * that differ only by small shifts of the outer layers count as one.
 */
export function sameSlab(x: PStruct, y: PStruct, tol: number): boolean {
  const n = x.numbers.length;
  if (n !== y.numbers.length) return false;
  const sx = [...x.numbers].sort((a, b) => a - b), sy = [...y.numbers].sort((a, b) => a - b);
  if (sx.some((z, i) => z !== sy[i])) return false;
  const free = Math.cbrt(Math.abs(det3(x.cell)) / n);
  const stol = tol * free;
  const cx = Array.from({ length: n }, (_, i) => toCart(x.cell, x.frac.slice(3 * i, 3 * i + 3)));
  const cy = Array.from({ length: n }, (_, i) => toCart(y.cell, y.frac.slice(3 * i, 3 * i + 3)));
  const invY = inv3(y.cell);
  const maxLen = Math.max(...[0, 1, 2].map((i) => Math.hypot(x.cell[3 * i]!, x.cell[3 * i + 1]!, x.cell[3 * i + 2]!)));
  const rotations = latticePointGroup(x.cell, { tolerance: Math.min(0.05, tol / maxLen) }).map((w) => cartesianRotation(x.cell, w));
  const minImage = (v: number[]): number[] => toCart(y.cell, toFrac(invY, v).map((q) => q - Math.round(q)));
  const matches = (rot: number[]): boolean => {
    const px = cx.map((r) => [0, 1, 2].map((q) => rot[3 * q]! * r[0] + rot[3 * q + 1]! * r[1] + rot[3 * q + 2]! * r[2]));
    for (let j = 0; j < n; j++) {
      if (y.numbers[j] !== x.numbers[0]) continue;
      const t = cy[j]!.map((v, k) => v - px[0]![k]!);
      // candidate pairs within the coarse pre-filter (2 stol), matched greedily by distance
      const pairs: { i: number; m: number; d: number[]; l: number }[] = [];
      for (let i = 0; i < n; i++) {
        const p = px[i]!.map((v, k) => v + t[k]!);
        for (let m = 0; m < n; m++) {
          if (y.numbers[m] !== x.numbers[i]) continue;
          const d = minImage(cy[m]!.map((v, k) => v - p[k]!));
          const l = norm3(d);
          if (l < 2 * stol) pairs.push({ i, m, d, l });
        }
      }
      pairs.sort((a, b) => a.l - b.l);
      const usedX = new Set<number>(), usedY = new Set<number>();
      const disp: number[][] = [];
      for (const pr of pairs) {
        if (usedX.has(pr.i) || usedY.has(pr.m)) continue;
        usedX.add(pr.i); usedY.add(pr.m); disp.push(pr.d);
      }
      if (disp.length !== n) continue;
      const mean = [0, 1, 2].map((k) => disp.reduce((acc, d) => acc + d[k]!, 0) / n);
      if (disp.every((d) => norm3(d.map((v, k) => v - mean[k]!)) < stol)) return true;
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

