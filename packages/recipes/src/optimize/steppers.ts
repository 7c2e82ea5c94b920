import { symmetricEigen } from "./linalg.js";
import type { OptimizationTarget } from "./target.js";

/** One optimizer's step rule. `step` moves the target once, given the current forces. */
export interface Stepper {
  readonly name: "BFGS" | "LBFGS" | "FIRE";
  /** Parameters as ASE's `todict()` reports them (without fmax/max_steps). */
  readonly parameters: Record<string, unknown>;
  step(target: OptimizationTarget, f: Float64Array): void;
}

/** Scale the whole step so that its longest row is at most `maxstep` (ASE's determine_step); returns the factor. */
function capLongestRow(dr: Float64Array, maxstep: number): number {
  let longest = 0;
  for (let i = 0; i < dr.length; i += 3) longest = Math.max(longest, Math.hypot(dr[i]!, dr[i + 1]!, dr[i + 2]!));
  if (longest >= maxstep) {
    const s = maxstep / longest;
    for (let i = 0; i < dr.length; i++) dr[i]! *= s;
    return s;
  }
  return 1;
}

/**
 * BFGS with ASE's rules (SPEC 5.1): H0 = alpha I, rank-2 Hessian update skipped when max|dr| < 1e-7,
 * Newton step on |H| (dr = V (V^T f / |w|)), whole step scaled so the longest row is <= maxstep.
 *
 * While H is known to be positive definite only its inverse is kept, with the matching O(n^2)
 * inverse update (H dr is known without H: the previous step was dr = c H^-1 f0, so H dr = c f0), and
 * the step is H^-1 f, which is what ASE's eigen-decomposition gives for a positive definite H. When
 * the curvature condition fails, H is rebuilt from its inverse and ASE's eigen-decomposition step on
 * |H| is used until H is positive definite again.
 */
export class BFGSStepper implements Stepper {
  readonly name = "BFGS" as const;
  readonly parameters: { maxstep: number; alpha: number };
  /** Hessian; only materialised while it is not known to be positive definite */
  private H: Float64Array | undefined;
  /** inverse Hessian; valid while `pd` */
  private Hinv: Float64Array | undefined;
  private pd = true;
  /** scale applied to the previous Newton step dr = c H^-1 f0 */
  private lastScale = 1;
  /** Steps that needed the full eigen-decomposition (H not known to be positive definite). */
  eigenSteps = 0;
  private r0: Float64Array | undefined;
  private f0: Float64Array | undefined;

  constructor(opts: { maxstep: number; alpha: number }) {
    this.parameters = { maxstep: opts.maxstep, alpha: opts.alpha };
  }

