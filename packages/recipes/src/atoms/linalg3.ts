/**
 * Small dense 3x3 helpers on row-major `Float64Array(9)` / `number[]` matrices. Cells are row-major
 * with rows = lattice vectors (ASE convention), so Cartesian r = s . cell for a fractional row s.
 */

/** A 3x3 matrix stored row-major in 9 numbers. */
export type Mat3 = Float64Array | number[];

/** Determinant of a row-major 3x3 matrix. */
export function det3(m: ArrayLike<number>): number {
  const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, f = m[5]!, g = m[6]!, h = m[7]!, i = m[8]!;
  return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}

/** Inverse of a row-major 3x3 matrix (throws a RangeError when singular). */
export function inv3(m: ArrayLike<number>): Float64Array {
  const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, f = m[5]!, g = m[6]!, h = m[7]!, i = m[8]!;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (det === 0 || !Number.isFinite(det)) throw new RangeError("singular 3x3 matrix");
  const r = 1 / det;
  return Float64Array.of(
    A * r, -(b * i - c * h) * r, (b * f - c * e) * r,
    B * r, (a * i - c * g) * r, -(a * f - c * d) * r,
    C * r, -(a * h - b * g) * r, (a * e - b * d) * r,
  );
}

/** Product a.b of two row-major 3x3 matrices. */
export function matmul3(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
    }
  }
  return out;
}

/** Transpose of a row-major 3x3 matrix. */
export function transpose3(m: ArrayLike<number>): Float64Array {
  return Float64Array.of(m[0]!, m[3]!, m[6]!, m[1]!, m[4]!, m[7]!, m[2]!, m[5]!, m[8]!);
}

/** Cross product of two 3-vectors. */
export function cross3(a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

/** Dot product of two 3-vectors. */
export function dot3(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

/** Euclidean norm of a 3-vector. */
export function norm3(a: ArrayLike<number>): number {
  return Math.sqrt(dot3(a, a));
}

/** Row `i` of a row-major 3x3 matrix as a tuple. */
export function row3(m: ArrayLike<number>, i: number): [number, number, number] {
  return [m[3 * i]!, m[3 * i + 1]!, m[3 * i + 2]!];
}

/**
 * Complete a cell whose zero rows mark missing (non-periodic, unset) directions, like ASE's
 * `Cell.complete()`: missing rows become unit vectors orthogonal to the present ones. Identical to
 * ASE when one row is missing, all three are, or the single present row lies along its own Cartesian
 * axis; for a single skewed row ASE's SVD-based choice of the in-plane pair may differ by a rotation.
 */
export function completeCell(cell: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(cell as ArrayLike<number>);
  const missing: number[] = [];
  for (let i = 0; i < 3; i++) if (norm3(row3(out, i)) < 1e-12) missing.push(i);
  if (missing.length === 0) return out;
  if (missing.length === 3) return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  if (missing.length === 2) {
    const k = [0, 1, 2].find((i) => !missing.includes(i))!;
    const v = row3(out, k);
    if (v[(k + 1) % 3] === 0 && v[(k + 2) % 3] === 0) {
      // vector along its own Cartesian axis: unit vectors, as ASE's SVD completion gives
      for (const m of missing) out[3 * m + m] = 1;
      if (det3(out) < 0) for (let c = 0; c < 3; c++) out[3 * missing[0]! + c] = -out[3 * missing[0]! + c]!;
      return out;
    }
    const u = v.map((x) => x / norm3(v)) as [number, number, number];
    // pick the Cartesian axis least aligned with u to start the orthogonal pair
    const ax: [number, number, number] = [0, 0, 0];
    let best = 0;
    for (let i = 1; i < 3; i++) if (Math.abs(u[i]!) < Math.abs(u[best]!)) best = i;
    ax[best] = 1;
    let w = cross3(u, ax);
    w = w.map((x) => x / norm3(w)) as [number, number, number];
    let t = cross3(u, w);
    t = t.map((x) => x / norm3(t)) as [number, number, number];
    // keep a right-handed, axis-ordered completion
    const [m0, m1] = missing as [number, number];
    const set = (i: number, vv: number[]): void => { out[3 * i] = vv[0]!; out[3 * i + 1] = vv[1]!; out[3 * i + 2] = vv[2]!; };
    set(m0, w);
    set(m1, t);
    if (det3(out) < 0) set(m1, t.map((x) => -x));
    return out;
  }
  const m = missing[0]!;
  const a = row3(out, (m + 1) % 3), b = row3(out, (m + 2) % 3);
  const c = cross3(a, b);
  const n = norm3(c);
  out[3 * m] = c[0] / n; out[3 * m + 1] = c[1] / n; out[3 * m + 2] = c[2] / n;
  return out;
}
