/** Plain-array periodic structures used by the slab generator, and their coordinate helpers. */
import { cellFromParameters, cellParameters } from "../symmetry/lattice.js";

/** A periodic structure with a mutable layout: flat row-major cell, flat fractional coordinates. */
export interface PStruct {
  cell: number[];
  frac: number[];
  numbers: number[];
}

/** Wrap a fractional coordinate into [0, 1). */
export const wrap = (x: number): number => {
  const y = x - Math.floor(x);
  return y >= 1 - 1e-10 ? 0 : y;
};

/** Fractional to Cartesian. */
export function toCart(cell: ArrayLike<number>, s: ArrayLike<number>): [number, number, number] {
  return [0, 1, 2].map((k) => s[0]! * cell[k]! + s[1]! * cell[3 + k]! + s[2]! * cell[6 + k]!) as [number, number, number];
}

/** Cartesian to fractional, given the inverse cell. */
export function toFrac(inv: ArrayLike<number>, r: ArrayLike<number>): [number, number, number] {
  return [0, 1, 2].map((k) => r[0]! * inv[k]! + r[1]! * inv[3 + k]! + r[2]! * inv[6 + k]!) as [number, number, number];
}

/** Re-express a structure in pymatgen's standard orientation (c along z, a in the xz plane); fractional coordinates unchanged. */
export function reorient(s: PStruct): PStruct {
  const [a, b, c, al, be, ga] = cellParameters(s.cell);
  return { ...s, cell: cellFromParameters(a, b, c, al, be, ga) };
}