  private update(r: Float64Array, f: Float64Array, n: number): void {
    const { alpha } = this.parameters;
    if ((!this.H && !this.Hinv) || !this.r0 || !this.f0) {
      this.Hinv = new Float64Array(n * n);
      for (let i = 0; i < n; i++) this.Hinv[i * n + i] = 1 / alpha;
      this.H = undefined;
      this.pd = true;
      return;
    }
    const dr = new Float64Array(n);
    let maxdr = 0;
    for (let i = 0; i < n; i++) { dr[i] = r[i]! - this.r0[i]!; maxdr = Math.max(maxdr, Math.abs(dr[i]!)); }
    if (maxdr < 1e-7) return;
    const df = new Float64Array(n);
    let a = 0;
    for (let i = 0; i < n; i++) { df[i] = f[i]! - this.f0[i]!; a += dr[i]! * df[i]!; }
    if (this.pd && this.Hinv) {
      // H dr = c f0, b = dr . H dr
      let b = 0;
      for (let i = 0; i < n; i++) b += dr[i]! * this.f0[i]!;
      b *= this.lastScale;
      // curvature y.s with y = -df (gradient change), s = dr: y.s = -a
      if (-a > 0 && b > 0) {
        // inverse BFGS update: Hinv <- (I - rho s y^T) Hinv (I - rho y s^T) + rho s s^T
        const rho = 1 / -a;
        const Hi = this.Hinv;
        const Hy = new Float64Array(n);
        for (let i = 0; i < n; i++) { let s = 0; const o = i * n; for (let j = 0; j < n; j++) s -= Hi[o + j]! * df[j]!; Hy[i] = s; }
        let yHy = 0;
        for (let i = 0; i < n; i++) yHy -= df[i]! * Hy[i]!;
        const c = rho * rho * yHy + rho;
        for (let i = 0; i < n; i++) {
          const o = i * n, si = dr[i]!, hyi = Hy[i]!;
          if (si === 0 && hyi === 0) continue;
          for (let j = 0; j < n; j++) Hi[o + j]! += c * si * dr[j]! - rho * (hyi * dr[j]! + si * Hy[j]!);
        }
        return;
      }
      // curvature fails: materialise H = (H^-1)^-1 and continue with ASE's explicit update
      const { values, vectors } = symmetricEigen(this.Hinv, n);
      const H = new Float64Array(n * n);
      for (let k = 0; k < n; k++) {
        const w = 1 / values[k]!;
        for (let i = 0; i < n; i++) { const vi = vectors[i * n + k]! * w; if (vi === 0) continue; const o = i * n; for (let j = 0; j < n; j++) H[o + j]! += vi * vectors[j * n + k]!; }
      }
      this.H = H;
      this.pd = false;
    }
    const H = this.H!;
    const dg = new Float64Array(n);
    for (let i = 0; i < n; i++) { let s = 0; const o = i * n; for (let j = 0; j < n; j++) s += H[o + j]! * dr[j]!; dg[i] = s; }
    let b = 0;
    for (let i = 0; i < n; i++) b += dr[i]! * dg[i]!;
    for (let i = 0; i < n; i++) {
      const o = i * n, dfi = df[i]! / a, dgi = dg[i]! / b;
      for (let j = 0; j < n; j++) H[o + j]! -= dfi * df[j]! + dgi * dg[j]!;
    }
  }

  step(target: OptimizationTarget, f: Float64Array): void {
    const r = target.getPositions();
    const n = r.length;
    this.update(r, f, n);
    const dr = new Float64Array(n);
    let newton = true;
    if (this.pd && this.Hinv) {
      const Hi = this.Hinv;
      for (let i = 0; i < n; i++) { let s = 0; const o = i * n; for (let j = 0; j < n; j++) s += Hi[o + j]! * f[j]!; dr[i] = s; }
    } else {
      this.eigenSteps++;
      const { values, vectors } = symmetricEigen(this.H!, n);
      const proj = new Float64Array(n);
      for (let c = 0; c < n; c++) { let s = 0; for (let k = 0; k < n; k++) s += f[k]! * vectors[k * n + c]!; proj[c] = s / Math.abs(values[c]!); }
      for (let i = 0; i < n; i++) { let s = 0; const o = i * n; for (let c = 0; c < n; c++) s += vectors[o + c]! * proj[c]!; dr[i] = s; }
      if (values[0]! > 0) {
        // positive definite again: keep only the inverse and return to the fast path
        const Hi = new Float64Array(n * n);
        for (let c = 0; c < n; c++) {
          const w = 1 / values[c]!;
          for (let i = 0; i < n; i++) { const vi = vectors[i * n + c]! * w; if (vi === 0) continue; const o = i * n; for (let j = 0; j < n; j++) Hi[o + j]! += vi * vectors[j * n + c]!; }
        }
        this.Hinv = Hi;
        this.H = undefined;
        this.pd = true;
      } else {
        newton = false;
      }
    }
    const scale = capLongestRow(dr, this.parameters.maxstep);
    this.lastScale = newton ? scale : Number.NaN;
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = r[i]! + dr[i]!;
    target.setPositions(next);
    this.r0 = r;
    this.f0 = Float64Array.from(f);
  }
}

/** L-BFGS with ASE's rules (SPEC 5.3): two-loop recursion, H0 = 1/alpha, no line search. */
export class LBFGSStepper implements Stepper {
  readonly name = "LBFGS" as const;
  readonly parameters: { maxstep: number; memory: number; damping: number; alpha: number };
  private s: Float64Array[] = [];
  private y: Float64Array[] = [];
  private rho: number[] = [];
  private r0: Float64Array | undefined;
  private f0: Float64Array | undefined;

