import type { NeighborList } from "../neighbor/neighbor-list.js";
import { EMT_BETA } from "./emt-parameters.js";
import { fastExpUnchecked as fexp } from "./fast-exp.js";

/**
 * Per-type parameter tables of one EMT setup (types are small integers 0..nt-1; pair tables are
 * indexed ti * nt + tj). Built once per element set, reused by every evaluation.
 */
export interface EmtTables {
  /** Number of types. */
  nt: number;
  rc: number;
  acut: number;
  E0: Float64Array;
  V0: Float64Array;
  eta2: Float64Array;
  kappa: Float64Array;
  lambda: Float64Array;
  /** 1 / gamma1 */
  invG1: Float64Array;
  /** -V0 / (2 gamma2): coefficient of the pair sum in the atomic-sphere correction */
  pairCoef: Float64Array;
  /** kappa / beta */
  kb: Float64Array;
  /** beta * s0 */
  s0b: Float64Array;
  /** chi_ij / gamma1_i: weight of j's density term at atom i (pair table) */
  w1: Float64Array;
  /** chi_ij * pairCoef_i: weight of j's pair term at atom i (pair table) */
  w2: Float64Array;
}

/** Scratch storage reused between evaluations (optimizers call the calculator hundreds of times). */
export class EmtScratch {
  /** per atom: density sum sigma_1 (normalised), then dE/dsigma_1 / gamma1 */
  sig = new Float64Array(0);
  /** per pair: sigma-independent part of dE/dr / r, and the two density coefficients / r */
  g0 = new Float64Array(0);
  c1 = new Float64Array(0);
  c2 = new Float64Array(0);

  /** Grow the buffers to hold `n` atoms and `np` pairs. */
  ensure(n: number, np: number): void {
    if (this.sig.length < n) this.sig = new Float64Array(n);
    if (this.g0.length < np) {
      const cap = Math.ceil(np * 1.1) + 64;
      this.g0 = new Float64Array(cap);
      this.c1 = new Float64Array(cap);
      this.c2 = new Float64Array(cap);
    }
  }
}

/**
 * Energies, forces and virial of EMT (SPEC 1.4, 1.5) over a half neighbour list, in two passes:
 * pass 1 evaluates every pair's exponentials once (density terms, pair-correction energy and the
 * sigma-independent part of dE/dr), the per-atom pass turns densities into energies and dE/dsigma,
 * and pass 2 only combines stored per-pair coefficients into forces and the virial. Results are
 * accumulated into `energies` and `forces` (zeroed by the caller); returns the virial
 * [W00, W11, W22, W12, W02, W01]. `singleType` (every atom has type 0..nt-1 equal to
 * `type[0]`) selects a branch-free pass 1.
 *
 * Pair arguments of the exponentials are bounded (|x| < 40 for any r below the list cut-off), so
 * the range guard of fastExp is dropped. Each pass is its own small function so that V8 inlines
 * every exp call (a large function exceeds the inlining budget, and a non-inlined call boxes its
 * double result).
 */
export function emtKernel(
  T: EmtTables,
  type: Int32Array,
  n: number,
  singleType: boolean,
  nl: NeighborList,
  S: EmtScratch,
  energies: Float64Array,
  forces: Float64Array,
): Float64Array {
  S.ensure(n, nl.nPairs);
  S.sig.fill(0, 0, n);
  if (singleType) pass1Single(T, type[0]!, nl, S, energies);
  else pass1Mixed(T, type, nl, S, energies);
  perAtom(T, type, n, S.sig, energies);
  return pass2(nl, S, singleType ? S.c1 : S.c2, forces);
}

function pass1Single(T: EmtTables, t: number, nl: NeighborList, S: EmtScratch, energies: Float64Array): void {
  const np = nl.nPairs, PI = nl.i, PJ = nl.j, PR = nl.r;
  const sig = S.sig, G0 = S.g0, C1 = S.c1;
  const rc = T.rc, acut = T.acut, e = T.eta2[t]!, k = T.kb[t]!, s0b = T.s0b[t]!;
  const w1 = T.w1[t * (T.nt + 1)]!, w2 = T.w2[t * (T.nt + 1)]!;
  for (let p = 0; p < np; p++) {
    const i = PI[p]!, j = PJ[p]!, r = PR[p]!;
    // theta'/theta = -acut (1 - theta). Deep inside the cut-off exp(x) < 2^-53, so 1 + exp(x) is
    // exactly 1 in double precision: theta = 1 and theta'/theta ~ 1e-15, negligible; skip the exp.
    const x = acut * (r - rc);
    let theta = 1, tp = 0;
    if (x > -37) {
      const ex = fexp(x);
      theta = 1 / (1 + ex);
      tp = -acut * ex * theta;
    }
    const ir = 1 / r, dr = r - s0b;
    const d1 = w1 * theta * fexp(-e * dr); // the same from both ends
    const d2 = w2 * theta * fexp(-k * dr);
    sig[i]! += d1; sig[j]! += d1;
    energies[i]! += d2; energies[j]! += d2;
    G0[p] = 2 * d2 * (tp - k) * ir;
    C1[p] = d1 * (tp - e) * ir; // C2 would be the same: pass2 reads C1 for both ends
  }
}

