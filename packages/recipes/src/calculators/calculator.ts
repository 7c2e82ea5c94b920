import { LatticeworkError } from "@latticework/core";
import type { Atoms } from "../atoms/atoms.js";

/** Properties a calculator can compute. */
export type Property = "energy" | "forces" | "stress" | "energies";

/**
 * Results of a calculation. Units: eV, eV/Angstrom, eV/Angstrom^3. `stress` is the Voigt 6-vector
 * [xx, yy, zz, yz, xz, xy] with ASE's sign (positive = tensile, the cell wants to shrink); it is
 * present when the cell is three-dimensional (rank 3). Forces are the raw (unconstrained) forces.
 */
export interface CalculatorResults {
  energy: number;
  /** Same as energy for these classical potentials (ASE's `free_energy`). */
  freeEnergy: number;
  /** Forces, flat 3N. */
  forces: Float64Array;
  /** Per-atom energies summing to `energy`. */
  energies: Float64Array;
  /** Voigt stress when the cell has rank 3. */
  stress?: Float64Array;
}

/** A potential-energy calculator. */
export interface Calculator {
  /** Short name ("EMT", "LennardJones"). */
  readonly name: string;
  /** The calculator's parameters as plain JSON (ASE `calc.parameters`). */
  readonly parameters: Record<string, unknown>;
  /**
   * Compute the results for `atoms`. Results are cached per geometry (numbers, positions, cell,
   * pbc): asking again for the same geometry returns the cached object. `properties` lists what is
   * needed; implementations may compute more.
   */
  calculate(atoms: Atoms, properties?: readonly Property[]): CalculatorResults;
}

/** Error raised when the calculator cannot handle the atoms (unsupported element, bad cell, ...); code INPUT_INVALID. */
export class CalculatorInputError extends LatticeworkError {
  /** @param message what is wrong and what to do */
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("INPUT_INVALID", message, { details });
  }
}

function sameArray(a: ArrayLike<number> | undefined, b: ArrayLike<number>): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Base class with the per-geometry cache. Subclasses implement {@link BaseCalculator.compute}.
 */
export abstract class BaseCalculator implements Calculator {
  abstract readonly name: string;
  abstract readonly parameters: Record<string, unknown>;
  private lastNumbers: Int32Array | undefined;
  private lastPositions: Float64Array | undefined;
  private lastCell: Float64Array | undefined;
  private lastPbc: string | undefined;
  private lastResults: CalculatorResults | undefined;
  /** Number of non-cached evaluations so far. */
  calls = 0;

  /** Compute results for a geometry (no caching). */
  protected abstract compute(atoms: Atoms): CalculatorResults;

  /** @inheritdoc */
  calculate(atoms: Atoms, _properties?: readonly Property[]): CalculatorResults {
    const pbc = atoms.pbc.join(",");
    if (
      this.lastResults &&
      this.lastPbc === pbc &&
      sameArray(this.lastNumbers, atoms.numbers) &&
      sameArray(this.lastCell, atoms.cell) &&
      sameArray(this.lastPositions, atoms.positions)
    ) {
      return this.lastResults;
    }
    const res = this.compute(atoms);
    this.calls++;
    this.lastNumbers = Int32Array.from(atoms.numbers);
    this.lastPositions = Float64Array.from(atoms.positions);
    this.lastCell = Float64Array.from(atoms.cell);
    this.lastPbc = pbc;
    this.lastResults = res;
    return res;
  }

  /** Drop the cached results. */
  reset(): void {
    this.lastResults = undefined;
    this.lastPositions = undefined;
  }
}

/** Plain-JSON view of results (arrays as nested lists), e.g. for job outputs. */
export function resultsToJSON(res: CalculatorResults): {
  energy: number;
  free_energy: number;
  forces: number[][];
  energies: number[];
  stress?: number[];
} {
  const forces: number[][] = [];
  for (let i = 0; i < res.forces.length / 3; i++) forces.push([res.forces[3 * i]!, res.forces[3 * i + 1]!, res.forces[3 * i + 2]!]);
  return {
    energy: res.energy,
    free_energy: res.freeEnergy,
    forces,
    energies: Array.from(res.energies),
    ...(res.stress ? { stress: Array.from(res.stress) } : {}),
  };
}

/** Largest per-atom force norm of a flat 3N force array, optionally ignoring fixed atoms. */
export function maxForce(forces: ArrayLike<number>, fixed: readonly number[] = []): number {
  const skip = new Set(fixed);
  let m = 0;
  for (let i = 0; i < forces.length / 3; i++) {
    if (skip.has(i)) continue;
    const f2 = forces[3 * i]! ** 2 + forces[3 * i + 1]! ** 2 + forces[3 * i + 2]! ** 2;
    if (f2 > m) m = f2;
  }
  return Math.sqrt(m);
}
