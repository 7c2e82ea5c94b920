import { InputError } from "../atoms/input-error.js";
import { completeCell, cross3, det3, dot3, norm3, row3 } from "../atoms/linalg3.js";

/**
 * A half neighbour list: every unordered pair (i, j, image) with |d| < cutoff appears once (in
 * either order). Self-images (i === j, non-zero lattice shift) are included once per +/- shift pair.
 * `d` holds the separation vectors d = r_j + L - r_i (flat, 3 per pair), `r` their lengths.
 */
export interface NeighborList {
  /** Number of pairs. */
  nPairs: number;
  /** First atom of each pair. */
  i: Int32Array;
  /** Second atom of each pair. */
  j: Int32Array;
  /** Separation vectors r_j + L - r_i, flat (3 per pair). */
  d: Float64Array;
  /** Separation lengths. */
  r: Float64Array;
}

/** Reusable storage so repeated builds (optimizers, MD) do not reallocate. */
export class NeighborBuffers {
  i = new Int32Array(0);
  j = new Int32Array(0);
  d = new Float64Array(0);
  r = new Float64Array(0);

  /** Make room for at least `n` pairs (keeps the first `keep` entries). */
  reserve(n: number, keep = 0): void {
    if (this.i.length >= n) return;
    const cap = Math.max(n, Math.ceil(this.i.length * 1.5), 1024);
    const ni = new Int32Array(cap); ni.set(this.i.subarray(0, keep));
    const nj = new Int32Array(cap); nj.set(this.j.subarray(0, keep));
    const nd = new Float64Array(3 * cap); nd.set(this.d.subarray(0, 3 * keep));
    const nr = new Float64Array(cap); nr.set(this.r.subarray(0, keep));
    this.i = ni; this.j = nj; this.d = nd; this.r = nr;
  }
}

/** Options of {@link buildNeighborList}. */
export interface NeighborListOptions {
  /** Reuse these buffers (the returned arrays are views into them and are overwritten by the next build). */
  buffers?: NeighborBuffers;
}

/**
 * Build a half neighbour list with an O(N) cell list (binning in fractional coordinates).
 *
 * Works for any triclinic cell and mixed pbc. Along periodic axes the bin stencil wraps around and
 * crosses as many periodic images as the cut-off needs, so cells thinner than the cut-off (even a
 * 1-atom primitive cell) are handled without building explicit copies: every (j, image) pair within
 * the cut-off is visited exactly once. Non-periodic axes are binned over the atoms' extent and never
 * produce images; their cell vector may be zero.
 *
 * @param positions flat Cartesian positions (3N)
 * @param cell flat row-major cell (rows = lattice vectors)
 * @param pbc periodicity per axis (a periodic axis needs a non-zero cell vector)
 * @param cutoff pairs with distance < cutoff are listed
 */
