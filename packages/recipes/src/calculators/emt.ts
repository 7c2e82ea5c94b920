import { z } from "zod";
import { ValidationError, zodIssues } from "@latticework/core";
import type { Atoms } from "../atoms/atoms.js";
import { chemicalSymbols } from "../atoms/elements.js";
import { det3 } from "../atoms/linalg3.js";
import { NeighborBuffers, buildNeighborList } from "../neighbor/neighbor-list.js";
import { BaseCalculator, CalculatorInputError, type CalculatorResults } from "./calculator.js";
import { fastExp } from "./fast-exp.js";
import { EMT_BETA, EMT_ELEMENTS, emtCutoff, emtGammas, emtParameters, type EmtCutoff } from "./emt-parameters.js";

/** Options of {@link EMT}. */
export const EmtOptionsSchema = z
  .object({
    /** ASAP cut-off: the cut-off comes from the elements present (default: from the whole table). */
    asapCutoff: z.boolean().default(false),
  })
  .strict();

/** EMT options as callers write them. */
export type EmtOptions = z.input<typeof EmtOptionsSchema>;

interface Setup {
  key: string;
  cut: EmtCutoff;
  /** per-type parameter arrays */
  E0: Float64Array; s0b: Float64Array; V0: Float64Array; eta2: Float64Array; kb: Float64Array;
  kappa: Float64Array; lambda: Float64Array; n0: Float64Array; g1: Float64Array; g2: Float64Array;
  typeOfZ: Int32Array;
}

/**
 * Effective Medium Theory, exactly as ASE's `EMT` (SPEC section 1): Al, Cu, Ag, Au, Ni, Pd, Pt and
 * (not for serious use) H, C, N, O. Energies are relative to the reference fcc crystals (an
 * isolated atom has -E0). Analytic forces and stress; periodic along axes with pbc only.
 */
export class EMT extends BaseCalculator {
  readonly name = "EMT";
  readonly parameters: { asap_cutoff: boolean };
  private readonly asap: boolean;
  private setup: Setup | undefined;
  private readonly nl = new NeighborBuffers();
  private pairBuf = new Float64Array(0);

  /** @param options `{ asapCutoff?: boolean }` (default false); unknown keys are rejected. */
  constructor(options: EmtOptions = {}) {
    super();
    const parsed = EmtOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError("CONFIG_INVALID", "[emt] invalid options", zodIssues(parsed.error));
    this.asap = parsed.data.asapCutoff;
    this.parameters = { asap_cutoff: this.asap };
  }

  private getSetup(atoms: Atoms): Setup {
    const present = [...new Set(atoms.numbers)].sort((a, b) => a - b);
    const key = present.join(",");
    if (this.setup && (this.setup.key === key || !this.asap)) {
      // default mode: one setup covers all elements
      if (this.setup.key === key || this.setup.key === "*") return this.setup;
    }
    const bad = present.filter((z) => emtParameters(chemicalSymbols[z] ?? "") === undefined).map((z) => chemicalSymbols[z] ?? String(z));
    if (bad.length) {
      throw new CalculatorInputError(`[emt] No EMT-potential for ${bad.join(", ")}: EMT supports only ${EMT_ELEMENTS.join(", ")}. Use another calculator (e.g. Lennard-Jones) for these elements.`, { unsupported: bad });
    }
    const elements = this.asap ? present.map((z) => chemicalSymbols[z]!) : [...EMT_ELEMENTS];
    const cut = emtCutoff(elements, this.asap);
    const nt = elements.length;
    const mk = (): Float64Array => new Float64Array(nt);
    const s: Setup = {
      key: this.asap ? key : "*", cut, E0: mk(), s0b: mk(), V0: mk(), eta2: mk(), kb: mk(), kappa: mk(), lambda: mk(), n0: mk(), g1: mk(), g2: mk(),
      typeOfZ: new Int32Array(chemicalSymbols.length).fill(-1),
    };
    elements.forEach((sym, t) => {
      const p = emtParameters(sym)!;
      const g = emtGammas(p, cut);
      s.E0[t] = p.E0; s.s0b[t] = EMT_BETA * p.s0; s.V0[t] = p.V0; s.eta2[t] = p.eta2; s.kb[t] = p.kappa / EMT_BETA;
      s.kappa[t] = p.kappa; s.lambda[t] = p.lambda; s.n0[t] = p.n0; s.g1[t] = g.gamma1; s.g2[t] = g.gamma2;
      s.typeOfZ[chemicalSymbols.indexOf(sym)] = t;
    });
    this.setup = s;
    return s;
  }

  /** The cut-off quantities (rc, acut, rList) that apply to `atoms`. */
  cutoffFor(atoms: Atoms): EmtCutoff {
    return { ...this.getSetup(atoms).cut };
  }

