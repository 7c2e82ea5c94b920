import { z } from "zod";
import { ValidationError, zodIssues } from "@latticework/core";
import type { Atoms } from "../atoms/atoms.js";
import { chemicalSymbols } from "../atoms/elements.js";
import { det3 } from "../atoms/linalg3.js";
import { NeighborBuffers, buildNeighborList } from "../neighbor/neighbor-list.js";
import { BaseCalculator, CalculatorInputError, type CalculatorResults } from "./calculator.js";
import { EmtScratch, emtKernel, type EmtTables } from "./emt-kernel.js";
import { EMT_BETA, EMT_ELEMENTS, emtCutoff, emtGammas, emtParameters, type EmtCutoff } from "./emt-parameters.js";

/** Options of {@link EMT}. */
export const EmtOptionsSchema = z
  .object({
    /** ASAP cut-off: the cut-off comes from the elements present (default: from the whole table). */
    asapCutoff: z.boolean().default(false),
  })
  .strict();

function unsupported(bad: readonly string[]): CalculatorInputError {
  return new CalculatorInputError(`[emt] No EMT-potential for ${bad.join(", ")}: EMT supports only ${EMT_ELEMENTS.join(", ")}. Use another calculator (e.g. Lennard-Jones) for these elements.`, { unsupported: bad });
}

/** EMT options as callers write them. */
export type EmtOptions = z.input<typeof EmtOptionsSchema>;

interface Setup {
  /** "*" (default mode: the whole table) or the sorted atomic numbers present (asap mode) */
  key: string;
  cut: EmtCutoff;
  tables: EmtTables;
  /** type index of each atomic number, -1 when the element is not in this setup */
  typeOfZ: Int32Array;
}

function makeSetup(key: string, elements: readonly string[], asap: boolean): Setup {
  const cut = emtCutoff(elements, asap);
  const nt = elements.length;
  const mk = (len = nt): Float64Array => new Float64Array(len);
  const T: EmtTables = {
    nt, rc: cut.rc, acut: cut.acut, E0: mk(), V0: mk(), eta2: mk(), kappa: mk(), lambda: mk(), invG1: mk(), pairCoef: mk(),
    kb: mk(), s0b: mk(), w1: mk(nt * nt), w2: mk(nt * nt),
  };
  const typeOfZ = new Int32Array(chemicalSymbols.length).fill(-1);
  const params = elements.map((sym) => emtParameters(sym)!);
  params.forEach((p, t) => {
    const g = emtGammas(p, cut);
    T.E0[t] = p.E0; T.V0[t] = p.V0; T.eta2[t] = p.eta2; T.kappa[t] = p.kappa; T.lambda[t] = p.lambda;
    T.invG1[t] = 1 / g.gamma1; T.pairCoef[t] = -p.V0 / (2 * g.gamma2); T.kb[t] = p.kappa / EMT_BETA; T.s0b[t] = EMT_BETA * p.s0;
    typeOfZ[chemicalSymbols.indexOf(elements[t]!)] = t;
  });
  for (let ti = 0; ti < nt; ti++) for (let tj = 0; tj < nt; tj++) {
    const chi = ti === tj ? 1 : params[tj]!.n0 / params[ti]!.n0; // chi_ij = n0_j / n0_i
    T.w1[ti * nt + tj] = chi * T.invG1[ti]!;
    T.w2[ti * nt + tj] = chi * T.pairCoef[ti]!;
  }
  return { key, cut, tables: T, typeOfZ };
}

/** Setups are immutable: one per (mode, element set), shared by every EMT instance. */
const setupCache = new Map<string, Setup>();

function cachedSetup(asap: boolean, present: readonly number[]): Setup {
  const key = asap ? present.join(",") : "*";
  const ck = `${asap}:${key}`;
  let s = setupCache.get(ck);
  if (!s) {
    s = asap ? makeSetup(key, present.map((z) => chemicalSymbols[z]!), true) : makeSetup("*", EMT_ELEMENTS, false);
    if (setupCache.size >= 256) setupCache.clear();
    setupCache.set(ck, s);
  }
  return s;
}

/**
 * Work buffers shared by all EMT instances: `compute` is synchronous and returns fresh result arrays,
 * so one set per thread (module instance) is safe, and new calculators (one per job, per relaxation)
 * do not pay for allocating and zero-filling tens of bytes per pair each time.
 */
const shared = { nl: new NeighborBuffers(), scratch: new EmtScratch(), type: new Int32Array(0) };

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
  private singleType = false;

  /**
   * Drop the work buffers shared by all EMT instances of this thread (they keep the size of the
   * largest system computed, about 70 bytes per atom pair, e.g. ~90 MB after 32,000 Cu atoms).
   */
  static releaseSharedBuffers(): void {
    shared.nl = new NeighborBuffers();
    shared.scratch = new EmtScratch();
    shared.type = new Int32Array(0);
  }

  /** @param options `{ asapCutoff?: boolean }` (default false); unknown keys are rejected. */
  constructor(options: EmtOptions = {}) {
    super();
    const parsed = EmtOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError("CONFIG_INVALID", "[emt] invalid options", zodIssues(parsed.error));
    this.asap = parsed.data.asapCutoff;
    this.parameters = { asap_cutoff: this.asap };
  }

  /**
   * The setup for `atoms` (rebuilt only when the element set changes in asap mode), and the type
   * index of every atom written into `this.type`.
   */
  private getSetup(atoms: Atoms): Setup {
    const nums = atoms.numbers, n = nums.length;
    if (shared.type.length < n) shared.type = new Int32Array(n);
    const type = shared.type;
    let s = this.setup;
    if (s && s.key !== "*") {
      // asap mode: valid only for exactly the same element set
      let ok = true;
      const seen = new Uint8Array(s.tables.nt);
      for (let a = 0; a < n; a++) {
        const t = s.typeOfZ[nums[a]!] ?? -1;
        if (t < 0) { ok = false; break; }
        seen[t] = 1;
      }
      if (!ok || seen.includes(0)) s = undefined;
    }
    if (!s) {
      const present = [...new Set(nums)].sort((a, b) => a - b);
      const bad = present.filter((z) => emtParameters(chemicalSymbols[z] ?? "") === undefined).map((z) => chemicalSymbols[z] ?? String(z));
      if (bad.length) throw unsupported(bad);
      s = cachedSetup(this.asap, present);
      this.setup = s;
    }
    const typeOfZ = s.typeOfZ;
    let single = true;
    for (let a = 0; a < n; a++) {
      const t = typeOfZ[nums[a]!] ?? -1;
      if (t < 0) {
        const bad = [...new Set(nums)].sort((x, y) => x - y).filter((z) => (typeOfZ[z] ?? -1) < 0).map((z) => chemicalSymbols[z] ?? String(z));
        throw unsupported(bad);
      }
      type[a] = t;
      if (t !== type[0]) single = false;
    }
    this.singleType = single;
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
    const nl = buildNeighborList(atoms.positions, atoms.cell, atoms.pbc, S.cut.rList, { buffers: shared.nl });
    const w = emtKernel(S.tables, shared.type, n, this.singleType, nl, shared.scratch, energies, forces);
    let energy = 0;
    for (let a = 0; a < n; a++) energy += energies[a]!;
    const out: CalculatorResults = { energy, freeEnergy: energy, forces, energies };
    if (fullCell) {
      const v = Math.abs(det);
      out.stress = Float64Array.of(w[0]! / v, w[1]! / v, w[2]! / v, w[3]! / v, w[4]! / v, w[5]! / v);
    }
    return out;
  }
}
