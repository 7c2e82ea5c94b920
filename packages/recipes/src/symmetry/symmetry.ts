/**
 * A tolerance-based symmetry finder in the spirit of spglib: the point group of a lattice (integer
 * matrices preserving the metric) and the space-group operations (W, t) of a periodic structure.
 * Conventions (spglib's): W acts on fractional column vectors, s' = W s + t.
 */
import { det3, inv3, matmul3, transpose3 } from "../atoms/linalg3.js";
import { matmulInt, metric, reduceBasis, type Mat3 } from "./lattice.js";

/** One space-group operation: rotation W (integer, row-major 3x3) and fractional translation t. */
export interface SymmetryOperation {
  rotation: Mat3;
  translation: [number, number, number];
}

/** A structure on plain arrays: cell (flat row-major), fractional coordinates (flat 3N) and species. */
export interface PeriodicStructure {
  cell: ArrayLike<number>;
  frac: ArrayLike<number>;
  numbers: ArrayLike<number>;
}

function wrapDiff(x: number): number {
  return x - Math.round(x);
}

/**
 * Point group of a lattice: all integer matrices W (in the basis of `cell`) with W^T G W = G within
 * `tolerance`, relative to the longest reduced cell vector: lengths may differ by tolerance x that
 * length, dot products by tolerance x that length x the longer of the two vectors. With `normalise`
 * the cell is first scaled to unit volume (as pymatgen does for reciprocal lattices). The identity
 * comes first.
 */
export function latticePointGroup(cell: ArrayLike<number>, options: { tolerance?: number; normalise?: boolean } = {}): Mat3[] {
  const tol = options.tolerance ?? 1e-3;
  const key = `${Array.from(cell).join(",")}|${tol}|${options.normalise ? 1 : 0}`;
  const hit = memo.get(key);
  if (hit) return hit.map((w) => [...w]);
  const ops = computeLatticePointGroup(cell, tol, !!options.normalise);
  if (memo.size > 256) memo.clear();
  memo.set(key, ops);
  return ops.map((w) => [...w]);
}

const memo = new Map<string, Mat3[]>();

function computeLatticePointGroup(cell: ArrayLike<number>, tol: number, normalise: boolean): Mat3[] {
  let c = Array.from(cell);
  if (normalise) {
    const s = Math.cbrt(Math.abs(det3(c)));
    c = c.map((x) => x / s);
  }
  const { cell: red, transform: p } = reduceBasis(c);
  const g = metric(red);
  // candidate images of each basis vector: lattice vectors of (almost) the same length
  const range = [-2, -1, 0, 1, 2];
  const vecs: number[][] = [];
  for (const i of range) for (const j of range) for (const k of range) if (i || j || k) vecs.push([i, j, k]);
  const quad = (u: number[], v: number[]): number => {
    let s = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += u[a]! * g[3 * a + b]! * v[b]!;
    return s;
  };
  const len = [0, 1, 2].map((i) => Math.sqrt(g[4 * i]!));
  const scale = Math.max(...len);
  const cands = [0, 1, 2].map((i) => vecs.filter((v) => Math.abs(Math.sqrt(quad(v, v)) - len[i]!) <= tol * scale));
  // dot-product tolerance of the pair (i, j): a length tolerance times the longer vector
  const dtol = (i: number, j: number): number => tol * scale * Math.max(len[i]!, len[j]!);
  const ops: Mat3[] = [];
  for (const u of cands[0]!) {
    for (const v of cands[1]!) {
      if (Math.abs(quad(u, v) - g[1]!) > dtol(0, 1)) continue;
      for (const w of cands[2]!) {
        if (Math.abs(quad(u, w) - g[2]!) > dtol(0, 2) || Math.abs(quad(v, w) - g[5]!) > dtol(1, 2)) continue;
        // columns are images of basis vectors (fractional column convention)
        const W = [u[0]!, v[0]!, w[0]!, u[1]!, v[1]!, w[1]!, u[2]!, v[2]!, w[2]!];
        if (Math.abs(Math.round(det3(W))) !== 1) continue;
        ops.push(W);
      }
    }
  }
  // back to the input basis: s_orig = P^T s_red, so W_orig = P^T W_red P^-T
  const pt = Array.from(transpose3(p));
  const ptInv = Array.from(inv3(pt), (x) => Math.round(x));
  const out = ops.map((w) => matmulInt(matmulInt(pt, w), ptInv));
  out.sort((a, b) => (isIdentity(b) ? 1 : 0) - (isIdentity(a) ? 1 : 0));
  return out;
}

function isIdentity(w: ArrayLike<number>): boolean {
  return [0, 4, 8].every((i) => w[i] === 1) && [1, 2, 3, 5, 6, 7].every((i) => w[i] === 0);
}

