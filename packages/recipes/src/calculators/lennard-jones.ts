import { z } from "zod";
import { ValidationError, zodIssues } from "@latticework/core";
import type { Atoms } from "../atoms/atoms.js";
import { det3 } from "../atoms/linalg3.js";
import { NeighborBuffers, buildNeighborList } from "../neighbor/neighbor-list.js";
import { BaseCalculator, type CalculatorResults } from "./calculator.js";

/** Options of {@link LennardJones}, with ASE's defaults. */
export const LennardJonesOptionsSchema = z
  .object({
    /** Well depth (eV). */
    epsilon: z.number().positive().default(1.0),
    /** Zero-crossing distance (Angstrom). */
    sigma: z.number().positive().default(1.0),
    /** Cut-off radius (Angstrom); default 3 * sigma. */
    rc: z.number().positive().optional(),
    /** Onset of the smooth cut-off (Angstrom); default 0.66 * rc. Only used with `smooth`. */
    ro: z.number().positive().optional(),
    /**
     * Smooth cut-off: multiply the pair energy by a cubic switch in r^2 between ro and rc (ASE's
     * `smooth=True`). Without it the pair energy is shifted to zero at rc (forces jump at rc).
     */
    smooth: z.boolean().default(false),
  })
  .strict()
  .superRefine((o, ctx) => {
    const rc = o.rc ?? 3 * o.sigma;
    const ro = o.ro ?? 0.66 * rc;
    if (ro >= rc) ctx.addIssue({ code: "custom", path: ["ro"], message: `must be smaller than rc (${rc}), got ${ro}` });
  });

/** Lennard-Jones options as callers write them. */
export type LennardJonesOptions = z.input<typeof LennardJonesOptionsSchema>;

/**
 * Lennard-Jones pair potential, as ASE's `LennardJones`: one epsilon/sigma for all atoms (elements
 * are ignored), E = sum over pairs of 4 eps [(sigma/r)^12 - (sigma/r)^6], cut at rc (default
 * 3 sigma) and shifted to zero there, or switched off smoothly between ro and rc with `smooth`.
 * Per-atom energies split each pair equally. Stress (ASE sign) when the cell has rank 3.
 */
export class LennardJones extends BaseCalculator {
  readonly name = "LennardJones";
  readonly parameters: { epsilon: number; sigma: number; rc: number; ro: number; smooth: boolean };
  private readonly nl = new NeighborBuffers();

  /** @param options epsilon, sigma, rc, ro, smooth (ASE defaults 1, 1, 3 sigma, 0.66 rc, false) */
  constructor(options: LennardJonesOptions = {}) {
    super();
    const parsed = LennardJonesOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError("CONFIG_INVALID", "[lj] invalid options", zodIssues(parsed.error));
    const o = parsed.data;
    const rc = o.rc ?? 3 * o.sigma;
    this.parameters = { epsilon: o.epsilon, sigma: o.sigma, rc, ro: o.ro ?? 0.66 * rc, smooth: o.smooth };
  }

  protected compute(atoms: Atoms): CalculatorResults {
    const { epsilon, sigma, rc, ro, smooth } = this.parameters;
    const n = atoms.length;
    const energies = new Float64Array(n);
    const forces = new Float64Array(3 * n);
    const det = det3(atoms.cell);
    const nl = buildNeighborList(atoms.positions, atoms.cell, atoms.pbc, rc, { buffers: this.nl });
    const s2 = sigma * sigma, rc2 = rc * rc, ro2 = ro * ro;
    const e0 = 4 * epsilon * ((s2 / rc2) ** 6 - (s2 / rc2) ** 3);
    const span3 = (rc2 - ro2) ** 3;
    let w00 = 0, w11 = 0, w22 = 0, w12 = 0, w02 = 0, w01 = 0;
    for (let p = 0; p < nl.nPairs; p++) {
      const i = nl.i[p]!, j = nl.j[p]!;
      const dx = nl.d[3 * p]!, dy = nl.d[3 * p + 1]!, dz = nl.d[3 * p + 2]!;
      const r2 = dx * dx + dy * dy + dz * dz;
      const c6 = (s2 / r2) ** 3;
      const c12 = c6 * c6;
      let e = 4 * epsilon * (c12 - c6);
      // dE/d(r^2)
      let dEdr2 = (-12 * epsilon * (2 * c12 - c6)) / r2;
      if (smooth) {
        if (r2 > ro2) {
          const sw = ((rc2 - r2) ** 2 * (rc2 + 2 * r2 - 3 * ro2)) / span3;
          const dsw = (6 * (rc2 - r2) * (ro2 - r2)) / span3;
          dEdr2 = sw * dEdr2 + dsw * e;
          e *= sw;
        }
      } else {
        e -= e0;
      }
      energies[i]! += 0.5 * e;
      energies[j]! += 0.5 * e;
      // F_i = -dE/dr_i = 2 dE/dr2 * d (d = r_j - r_i)
      const fx = 2 * dEdr2 * dx, fy = 2 * dEdr2 * dy, fz = 2 * dEdr2 * dz;
      forces[3 * i]! += fx; forces[3 * i + 1]! += fy; forces[3 * i + 2]! += fz;
      forces[3 * j]! -= fx; forces[3 * j + 1]! -= fy; forces[3 * j + 2]! -= fz;
      w00 += fx * dx; w11 += fy * dy; w22 += fz * dz; w12 += fy * dz; w02 += fx * dz; w01 += fx * dy;
    }
    let energy = 0;
    for (let a = 0; a < n; a++) energy += energies[a]!;
    const out: CalculatorResults = { energy, freeEnergy: energy, forces, energies };
    if (Math.abs(det) > 1e-12) {
      const v = Math.abs(det);
      out.stress = Float64Array.of(w00 / v, w11 / v, w22 / v, w12 / v, w02 / v, w01 / v);
    }
    return out;
  }
}
