import { z } from "zod";
import { ValidationError, zodIssues } from "@latticework/core";
import type { Atoms } from "../atoms/atoms.js";
import { inv3, matmul3, transpose3 } from "../atoms/linalg3.js";
import type { Calculator, CalculatorResults } from "../calculators/calculator.js";
import { CalculatorInputError } from "../calculators/calculator.js";
import { expm, expmFrechet3 } from "./linalg.js";
import type { OptimizationTarget } from "./target.js";

/** Options of {@link FrechetCellFilter} (ASE names in camelCase). */
export const CellFilterOptionsSchema = z
  .object({
    /** External pressure p (eV/Angstrom^3); the optimizer minimises E + pV. */
    scalarPressure: z.number().default(0),
    /** Voigt mask [xx, yy, zz, yz, xz, xy] of cell components allowed to change (1 = free). */
    mask: z.array(z.number()).length(6).optional(),
    /** Only change the volume (isotropic scaling). */
    hydrostaticStrain: z.boolean().default(false),
    /** Keep the volume fixed (remove the isotropic part of the virial). */
    constantVolume: z.boolean().default(false),
    /** Scale of the cell coordinates; default the number of atoms (ASE's exp_cell_factor). */
    expCellFactor: z.number().positive().optional(),
  })
  .strict();

/** Cell-filter options as callers write them. */
export type CellFilterOptions = z.input<typeof CellFilterOptionsSchema>;

/**
 * Cell relaxation with ASE's `FrechetCellFilter` semantics (ASE >= 3.23, the filter quacc uses):
 * N + 3 rows; atom rows are x_i = F^-1 r_i with forces F^T f_i, cell rows are U = c logm(F)
 * (c = expCellFactor, default N) with forces the adjoint Frechet derivative of expm applied to the
 * virial Xi F^-T, divided by c. F is the deformation gradient (cell = cell0 F^T) and
 * Xi = -V (sigma + p I). Convergence therefore also requires the cell rows' norms below fmax.
 */
export class FrechetCellFilter implements OptimizationTarget {
  readonly atoms: Atoms;
  private readonly calc: Calculator;
  private readonly cell0: Float64Array;
  private readonly opts: z.output<typeof CellFilterOptionsSchema>;
  private readonly factor: number;
  /** current cell coordinates U (row-major 3x3) */
  private U = new Float64Array(9);

  /** @param atoms must have a 3-D cell; mutated in place */
  constructor(atoms: Atoms, calc: Calculator, options: CellFilterOptions = {}) {
    const parsed = CellFilterOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ValidationError("CONFIG_INVALID", "[cell-filter] invalid options", zodIssues(parsed.error));
    if (!atoms.hasFullCell() || atoms.volume() < 1e-12) {
      throw new CalculatorInputError("[cell-filter] cell relaxation needs a three-dimensional cell (three non-zero, independent cell vectors); relax positions only for molecules");
    }
    this.atoms = atoms;
    this.calc = calc;
    this.opts = parsed.data;
    this.cell0 = Float64Array.from(atoms.cell);
    this.factor = parsed.data.expCellFactor ?? atoms.length;
  }

  get rows(): number {
    return this.atoms.length + 3;
  }

  /** Deformation gradient F with cell = cell0 F^T. */
  deformGrad(): Float64Array {
    return transpose3(matmul3(inv3(this.cell0), this.atoms.cell));
  }

  getPositions(): Float64Array {
    const n = this.atoms.length;
    const Finv = inv3(this.deformGrad());
    const x = new Float64Array(3 * (n + 3));
    const r = this.atoms.positions;
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < 3; a++) x[3 * i + a] = Finv[3 * a]! * r[3 * i]! + Finv[3 * a + 1]! * r[3 * i + 1]! + Finv[3 * a + 2]! * r[3 * i + 2]!;
    }
    x.set(this.U, 3 * n);
    return x;
  }

  setPositions(x: Float64Array): void {
    const n = this.atoms.length;
    this.U = Float64Array.from(x.subarray(3 * n, 3 * n + 9));
    const F = expm(this.U.map((v) => v / this.factor), 3);
    this.atoms.setCell(matmul3(this.cell0, transpose3(F)), { scaleAtoms: true });
    const r = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < 3; a++) r[3 * i + a] = F[3 * a]! * x[3 * i]! + F[3 * a + 1]! * x[3 * i + 1]! + F[3 * a + 2]! * x[3 * i + 2]!;
    }
    this.atoms.setPositions(r);
  }

  results(): CalculatorResults {
    return this.calc.calculate(this.atoms, ["energy", "forces", "stress"]);
  }

  /** Virial Xi = -V (sigma + p I), with mask / hydrostatic / constant-volume options applied. */
  private virial(res: CalculatorResults): Float64Array {
    const s = res.stress;
    if (!s) throw new CalculatorInputError("[cell-filter] the calculator returned no stress; cell relaxation needs a calculator with stress");
    const V = this.atoms.volume();
    const p = this.opts.scalarPressure;
    const full = Float64Array.of(s[0]! + p, s[5]!, s[4]!, s[5]!, s[1]! + p, s[3]!, s[4]!, s[3]!, s[2]! + p);
    let W = full.map((v) => -V * v);
    if (this.opts.mask) {
      const m = this.opts.mask;
      const m3 = [m[0]!, m[5]!, m[4]!, m[5]!, m[1]!, m[3]!, m[4]!, m[3]!, m[2]!];
      W = W.map((v, k) => v * m3[k]!);
    }
    if (this.opts.hydrostaticStrain) {
      const t = (W[0]! + W[4]! + W[8]!) / 3;
      W = Float64Array.of(t, 0, 0, 0, t, 0, 0, 0, t);
    }
    if (this.opts.constantVolume) {
      const t = (W[0]! + W[4]! + W[8]!) / 3;
      W[0]! -= t; W[4]! -= t; W[8]! -= t;
    }
    return W;
  }

  getForces(): Float64Array {
    const n = this.atoms.length;
    const res = this.results();
    const F = this.deformGrad();
    const out = new Float64Array(3 * (n + 3));
    const f = res.forces;
    const fixed = new Set(this.atoms.fixed);
    for (let i = 0; i < n; i++) {
      if (fixed.has(i)) continue;
      // row f_i^T F
      for (let b = 0; b < 3; b++) out[3 * i + b] = f[3 * i]! * F[b]! + f[3 * i + 1]! * F[3 + b]! + f[3 * i + 2]! * F[6 + b]!;
    }
    const G = matmul3(this.virial(res), transpose3(inv3(F))); // Xi F^-T
    const A = this.U.map((v) => v / this.factor); // logm(F)
    const cellForce = expmFrechet3(transpose3(A), G); // adjoint of D expm(A)[.] applied to G
    for (let k = 0; k < 9; k++) out[3 * n + k] = cellForce[k]! / this.factor;
    return out;
  }

  getEnergy(): number {
    return this.results().energy + this.opts.scalarPressure * this.atoms.volume();
  }
}
