/**
 * Lattice helpers on plain arrays. A cell is a flat row-major 3x3 (rows = lattice vectors, ASE
 * convention). Integer matrices are flat row-major 9-arrays too.
 */
import { cross3, det3, dot3, inv3, matmul3, norm3, row3, transpose3 } from "../atoms/linalg3.js";

/** A flat row-major 3x3 matrix. */
export type Mat3 = number[];

/** Reciprocal cell without the 2 pi factor: rows b_i with a_i . b_j = delta_ij. */
export function reciprocalCell(cell: ArrayLike<number>): Mat3 {
  return Array.from(transpose3(inv3(cell)));
}

/** Metric tensor G = A A^T of a cell (rows = vectors). */
export function metric(cell: ArrayLike<number>): Mat3 {
  return Array.from(matmul3(cell, transpose3(cell)));
}

/** Greatest common divisor of the absolute values (0 for all zeros). */
export function gcd(...xs: number[]): number {
  let g = 0;
  for (let x of xs) {
    x = Math.abs(x);
    while (x) [g, x] = [x, g % x];
  }
  return g;
}

/** Signed least common multiple, a*b/gcd(a,b) (the sign follows the product, as Python's `a*b//gcd`). */
export function lcmSigned(a: number, b: number): number {
  return (a * b) / gcd(a, b);
}

/** Integer 3x3 matrix product (row-major). */
export function matmulInt(a: ArrayLike<number>, b: ArrayLike<number>): Mat3 {
  return Array.from(matmul3(a, b), (x) => Math.round(x));
}

/** Integer determinant of a row-major 3x3. */
export function detInt(m: ArrayLike<number>): number {
  return Math.round(det3(m));
}

/**
 * Reduce a basis greedily (pairwise size reduction until nothing shortens; for 3-D lattices this gives
 * a short, nearly orthogonal basis, like a Gauss/LLL pass). Returns the reduced cell and the integer
 * unimodular matrix P with reduced = P . cell.
 */