/**
 * Space-group operations of a periodic structure (spglib-like, tolerance `symprec` in Angstrom):
 * every lattice point-group rotation W combined with each translation t that maps every atom onto an
 * atom of the same species within symprec. Translations are wrapped to [0, 1).
 */
export function findSymmetryOperations(
  s: PeriodicStructure,
  options: { symprec?: number; rotationFilter?: (w: Mat3) => boolean; maxOperations?: number } = {},
): SymmetryOperation[] {
  const symprec = options.symprec ?? 0.01;
  const n = s.numbers.length;
  if (n === 0) return [];
  const cell = Array.from(s.cell);
  // lattice tolerance: symprec (Angstrom) relative to the longest cell vector
  const maxLen = Math.max(...[0, 1, 2].map((i) => Math.hypot(cell[3 * i]!, cell[3 * i + 1]!, cell[3 * i + 2]!)));
  let rots = latticePointGroup(cell, { tolerance: Math.min(0.05, symprec / maxLen) });
  if (options.rotationFilter) rots = rots.filter(options.rotationFilter);
  const maxOps = options.maxOperations ?? Infinity;
  // least frequent species anchors the candidate translations
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(s.numbers[i]!, (counts.get(s.numbers[i]!) ?? 0) + 1);
  let anchorZ = s.numbers[0]!;
  for (const [z, c] of counts) if (c < counts.get(anchorZ)!) anchorZ = z;
  let anchor = 0;
  while (s.numbers[anchor] !== anchorZ) anchor++;
  const fr = Float64Array.from(s.frac as ArrayLike<number>);
  const nums = Int32Array.from(s.numbers as ArrayLike<number>);
  const tol2 = symprec * symprec;
  const close = (dx: number, dy: number, dz: number): boolean => {
    dx -= Math.round(dx); dy -= Math.round(dy); dz -= Math.round(dz);
    const x = dx * cell[0]! + dy * cell[3]! + dz * cell[6]!;
    const y = dx * cell[1]! + dy * cell[4]! + dz * cell[7]!;
    const z = dx * cell[2]! + dy * cell[5]! + dz * cell[8]!;
    return x * x + y * y + z * z <= tol2;
  };
  const ops: SymmetryOperation[] = [];
  const rotated = new Float64Array(3 * n);
  for (const w of rots) {
    for (let i = 0; i < n; i++) {
      const a = fr[3 * i]!, b = fr[3 * i + 1]!, c = fr[3 * i + 2]!;
      rotated[3 * i] = w[0]! * a + w[1]! * b + w[2]! * c;
      rotated[3 * i + 1] = w[3]! * a + w[4]! * b + w[5]! * c;
      rotated[3 * i + 2] = w[6]! * a + w[7]! * b + w[8]! * c;
    }
    for (let j = 0; j < n; j++) {
      if (nums[j] !== anchorZ) continue;
      const t0 = fr[3 * j]! - rotated[3 * anchor]!, t1 = fr[3 * j + 1]! - rotated[3 * anchor + 1]!, t2 = fr[3 * j + 2]! - rotated[3 * anchor + 2]!;
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        const px = rotated[3 * i]! + t0, py = rotated[3 * i + 1]! + t1, pz = rotated[3 * i + 2]! + t2;
        let found = false;
        for (let m = 0; m < n; m++) {
          if (nums[m] === nums[i] && close(px - fr[3 * m]!, py - fr[3 * m + 1]!, pz - fr[3 * m + 2]!)) { found = true; break; }
        }
        ok = found;
      }
      if (ok) {
        const tw = [t0, t1, t2].map((x) => { const y = x - Math.floor(x); return y > 1 - 1e-8 ? 0 : y; }) as [number, number, number];
        if (!ops.some((o) => o.rotation.every((x, k) => x === w[k]) && close(o.translation[0] - tw[0], o.translation[1] - tw[1], o.translation[2] - tw[2]))) {
          ops.push({ rotation: w, translation: tw });
          if (ops.length >= maxOps) return ops;
        }
      }
    }
  }
  return ops;
}

/** Distinct rotations (the crystal's point group in the cell's basis) of {@link findSymmetryOperations}. */
export function pointGroupOperations(s: PeriodicStructure, options: { symprec?: number } = {}): Mat3[] {
  const out: Mat3[] = [];
  for (const op of findSymmetryOperations(s, options)) {
    if (!out.some((w) => w.every((x, k) => x === op.rotation[k]))) out.push(op.rotation);
  }
  return out;
}

/** Rotation matrix of an operation in Cartesian coordinates (R = A^T W A^-T for rows-as-vectors cells). */
export function cartesianRotation(cell: ArrayLike<number>, w: ArrayLike<number>): Mat3 {
  return Array.from(matmul3(matmul3(transpose3(cell), w), transpose3(inv3(cell))));
}