export function buildNeighborList(
  positions: Float64Array,
  cell: ArrayLike<number>,
  pbc: readonly [boolean, boolean, boolean],
  cutoff: number,
  opts: NeighborListOptions = {},
): NeighborList {
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new InputError(`[neighbor] cutoff must be a positive finite number, got ${cutoff}`);
  const n = positions.length / 3;
  for (let k = 0; k < 3; k++) {
    if (pbc[k] && norm3(row3(cell, k)) === 0) {
      throw new InputError(`[neighbor] axis ${k} is periodic but cell vector ${k} is zero: give the cell a non-zero vector along that axis or set pbc[${k}] = false`);
    }
  }
  const buf = opts.buffers ?? new NeighborBuffers();
  const c = completeCell(cell);
  if (Math.abs(det3(c)) < 1e-12) throw new InputError("[neighbor] the cell is singular (its vectors are linearly dependent)");
  // reciprocal rows: s_k = r . recip_k ; plane spacing h_k = 1/|recip_k|
  const a0 = row3(c, 0), a1 = row3(c, 1), a2 = row3(c, 2);
  const vol = dot3(a0, cross3(a1, a2));
  const recip = [cross3(a1, a2), cross3(a2, a0), cross3(a0, a1)].map((v) => v.map((x) => x / vol) as [number, number, number]);
  const h = recip.map((v) => 1 / norm3(v));

  // fractional coordinates (wrapped on periodic axes), and wrapped Cartesian positions
  const frac = new Float64Array(3 * n);
  const wpos = new Float64Array(3 * n);
  const lo = [0, 0, 0], hi = [1, 1, 1];
  for (let k = 0; k < 3; k++) if (!pbc[k]) { lo[k] = Infinity; hi[k] = -Infinity; }
  for (let a = 0; a < n; a++) {
    const x = positions[3 * a]!, y = positions[3 * a + 1]!, z = positions[3 * a + 2]!;
    const s: number[] = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      let v = x * recip[k]![0] + y * recip[k]![1] + z * recip[k]![2];
      if (pbc[k]) {
        v -= Math.floor(v);
        if (v >= 1) v = 0;
      } else {
        if (v < lo[k]!) lo[k] = v;
        if (v > hi[k]!) hi[k] = v;
      }
      s[k] = v;
      frac[3 * a + k] = v;
    }
    for (let k = 0; k < 3; k++) wpos[3 * a + k] = s[0]! * c[k]! + s[1]! * c[3 + k]! + s[2]! * c[6 + k]!;
  }
  // bins
  const nb = [1, 1, 1], w = [1, 1, 1], m = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    if (!pbc[k] && !(hi[k]! >= lo[k]!)) { lo[k] = 0; hi[k] = 0; }
    const extent = pbc[k] ? 1 : hi[k]! - lo[k]!;
    const length = extent * h[k]!; // Angstrom across this axis
    // bins of at least half the cut-off: a 5x5x5 stencil of small bins holds fewer candidates than 3x3x3 big ones
    nb[k] = Math.max(1, Math.min(Math.floor((2 * length) / cutoff), 1 << 10));
    if (!pbc[k] && nb[k]! > 1) nb[k] = Math.max(1, Math.min(nb[k]!, n));
    w[k] = extent > 0 ? extent / nb[k]! : 1;
    m[k] = extent > 0 || pbc[k] ? Math.ceil(cutoff / (w[k]! * h[k]!)) : 0;
    if (!pbc[k]) m[k] = Math.min(m[k]!, nb[k]! - 1);
  }
  // keep the bin grid O(N) for sparse non-periodic systems
  while (nb[0]! * nb[1]! * nb[2]! > 8 * n + 64) {
    let k = 0;
    for (let q = 1; q < 3; q++) if (nb[q]! > nb[k]!) k = q;
    nb[k] = Math.max(1, Math.floor(nb[k]! / 2));
    const extent = pbc[k] ? 1 : hi[k]! - lo[k]!;
    w[k] = extent > 0 ? extent / nb[k]! : 1;
    m[k] = Math.ceil(cutoff / (w[k]! * h[k]!));
    if (!pbc[k]) m[k] = Math.min(m[k]!, nb[k]! - 1);
  }
  const [nb0, nb1, nb2] = nb as [number, number, number];
  const nbins = nb0 * nb1 * nb2;
  const binOf = new Int32Array(n);
  const count = new Int32Array(nbins + 1);
  for (let a = 0; a < n; a++) {
    let b = 0;
    for (let k = 0; k < 3; k++) {
      let q = Math.floor((frac[3 * a + k]! - lo[k]!) / w[k]!);
      if (q < 0) q = 0;
      if (q >= nb[k]!) q = nb[k]! - 1;
      b = b * nb[k]! + q;
    }
    binOf[a] = b;
    count[b + 1]!++;
  }
  for (let b = 0; b < nbins; b++) count[b + 1]! += count[b]!;
  const start = count.slice();
  const order = new Int32Array(n);
  for (let a = 0; a < n; a++) order[start[binOf[a]!]!++] = a;
  // count[] now holds bin starts (count[b]..count[b+1])

  // coordinates sorted by bin, for cache-friendly inner loops
  const sx = new Float64Array(n), sy = new Float64Array(n), sz = new Float64Array(n);
  for (let k = 0; k < n; k++) { const a = order[k]!; sx[k] = wpos[3 * a]!; sy[k] = wpos[3 * a + 1]!; sz[k] = wpos[3 * a + 2]!; }
  buf.reserve(Math.max(1024, n * 48));
  const np = scanBins(nb as [number, number, number], m as [number, number, number], pbc, c, count, order, sx, sy, sz, cutoff * cutoff, buf);
  return { nPairs: np, i: buf.i.subarray(0, np), j: buf.j.subarray(0, np), d: buf.d.subarray(0, 3 * np), r: buf.r.subarray(0, np) };
}

