/**
 * Dense linear algebra for the optimizers: symmetric eigen-decomposition (Householder
 * tridiagonalisation + implicit QL, the classic EISPACK tred2/tql2 scheme) and the matrix exponential
 * (scaling and squaring with a Taylor series). Matrices are row-major Float64Arrays.
 */

/**
 * Eigen-decomposition of a symmetric n x n matrix: returns eigenvalues (ascending) and the
 * eigenvectors as the columns of `vectors` (row-major n x n), so A = V diag(w) V^T.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  // V holds the matrix, then accumulates the transformations; d diagonal, e off-diagonal
  const V = Float64Array.from(a.subarray(0, n * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const at = (i: number, j: number): number => V[i * n + j]!;
  const set = (i: number, j: number, v: number): void => { V[i * n + j] = v; };
  for (let j = 0; j < n; j++) d[j] = at(n - 1, j);

  // Householder reduction to tridiagonal form
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) { d[j] = at(i - 1, j); set(i, j, 0); set(j, i, 0); }
    } else {
      for (let k = 0; k < i; k++) { d[k]! /= scale; h += d[k]! * d[k]!; }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        set(j, i, f);
        g = e[j]! + at(j, j) * f;
        for (let k = j + 1; k <= i - 1; k++) { g += at(k, j) * d[k]!; e[k]! += at(k, j) * f; }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j]! /= h; f += e[j]! * d[j]!; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!; g = e[j]!;
        for (let k = j; k <= i - 1; k++) set(k, j, at(k, j) - (f * e[k]! + g * d[k]!));
        d[j] = at(i - 1, j);
        set(i, j, 0);
      }
    }
    d[i] = h;
  }
  // accumulate transformations
  for (let i = 0; i < n - 1; i++) {
    set(n - 1, i, at(i, i));
    set(i, i, 1);
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = at(k, i + 1) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += at(k, i + 1) * at(k, j);
        for (let k = 0; k <= i; k++) set(k, j, at(k, j) - g * d[k]!);
      }
    }
    for (let k = 0; k <= i; k++) set(k, i + 1, 0);
  }
  for (let j = 0; j < n; j++) { d[j] = at(n - 1, j); set(n - 1, j, 0); }
  set(n - 1, n - 1, 1);
  e[0] = 0;

  // implicit QL iterations
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) { if (Math.abs(e[m]!) <= eps * tst1) break; m++; }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 200) throw new Error("symmetricEigen: no convergence");
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1]!;
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          for (let k = 0; k < n; k++) {
            h = at(k, i + 1);
            set(k, i + 1, s * at(k, i) + c * h);
            set(k, i, c * at(k, i) - s * h);
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  // sort ascending
  const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]!);
  const values = Float64Array.from(idx, (i) => d[i]!);
  const vectors = new Float64Array(n * n);
  for (let c = 0; c < n; c++) for (let r = 0; r < n; r++) vectors[r * n + c] = V[r * n + idx[c]!]!;
  return { values, vectors };
}

/** Product of row-major n x n matrices. */
export function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    const aik = a[i * n + k]!;
    if (aik === 0) continue;
    for (let j = 0; j < n; j++) out[i * n + j]! += aik * b[k * n + j]!;
  }
  return out;
}

/** Matrix exponential of a row-major n x n matrix (scaling and squaring, Taylor series to round-off). */
export function expm(a: Float64Array, n: number): Float64Array {
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += Math.abs(a[i * n + j]!);
    norm = Math.max(norm, row);
  }
  const s = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scale = 2 ** -s;
  const x = Float64Array.from(a, (v) => v * scale);
  const result = new Float64Array(n * n);
  for (let i = 0; i < n; i++) result[i * n + i] = 1;
  let term: Float64Array = Float64Array.from(result);
  for (let k = 1; k < 40; k++) {
    term = matmul(term, x, n);
    let tmax = 0;
    for (let i = 0; i < n * n; i++) { term[i]! /= k; result[i]! += term[i]!; tmax = Math.max(tmax, Math.abs(term[i]!)); }
    if (tmax < 1e-18) break;
  }
  let r: Float64Array = result;
  for (let q = 0; q < s; q++) r = matmul(r, r, n);
  return r;
}

/**
 * Frechet derivative of the matrix exponential of a 3x3 matrix A in direction E: the upper-right
 * block of expm([[A, E], [0, A]]).
 */
export function expmFrechet3(A: ArrayLike<number>, E: ArrayLike<number>): Float64Array {
  const B = new Float64Array(36);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    B[i * 6 + j] = A[i * 3 + j]!;
    B[(i + 3) * 6 + j + 3] = A[i * 3 + j]!;
    B[i * 6 + j + 3] = E[i * 3 + j]!;
  }
  const X = expm(B, 6);
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = X[i * 6 + j + 3]!;
  return out;
}