  protected compute(atoms: Atoms): CalculatorResults {
    const n = atoms.length;
    const energies = new Float64Array(n);
    const forces = new Float64Array(3 * n);
    const det = det3(atoms.cell);
    const fullCell = Math.abs(det) > 1e-12;
    if (n === 0) return { energy: 0, freeEnergy: 0, forces, energies, ...(fullCell ? { stress: new Float64Array(6) } : {}) };
    const S = this.getSetup(atoms);
    const { rc, acut, rList } = S.cut;
    const type = new Int32Array(n);
    for (let a = 0; a < n; a++) type[a] = S.typeOfZ[atoms.numbers[a]!]!;
    const nl = buildNeighborList(atoms.positions, atoms.cell, atoms.pbc, rList, { buffers: this.nl });
    const np = nl.nPairs;
    if (this.pairBuf.length < 5 * np) this.pairBuf = new Float64Array(Math.ceil(5 * np * 1.2));
    const P = this.pairBuf; // per pair: A1ij, A1ji, A2ij, A2ji, theta'/theta
    const sig1 = new Float64Array(n);
    const sig2 = new Float64Array(n);
    const { i: PI, j: PJ, r: PR } = nl;
    const { s0b, eta2, kb, n0, g1, g2 } = S;
    for (let p = 0; p < np; p++) {
      const i = PI[p]!, j = PJ[p]!, r = PR[p]!;
      const ti = type[i]!, tj = type[j]!;
      // theta'/theta = -acut (1 - theta). Deep inside the cut-off exp(x) < 2^-53, so 1 + exp(x) is
      // exactly 1 in double precision: theta = 1 and theta'/theta ~ 1e-15, negligible; skip the exp.
      const x = acut * (r - rc);
      let theta = 1, tp = 0;
      if (x > -37) {
        const ex = fastExp(x);
        theta = 1 / (1 + ex);
        tp = -acut * ex * theta;
      }
      let a1ij: number, a1ji: number, a2ij: number, a2ji: number;
      if (ti === tj) {
        const dr = r - s0b[tj]!;
        a1ij = a1ji = theta * fastExp(-eta2[tj]! * dr);
        a2ij = a2ji = theta * fastExp(-kb[tj]! * dr);
      } else {
        const drj = r - s0b[tj]!, dri = r - s0b[ti]!;
        const chiij = n0[tj]! / n0[ti]!;
        a1ij = chiij * theta * fastExp(-eta2[tj]! * drj);
        a2ij = chiij * theta * fastExp(-kb[tj]! * drj);
        a1ji = (theta * fastExp(-eta2[ti]! * dri)) / chiij;
        a2ji = (theta * fastExp(-kb[ti]! * dri)) / chiij;
      }
      const o = 5 * p;
      P[o] = a1ij; P[o + 1] = a1ji; P[o + 2] = a2ij; P[o + 3] = a2ji; P[o + 4] = tp;
      sig1[i]! += a1ij; sig1[j]! += a1ji;
      sig2[i]! += a2ij; sig2[j]! += a2ji;
    }
    // per-atom terms; sig1/sig2 hold the un-normalised sums until here
    const dEdSig1 = new Float64Array(n); // dE/dsigma_i / gamma1_i
    const pairCoef = new Float64Array(n); // -V0_i / (2 gamma2_i)
    const { E0, V0, kappa, lambda } = S;
    let energy = 0;
    for (let a = 0; a < n; a++) {
      const t = type[a]!;
      pairCoef[a] = -V0[t]! / (2 * g2[t]!);
      const s1 = sig1[a]! / g1[t]!;
      if (s1 === 0) {
        energies[a] = -E0[t]!;
        continue;
      }
      const ds = -Math.log(s1 / 12) / (EMT_BETA * eta2[t]!);
      const el = Math.exp(-lambda[t]! * ds);
      const ek = Math.exp(-kappa[t]! * ds);
      energies[a] = E0[t]! * ((1 + lambda[t]! * ds) * el - 1) + 6 * V0[t]! * ek;
      dEdSig1[a] = ((E0[t]! * lambda[t]! * lambda[t]! * ds * el + 6 * V0[t]! * kappa[t]! * ek) / (s1 * EMT_BETA * eta2[t]!)) / g1[t]!;
    }
    let w00 = 0, w11 = 0, w22 = 0, w12 = 0, w02 = 0, w01 = 0;
    const D = nl.d;
    for (let p = 0; p < np; p++) {
      const i = PI[p]!, j = PJ[p]!, r = PR[p]!;
      const ti = type[i]!, tj = type[j]!;
      const o = 5 * p;
      const a1ij = P[o]!, a1ji = P[o + 1]!, a2ij = P[o + 2]!, a2ji = P[o + 3]!, tp = P[o + 4]!;
      const pci = pairCoef[i]!, pcj = pairCoef[j]!;
      const half = 0.5 * (pci * a2ij + pcj * a2ji);
      energies[i]! += half;
      energies[j]! += half;
      const g =
        pci * a2ij * (tp - kb[tj]!) + dEdSig1[i]! * a1ij * (tp - eta2[tj]!) +
        pcj * a2ji * (tp - kb[ti]!) + dEdSig1[j]! * a1ji * (tp - eta2[ti]!);
      const dx = D[3 * p]!, dy = D[3 * p + 1]!, dz = D[3 * p + 2]!;
      const gr = g / r;
      const fx = gr * dx, fy = gr * dy, fz = gr * dz;
      forces[3 * i]! += fx; forces[3 * i + 1]! += fy; forces[3 * i + 2]! += fz;
      forces[3 * j]! -= fx; forces[3 * j + 1]! -= fy; forces[3 * j + 2]! -= fz;
      w00 += fx * dx; w11 += fy * dy; w22 += fz * dz;
      w12 += fy * dz; w02 += fx * dz; w01 += fx * dy;
    }
    for (let a = 0; a < n; a++) energy += energies[a]!;
    const out: CalculatorResults = { energy, freeEnergy: energy, forces, energies };
    if (fullCell) {
      const v = Math.abs(det);
      out.stress = Float64Array.of(w00 / v, w11 / v, w22 / v, w12 / v, w02 / v, w01 / v);
    }
    return out;
  }
}