/**
 * The hot part of {@link buildNeighborList}, kept in its own small function (typed arrays and
 * numbers only) so that V8 optimises it quickly and stably. Returns the number of pairs.
 */
function scanBins(
  nb: readonly [number, number, number],
  m: readonly [number, number, number],
  pbc: readonly [boolean, boolean, boolean],
  c: Float64Array,
  count: Int32Array,
  order: Int32Array,
  sx: Float64Array,
  sy: Float64Array,
  sz: Float64Array,
  cut2: number,
  buf: NeighborBuffers,
): number {
  let np = 0;
  const [nb0, nb1, nb2] = nb;
  const c0 = c[0]!, c1 = c[1]!, c2 = c[2]!, c3 = c[3]!, c4 = c[4]!, c5 = c[5]!, c6 = c[6]!, c7 = c[7]!, c8 = c[8]!;
  const [m0, m1, m2] = m as [number, number, number];
  const [p0, p1, p2] = pbc;
  // Half stencil: an unordered pair seen from i with bin offset d is seen from j with offset -d, so
  // only offsets d > 0 (lexicographically) are scanned in full, and d = 0 only for k > l in one bin.
  // Along axis 2 consecutive bins with the same image shift are contiguous in the sorted order, so
  // each (d0, d1) row of the stencil is scanned as one or a few contiguous runs of atoms.
  for (let b0 = 0; b0 < nb0; b0++) for (let b1 = 0; b1 < nb1; b1++) for (let b2 = 0; b2 < nb2; b2++) {
    const bin = (b0 * nb1 + b1) * nb2 + b2;
    const iStart = count[bin]!, iEnd = count[bin + 1]!;
    if (iStart === iEnd) continue;
    for (let d0 = 0; d0 <= m0; d0++) {
      let q0 = b0 + d0, s0 = 0;
      if (p0) { s0 = Math.floor(q0 / nb0); q0 -= s0 * nb0; } else if (q0 >= nb0) continue;
      for (let d1 = d0 === 0 ? 0 : -m1; d1 <= m1; d1++) {
        let q1 = b1 + d1, s1 = 0;
        if (p1) { s1 = Math.floor(q1 / nb1); q1 -= s1 * nb1; } else if (q1 < 0 || q1 >= nb1) continue;
        const row = (q0 * nb1 + q1) * nb2;
        const half = d0 === 0 && d1 === 0;
        // absolute axis-2 bin range b2 + lo .. b2 + hi, split into runs of equal image shift
        let lo = b2 + (half ? 0 : -m2), hi = b2 + m2;
        if (!p2) { if (lo < 0) lo = 0; if (hi > nb2 - 1) hi = nb2 - 1; }
        while (lo <= hi) {
          const s2 = p2 ? Math.floor(lo / nb2) : 0;
          const runEnd = p2 ? Math.min(hi, (s2 + 1) * nb2 - 1) : hi;
          const qa = lo - s2 * nb2, qb = runEnd - s2 * nb2;
          // the run that starts at the i-bin itself (offset 0) only pairs k > l
          const selfRun = half && lo === b2;
          lo = runEnd + 1;
          const jStart = count[row + qa]!, jEnd = count[row + qb + 1]!;
          if (jStart === jEnd) continue;
          const tx = s0 * c0 + s1 * c3 + s2 * c6;
          const ty = s0 * c1 + s1 * c4 + s2 * c7;
          const tz = s0 * c2 + s1 * c5 + s2 * c8;
          for (let ii = iStart; ii < iEnd; ii++) {
            const xi = sx[ii]! - tx, yi = sy[ii]! - ty, zi = sz[ii]! - tz;
            const j0 = selfRun ? ii + 1 : jStart;
            if (np + (jEnd - j0) > buf.i.length) buf.reserve(np + (jEnd - j0), np);
            const bi = buf.i, bj = buf.j, bd = buf.d, br = buf.r;
            const ai = order[ii]!;
            for (let jj = j0; jj < jEnd; jj++) {
              const dx = sx[jj]! - xi;
              const dy = sy[jj]! - yi;
              const dz = sz[jj]! - zi;
              const r2 = dx * dx + dy * dy + dz * dz;
              if (r2 >= cut2) continue;
              bi[np] = ai; bj[np] = order[jj]!;
              bd[3 * np] = dx; bd[3 * np + 1] = dy; bd[3 * np + 2] = dz;
              br[np] = Math.sqrt(r2);
              np++;
            }
          }
        }
      }
    }
  }
  return np;
}