export function reduceBasis(cell: ArrayLike<number>): { cell: Mat3; transform: Mat3 } {
  const v = [row3(cell, 0), row3(cell, 1), row3(cell, 2)];
  const p = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let iter = 0; iter < 200; iter++) {
    let changed = false;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        if (i === j) continue;
        const nj = dot3(v[j]!, v[j]!);
        const m = Math.round(dot3(v[i]!, v[j]!) / nj);
        if (m === 0) continue;
        const cand = v[i]!.map((x, k) => x - m * v[j]![k]!) as [number, number, number];
        if (dot3(cand, cand) < dot3(v[i]!, v[i]!) - 1e-12) {
          v[i] = cand;
          p[i] = p[i]!.map((x, k) => x - m * p[j]![k]!);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  // keep the handedness of the input
  if (det3(v.flat()) * det3(cell) < 0) {
    v[2] = v[2]!.map((x) => -x) as [number, number, number];
    p[2] = p[2]!.map((x) => -x);
  }
  return { cell: v.flat(), transform: p.flat() };
}

/** Gauss-reduce a 2-D basis given as two 3-D vectors: returns the shortest pair spanning the same lattice (|u| <= |v|). */
export function gaussReduce2D(u0: ArrayLike<number>, v0: ArrayLike<number>): { u: number[]; v: number[]; coef: [[number, number], [number, number]] } {
  let u = Array.from(u0), v = Array.from(v0);
  let cu: [number, number] = [1, 0], cv: [number, number] = [0, 1];
  for (let iter = 0; iter < 1000; iter++) {
    if (dot3(u, u) > dot3(v, v)) { [u, v] = [v, u]; [cu, cv] = [cv, cu]; }
    const m = Math.round(dot3(u, v) / dot3(u, u));
    if (m === 0) break;
    v = v.map((x, k) => x - m * u[k]!);
    cv = [cv[0] - m * cu[0], cv[1] - m * cu[1]];
  }
  if (dot3(u, u) > dot3(v, v) + 1e-12) { [u, v] = [v, u]; [cu, cv] = [cv, cu]; }
  return { u, v, coef: [cu, cv] };
}

/** Lattice parameters [a, b, c, alpha, beta, gamma] (degrees) of a cell. */
export function cellParameters(cell: ArrayLike<number>): [number, number, number, number, number, number] {
  const a = row3(cell, 0), b = row3(cell, 1), c = row3(cell, 2);
  const la = norm3(a), lb = norm3(b), lc = norm3(c);
  const ang = (x: number[], y: number[], lx: number, ly: number): number => (Math.acos(Math.max(-1, Math.min(1, dot3(x, y) / (lx * ly)))) * 180) / Math.PI;
  return [la, lb, lc, ang(b, c, lb, lc), ang(a, c, la, lc), ang(a, b, la, lb)];
}

/**
 * Cell from lattice parameters in pymatgen's standard orientation (`Lattice.from_parameters`): c along
 * z, a in the xz plane.
 */
export function cellFromParameters(a: number, b: number, c: number, alpha: number, beta: number, gamma: number): Mat3 {
  const r = Math.PI / 180;
  const [ca, cb, cg] = [Math.cos(alpha * r), Math.cos(beta * r), Math.cos(gamma * r)];
  const [sa, sb] = [Math.sin(alpha * r), Math.sin(beta * r)];
  const val = Math.max(-1, Math.min(1, (ca * cb - cg) / (sa * sb)));
  const gs = Math.acos(val);
  return [a * sb, 0, a * cb, -b * sa * Math.cos(gs), b * sa * Math.sin(gs), b * ca, 0, 0, c];
}

/** Unit normal of the plane spanned by the first two cell vectors (a x b / |a x b|). */
export function surfaceNormal(cell: ArrayLike<number>): [number, number, number] {
  const n = cross3(row3(cell, 0), row3(cell, 1));
  const l = norm3(n);
  return [n[0] / l, n[1] / l, n[2] / l];
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Lenstra-Lenstra-Lovasz reduction of a basis (rows), pymatgen's `get_lll_reduced_lattice` semantics
 * (delta 0.75), with the same incremental bookkeeping so that ties (|mu| = 1/2, common in hexagonal
 * slabs) fall the same way: vector k is size-reduced against vectors k-1 ... 1 (coefficients rounded
 * half to even, as Python rounds; Gram-Schmidt coefficients updated in place), then kept if the
 * Lovasz condition |b*_k|^2 >= (delta - mu_{k,k-1}^2) |b*_{k-1}|^2 holds, else swapped with vector
 * k-1 and the affected Gram-Schmidt data recomputed. Returns the reduced cell and the integer matrix
 * P with reduced = P . cell.
 */
export function lllReduce(cell: ArrayLike<number>, delta = 0.75): { cell: Mat3; transform: Mat3 } {
  const a = [row3(cell, 0), row3(cell, 1), row3(cell, 2)].map((v) => [...v]);
  const p = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const b: number[][] = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const u = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const m = [0, 0, 0];
  /** Gram-Schmidt data of vector s from a[s] and b[0..s-1] */
  const orth = (s: number): void => {
    for (let j = 0; j < s; j++) u[s]![j] = dot3(a[s]!, b[j]!) / m[j]!;
    b[s] = a[s]!.map((x, c) => { let v = x; for (let j = 0; j < s; j++) v -= u[s]![j]! * b[j]![c]!; return v; });
    m[s] = dot3(b[s]!, b[s]!);
  };
  for (let s = 0; s < 3; s++) orth(s);
  let k = 1;
  for (let guard = 0; k < 3 && guard < 10000; guard++) {
    for (let i = k - 1; i >= 0; i--) {
      const q = roundHalfEven(u[k]![i]!);
      if (q === 0) continue;
      a[k] = a[k]!.map((x, c) => x - q * a[i]![c]!);
      p[k] = p[k]!.map((x, c) => x - q * p[i]![c]!);
      for (let j = 0; j <= i; j++) u[k]![j] = u[k]![j]! - q * (j === i ? 1 : u[i]![j]!);
    }
    if (m[k]! >= (delta - u[k]![k - 1]! ** 2) * m[k - 1]!) {
      k++;
      continue;
    }
    [a[k], a[k - 1]] = [a[k - 1]!, a[k]!];
    [p[k], p[k - 1]] = [p[k - 1]!, p[k]!];
    orth(k - 1);
    orth(k);
    if (k > 1) k--;
    // (pymatgen's k == 2 branch, 1-based) refresh the third vector's coefficients
    if (k === 1) for (const j of [0, 1]) u[2]![j] = dot3(a[2]!, b[j]!) / m[j]!;
  }
  return { cell: a.flat(), transform: p.flat() };
}
