import { Bohr } from "../units.js";

/**
 * EMT parameters as published in ASE's `emt.py` (Jacobsen, Stoltze, Norskov, Surf. Sci. 366, 394
 * (1996)), in their raw units: E0, V0 in eV; s0 in bohr; eta2, kappa, lambda in 1/bohr; n0 in 1/bohr^3.
 */
export const EMT_RAW_PARAMETERS: Readonly<Record<string, readonly [E0: number, s0: number, V0: number, eta2: number, kappa: number, lambda: number, n0: number]>> = {
  Al: [-3.28, 3.0, 1.493, 1.24, 2.0, 1.169, 0.007],
  Cu: [-3.51, 2.67, 2.476, 1.652, 2.74, 1.906, 0.0091],
  Ag: [-2.96, 3.01, 2.132, 1.652, 2.79, 1.892, 0.00547],
  Au: [-3.8, 3.0, 2.321, 1.674, 2.873, 2.182, 0.00703],
  Ni: [-4.44, 2.6, 3.673, 1.669, 2.757, 1.948, 0.0103],
  Pd: [-3.9, 2.87, 2.773, 1.818, 3.107, 2.155, 0.00688],
  Pt: [-5.85, 2.9, 4.067, 1.812, 3.145, 2.192, 0.00802],
  H: [-3.21, 1.31, 0.132, 2.652, 2.79, 3.892, 0.00547],
  C: [-3.5, 1.81, 0.332, 1.652, 2.79, 1.892, 0.01322],
  N: [-5.1, 1.88, 0.132, 1.652, 2.79, 1.892, 0.01222],
  O: [-4.6, 1.95, 0.332, 1.652, 2.79, 1.892, 0.0085],
};

/** Elements EMT supports, in table order. */
export const EMT_ELEMENTS: readonly string[] = Object.keys(EMT_RAW_PARAMETERS);

/** EMT's beta: ASE's historically rounded (16 pi / 3)^(1/3) / sqrt(2). Exactly 1.809. */
export const EMT_BETA = 1.809;

/** One element's parameters converted to Angstrom units. */
export interface EmtElementParameters {
  E0: number;
  s0: number;
  V0: number;
  eta2: number;
  kappa: number;
  lambda: number;
  n0: number;
}

/** Parameters of one element in Angstrom units (s0 * a_B, eta2 / a_B, kappa / a_B, lambda / a_B, n0 / a_B^3). */
export function emtParameters(symbol: string): EmtElementParameters | undefined {
  const p = EMT_RAW_PARAMETERS[symbol];
  if (!p) return undefined;
  const [E0, s0, V0, eta2, kappa, lambda, n0] = p;
  return { E0, s0: s0 * Bohr, V0, eta2: eta2 / Bohr, kappa: kappa / Bohr, lambda: lambda / Bohr, n0: n0 / Bohr ** 3 };
}

/** Global cut-off quantities of one EMT mode (SPEC 1.2). */
export interface EmtCutoff {
  /** Midpoint of the 3rd and 4th fcc shells of the largest-s0 element. */
  rc: number;
  /** Logistic steepness. */
  acut: number;
  /** Hard pair cut-off. */
  rList: number;
}

/**
 * Cut-off for a set of elements: default mode uses the largest s0 of the whole table (Ag);
 * `asapCutoff` uses the largest s0 among `symbols`.
 */
export function emtCutoff(symbols: readonly string[], asapCutoff: boolean): EmtCutoff {
  const pool = asapCutoff ? symbols : EMT_ELEMENTS;
  let sMax = 0;
  for (const s of pool) sMax = Math.max(sMax, emtParameters(s)!.s0);
  const r1 = EMT_BETA * sMax;
  const rc = (r1 * (Math.sqrt(3) + Math.sqrt(4))) / 2;
  const acut = Math.log(9999) / (2 * r1 - rc);
  const rList = asapCutoff ? 1.045 * rc : rc + 0.5;
  return { rc, acut, rList };
}

/** gamma1, gamma2 normalisation of one element for a given cut-off (SPEC 1.3). */
export function emtGammas(p: EmtElementParameters, cut: EmtCutoff): { gamma1: number; gamma2: number } {
  let g1 = 0, g2 = 0;
  const counts = [12, 6, 24];
  for (let k = 1; k <= 3; k++) {
    const r = EMT_BETA * p.s0 * Math.sqrt(k);
    const theta = 1 / (1 + Math.exp(cut.acut * (r - cut.rc)));
    const w = counts[k - 1]! / 12;
    g1 += w * theta * Math.exp(-p.eta2 * (r - EMT_BETA * p.s0));
    g2 += w * theta * Math.exp(-(p.kappa / EMT_BETA) * (r - EMT_BETA * p.s0));
  }
  return { gamma1: g1, gamma2: g2 };
}