/**
 * Reference O(N^2 * images) neighbour search by brute-force image enumeration (for tests and tiny
 * systems). Same output convention as {@link buildNeighborList}.
 */
export function bruteForceNeighborList(positions: Float64Array, cell: ArrayLike<number>, pbc: readonly [boolean, boolean, boolean], cutoff: number): NeighborList {
  const n = positions.length / 3;
  const c = completeCell(cell);
  const a0 = row3(c, 0), a1 = row3(c, 1), a2 = row3(c, 2);
  const vol = dot3(a0, cross3(a1, a2));
  const recip = [cross3(a1, a2), cross3(a2, a0), cross3(a0, a1)].map((v) => v.map((x) => x / vol));
  // position extent along each periodic axis can be arbitrary (unwrapped), so widen by the spread
  const span = [0, 1, 2].map((k) => {
    let lo = Infinity, hi = -Infinity;
    for (let a = 0; a < n; a++) {
      const s = positions[3 * a]! * recip[k]![0]! + positions[3 * a + 1]! * recip[k]![1]! + positions[3 * a + 2]! * recip[k]![2]!;
      lo = Math.min(lo, s); hi = Math.max(hi, s);
    }
    return n ? Math.ceil(hi - lo) : 0;
  });
  const nk = [0, 1, 2].map((k) => (pbc[k] ? Math.ceil(cutoff * norm3(recip[k]!)) + 1 + span[k]! : 0));
  const I: number[] = [], J: number[] = [], D: number[] = [], R: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
    for (let s0 = -nk[0]!; s0 <= nk[0]!; s0++) for (let s1 = -nk[1]!; s1 <= nk[1]!; s1++) for (let s2 = -nk[2]!; s2 <= nk[2]!; s2++) {
      if (i === j) {
        if (s0 === 0 && s1 === 0 && s2 === 0) continue;
        if (!(s0 > 0 || (s0 === 0 && (s1 > 0 || (s1 === 0 && s2 > 0))))) continue;
      }
      const d = [0, 1, 2].map((k) => positions[3 * j + k]! + s0 * c[k]! + s1 * c[3 + k]! + s2 * c[6 + k]! - positions[3 * i + k]!);
      const r = norm3(d);
      if (r < cutoff) { I.push(i); J.push(j); D.push(...d); R.push(r); }
    }
  }
  return { nPairs: I.length, i: Int32Array.from(I), j: Int32Array.from(J), d: Float64Array.from(D), r: Float64Array.from(R) };
}
