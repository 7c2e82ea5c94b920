import { LatticeworkError } from "@latticework/core";
import { toGPa } from "../units.js";

/** Result of an equation-of-state fit. */
export interface EosFit {
  /** Equilibrium volume (Angstrom^3, per cell as given). */
  v0: number;
  /** Energy at v0 (eV). */
  e0: number;
  /** Bulk modulus (eV/Angstrom^3). */
  B: number;
  /** Bulk modulus (GPa). */
  BGPa: number;
  /** Pressure derivative of B (dimensionless). */
  Bp: number;
  form: "birchmurnaghan" | "sj";
}

/** Least-squares fit of a cubic polynomial c0 + c1 t + c2 t^2 + c3 t^3 (normal equations, 4x4). */
function fitCubic(t: readonly number[], e: readonly number[]): [number, number, number, number] {
  const n = t.length;
  if (n < 4) throw new LatticeworkError("INPUT_INVALID", `An EOS fit needs at least 4 points, got ${n}.`);
  const A = Array.from({ length: 4 }, () => new Array<number>(5).fill(0));
  // scale t to [~1] for conditioning
  const s = t.reduce((a, b) => a + Math.abs(b), 0) / n;
  for (let k = 0; k < n; k++) {
    const x = t[k]! / s;
    const p = [1, x, x * x, x * x * x];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) A[i]![j]! += p[i]! * p[j]!;
      A[i]![4]! += p[i]! * e[k]!;
    }
  }
  // Gaussian elimination with partial pivoting
  for (let c = 0; c < 4; c++) {
    let piv = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    const d = A[c]![c]!;
    if (Math.abs(d) < 1e-300) throw new LatticeworkError("INPUT_INVALID", "EOS fit is singular: the volumes must be distinct.");
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / d;
      for (let k = c; k < 5; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  const c = [0, 1, 2, 3].map((i) => A[i]![4]! / A[i]![i]!) as [number, number, number, number];
  return [c[0], c[1] / s, c[2] / (s * s), c[3] / (s * s * s)];
}

/** The positive root t* of p'(t) with p''(t*) > 0 closest to the data. */
function minimumOfCubic(c: [number, number, number, number], tMid: number): number {
  const [, b, cc, d] = c;
  // p'(t) = b + 2 cc t + 3 d t^2
  const roots: number[] = [];
  if (Math.abs(d) < 1e-300) roots.push(-b / (2 * cc));
  else {
    const disc = 4 * cc * cc - 12 * d * b;
    if (disc >= 0) {
      const sq = Math.sqrt(disc);
      roots.push((-2 * cc + sq) / (6 * d), (-2 * cc - sq) / (6 * d));
    }
  }
  const ok = roots.filter((t) => t > 0 && 2 * cc + 6 * d * t > 0).sort((x, y) => Math.abs(x - tMid) - Math.abs(y - tMid));
  if (ok.length === 0) throw new LatticeworkError("INPUT_INVALID", "EOS fit found no minimum: the energies do not bracket an equilibrium volume. Widen the strain range or start nearer equilibrium.");
  return ok[0]!;
}

/**
 * Fit E(V). `birchmurnaghan` (default): the third-order Birch-Murnaghan form, which is exactly a cubic
 * polynomial in x = V^(-2/3), fitted by linear least squares. `sj`: ASE's default stabilised
 * jellium fit, a cubic in t = V^(-1/3).
 */
export function fitEos(volumes: readonly number[], energies: readonly number[], form: "birchmurnaghan" | "sj" = "birchmurnaghan"): EosFit {
  if (volumes.length !== energies.length) throw new LatticeworkError("INPUT_INVALID", `EOS fit: ${volumes.length} volumes but ${energies.length} energies.`);
  const pw = form === "sj" ? -1 / 3 : -2 / 3;
  const t = volumes.map((v) => v ** pw);
  const c = fitCubic(t, energies);
  const tMid = t.reduce((a, b) => a + b, 0) / t.length;
  const ts = minimumOfCubic(c, tMid);
  const p = (x: number) => c[0] + c[1] * x + c[2] * x * x + c[3] * x * x * x;
  const p2 = 2 * c[2] + 6 * c[3] * ts;
  const p3 = 6 * c[3];
  const v0 = ts ** (1 / pw);
  // derivatives of t(V) = V^pw at v0
  const tV = pw * v0 ** (pw - 1);
  const tVV = pw * (pw - 1) * v0 ** (pw - 2);
  const EVV = p2 * tV * tV; // p'(t*) = 0
  const EVVV = p3 * tV ** 3 + 3 * p2 * tV * tVV;
  const B = v0 * EVV;
  const Bp = -1 - (v0 * EVVV) / EVV;
  return { v0, e0: p(ts), B, BGPa: toGPa(B), Bp, form };
}
