import type { Atoms } from "../atoms/atoms.js";
import type { Calculator, CalculatorResults } from "../calculators/calculator.js";

/**
 * What an optimizer moves: M "rows" of 3 generalised coordinates with their generalised forces.
 * For plain atoms M = N; a cell filter adds 3 rows for the cell degrees of freedom.
 */
export interface OptimizationTarget {
  /** The underlying atoms (mutated in place as the optimizer steps). */
  readonly atoms: Atoms;
  /** Number of rows (M). */
  readonly rows: number;
  /** Generalised coordinates, flat 3M (a fresh copy). */
  getPositions(): Float64Array;
  /** Move to new generalised coordinates (applies constraints: fixed atoms stay). */
  setPositions(x: Float64Array): void;
  /** Generalised forces, flat 3M, constraint-projected (fixed atoms have zero force). */
  getForces(): Float64Array;
  /** Energy the optimizer minimises (E, or E + pV under a cell filter). */
  getEnergy(): number;
  /** The calculator results for the current geometry. */
  results(): CalculatorResults;
}

/** Plain atoms: positions are Cartesian, forces are the calculator's with FixAtoms rows zeroed. */
export class AtomsTarget implements OptimizationTarget {
  readonly atoms: Atoms;
  private readonly calc: Calculator;

  /** @param atoms mutated in place; @param calc the calculator */
  constructor(atoms: Atoms, calc: Calculator) {
    this.atoms = atoms;
    this.calc = calc;
  }

  get rows(): number {
    return this.atoms.length;
  }

  getPositions(): Float64Array {
    return Float64Array.from(this.atoms.positions);
  }

  setPositions(x: Float64Array): void {
    this.atoms.setPositions(x);
  }

  results(): CalculatorResults {
    return this.calc.calculate(this.atoms, ["energy", "forces"]);
  }

  getForces(): Float64Array {
    const f = Float64Array.from(this.results().forces);
    for (const i of this.atoms.fixed) f[3 * i] = f[3 * i + 1] = f[3 * i + 2] = 0;
    return f;
  }

  getEnergy(): number {
    return this.results().energy;
  }
}