function pass1Mixed(T: EmtTables, type: Int32Array, nl: NeighborList, S: EmtScratch, energies: Float64Array): void {
  const np = nl.nPairs, PI = nl.i, PJ = nl.j, PR = nl.r;
  const sig = S.sig, G0 = S.g0, C1 = S.c1, C2 = S.c2;
  const { nt, rc, acut, eta2, kb, s0b, w1, w2 } = T;
  for (let p = 0; p < np; p++) {
    const i = PI[p]!, j = PJ[p]!, r = PR[p]!;
    const ti = type[i]!, tj = type[j]!;
    const x = acut * (r - rc);
    let theta = 1, tp = 0;
    if (x > -37) {
      const ex = fexp(x);
      theta = 1 / (1 + ex);
      tp = -acut * ex * theta;
    }
    const ir = 1 / r;
    // side 0: j's terms as seen from i; side 1: i's terms seen from j (skipped when the types agree)
    let g0 = 0;
    for (let side = 0; side < 2; side++) {
      const ta = side === 0 ? ti : tj, tb = side === 0 ? tj : ti;
      const e = eta2[tb]!, k = kb[tb]!, dr = r - s0b[tb]!, w = ta * nt + tb;
      const a1 = w1[w]! * theta * fexp(-e * dr);
      const a2 = w2[w]! * theta * fexp(-k * dr);
      const c = a1 * (tp - e) * ir;
      if (ti === tj) {
        sig[i]! += a1; sig[j]! += a1;
        energies[i]! += a2; energies[j]! += a2;
        g0 = 2 * a2 * (tp - k);
        C1[p] = c; C2[p] = c;
        break;
      }
      energies[i]! += 0.5 * a2; energies[j]! += 0.5 * a2;
      g0 += a2 * (tp - k);
      if (side === 0) { sig[i]! += a1; C1[p] = c; } else { sig[j]! += a1; C2[p] = c; }
    }
    G0[p] = g0 * ir;
  }
}

/** Per atom: cohesive + 6 V0 terms; sig (normalised density) becomes dE/dsigma. */
function perAtom(T: EmtTables, type: Int32Array, n: number, sig: Float64Array, energies: Float64Array): void {
  const { E0, V0, eta2, kappa, lambda } = T;
  for (let a = 0; a < n; a++) {
    const t = type[a]!;
    const s1 = sig[a]!;
    if (s1 === 0) {
      energies[a]! -= E0[t]!; // isolated atom (SPEC 1.4.6): E = -E0, dE/dsigma = 0
      continue;
    }
    const be = EMT_BETA * eta2[t]!;
    const ds = -Math.log(s1 / 12) / be;
    const la = lambda[t]!, ka = kappa[t]!, e0 = E0[t]!, v0 = V0[t]!;
    const el = Math.exp(-la * ds);
    const ek = Math.exp(-ka * ds);
    energies[a]! += e0 * ((1 + la * ds) * el - 1) + 6 * v0 * ek;
    sig[a] = (e0 * la * la * ds * el + 6 * v0 * ka * ek) / (s1 * be);
  }
}

/**
 * Forces and virial from the stored coefficients (`C2` is `C1` itself for a single element); i's
 * force is kept in registers while i repeats.
 */
function pass2(nl: NeighborList, S: EmtScratch, C2: Float64Array, forces: Float64Array): Float64Array {
  const np = nl.nPairs, PI = nl.i, PJ = nl.j, D = nl.d;
  const sig = S.sig, G0 = S.g0, C1 = S.c1;
  let w00 = 0, w11 = 0, w22 = 0, w12 = 0, w02 = 0, w01 = 0;
  let ci = np > 0 ? PI[0]! : 0, si = sig[ci]!, ax = 0, ay = 0, az = 0;
  for (let p = 0; p < np; p++) {
    const i = PI[p]!, j = PJ[p]!;
    if (i !== ci) {
      forces[3 * ci]! += ax; forces[3 * ci + 1]! += ay; forces[3 * ci + 2]! += az;
      ax = 0; ay = 0; az = 0; ci = i; si = sig[i]!;
    }
    const gr = G0[p]! + si * C1[p]! + sig[j]! * C2[p]!;
    const o = 3 * p;
    const dx = D[o]!, dy = D[o + 1]!, dz = D[o + 2]!;
    const fx = gr * dx, fy = gr * dy, fz = gr * dz;
    ax += fx; ay += fy; az += fz;
    const oj = 3 * j;
    forces[oj]! -= fx; forces[oj + 1]! -= fy; forces[oj + 2]! -= fz;
    w00 += fx * dx; w11 += fy * dy; w22 += fz * dz;
    w12 += fy * dz; w02 += fx * dz; w01 += fx * dy;
  }
  forces[3 * ci]! += ax; forces[3 * ci + 1]! += ay; forces[3 * ci + 2]! += az;
  return Float64Array.of(w00, w11, w22, w12, w02, w01);
}