  constructor(opts: { maxstep: number; memory: number; damping: number; alpha: number }) {
    this.parameters = { ...opts };
  }

  step(target: OptimizationTarget, f: Float64Array): void {
    const r = target.getPositions();
    const n = r.length;
    if (this.r0 && this.f0) {
      const s0 = new Float64Array(n), y0 = new Float64Array(n);
      let ys = 0;
      for (let i = 0; i < n; i++) { s0[i] = r[i]! - this.r0[i]!; y0[i] = this.f0[i]! - f[i]!; ys += y0[i]! * s0[i]!; }
      this.s.push(s0); this.y.push(y0); this.rho.push(1 / ys);
      if (this.s.length > this.parameters.memory) { this.s.shift(); this.y.shift(); this.rho.shift(); }
    }
    const m = this.s.length;
    const a = new Float64Array(m);
    const q = f.map((v) => -v);
    for (let k = m - 1; k >= 0; k--) {
      const sk = this.s[k]!, yk = this.y[k]!;
      let d = 0;
      for (let i = 0; i < n; i++) d += sk[i]! * q[i]!;
      a[k] = this.rho[k]! * d;
      for (let i = 0; i < n; i++) q[i]! -= a[k]! * yk[i]!;
    }
    const z = q.map((v) => v / this.parameters.alpha);
    for (let k = 0; k < m; k++) {
      const sk = this.s[k]!, yk = this.y[k]!;
      let d = 0;
      for (let i = 0; i < n; i++) d += yk[i]! * z[i]!;
      const b = this.rho[k]! * d;
      for (let i = 0; i < n; i++) z[i]! += sk[i]! * (a[k]! - b);
    }
    const dr = z.map((v) => -v);
    capLongestRow(dr, this.parameters.maxstep);
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = r[i]! + dr[i]! * this.parameters.damping;
    target.setPositions(next);
    this.r0 = r;
    this.f0 = Float64Array.from(f);
  }
}

/** FIRE with ASE's rules and defaults (SPEC 5.2); the global step norm is capped at maxstep. */
export class FIREStepper implements Stepper {
  readonly name = "FIRE" as const;
  readonly parameters: { dt: number; maxstep: number; dtmax: number; Nmin: number; finc: number; fdec: number; astart: number; fa: number; a: number };
  private v: Float64Array | undefined;
  private dt: number;
  private a: number;
  private nsteps = 0;

  constructor(opts: { dt: number; maxstep: number; dtmax: number; Nmin: number; finc: number; fdec: number; astart: number; fa: number; a: number }) {
    this.parameters = { ...opts };
    this.dt = opts.dt;
    this.a = opts.a;
  }

  step(target: OptimizationTarget, f: Float64Array): void {
    const P = this.parameters;
    const n = f.length;
    if (!this.v) {
      this.v = new Float64Array(n);
    } else {
      const v = this.v;
      let vf = 0, ff = 0, vv = 0;
      for (let i = 0; i < n; i++) { vf += f[i]! * v[i]!; ff += f[i]! * f[i]!; vv += v[i]! * v[i]!; }
      if (vf > 0) {
        const c = (this.a * Math.sqrt(vv)) / Math.sqrt(ff);
        for (let i = 0; i < n; i++) v[i] = (1 - this.a) * v[i]! + c * f[i]!;
        if (this.nsteps > P.Nmin) {
          this.dt = Math.min(this.dt * P.finc, P.dtmax);
          this.a *= P.fa;
        }
        this.nsteps++;
      } else {
        v.fill(0);
        this.a = P.astart;
        this.dt *= P.fdec;
        this.nsteps = 0;
      }
    }
    const v = this.v;
    const dr = new Float64Array(n);
    let norm2 = 0;
    for (let i = 0; i < n; i++) { v[i]! += this.dt * f[i]!; dr[i] = this.dt * v[i]!; norm2 += dr[i]! * dr[i]!; }
    const norm = Math.sqrt(norm2);
    if (norm > P.maxstep) for (let i = 0; i < n; i++) dr[i] = (P.maxstep * dr[i]!) / norm;
    const r = target.getPositions();
    for (let i = 0; i < n; i++) r[i]! += dr[i]!;
    target.setPositions(r);
  }
}
