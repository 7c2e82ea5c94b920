import { z } from "zod";
import { CancelledError, LatticeworkError, ValidationError, zodIssues } from "@latticework/core";
import type { Atoms } from "../atoms/atoms.js";
import type { Calculator, CalculatorResults } from "../calculators/calculator.js";
import { CellFilterOptionsSchema, FrechetCellFilter } from "./cell-filter.js";
import { BFGSStepper, FIREStepper, LBFGSStepper, type Stepper } from "./steppers.js";
import { AtomsTarget, type OptimizationTarget } from "./target.js";

/** Optimizer-specific options with ASE's defaults. Unknown keys are rejected. */
export const BFGSOptionsSchema = z.object({ maxstep: z.number().positive().default(0.2), alpha: z.number().positive().default(70) }).strict();
/** LBFGS options (ASE defaults: maxstep 0.2, memory 100, damping 1, alpha 70). */
export const LBFGSOptionsSchema = z
  .object({ maxstep: z.number().positive().default(0.2), memory: z.number().int().positive().default(100), damping: z.number().positive().default(1), alpha: z.number().positive().default(70) })
  .strict();
/** FIRE options (ASE defaults). `maxmove` is accepted as ASE's deprecated alias of maxstep. */
export const FIREOptionsSchema = z
  .object({
    dt: z.number().positive().default(0.1),
    maxstep: z.number().positive().optional(),
    maxmove: z.number().positive().optional(),
    dtmax: z.number().positive().default(1.0),
    Nmin: z.number().int().nonnegative().default(5),
    finc: z.number().positive().default(1.1),
    fdec: z.number().positive().default(0.5),
    astart: z.number().positive().default(0.1),
    fa: z.number().positive().default(0.99),
    a: z.number().positive().default(0.1),
  })
  .strict();

/** Options of {@link optimize}. */
export const OptimizeOptionsSchema = z
  .object({
    /** Which optimizer (default BFGS, like quacc). */
    optimizer: z.enum(["BFGS", "LBFGS", "FIRE"]).default("BFGS"),
    /** Converged when every row's force norm is strictly below fmax (eV/Angstrom). Default 0.05 (ASE's run default). */
    fmax: z.number().positive().default(0.05),
    /** Maximum number of optimizer steps (default 1000, like quacc). */
    maxSteps: z.number().int().nonnegative().default(1000),
    /** Optimizer-specific parameters (see BFGSOptionsSchema, LBFGSOptionsSchema, FIREOptionsSchema). */
    optimizerOptions: z.record(z.string(), z.unknown()).default({}),
    /** Relax the cell too (FrechetCellFilter); `true` or the filter's options. Needs a 3-D cell. */
    relaxCell: z.union([z.boolean(), CellFilterOptionsSchema]).default(false),
    /** Throw OptimizationNotConvergedError when not converged (like quacc's CHECK_CONVERGENCE). */
    throwOnNotConverged: z.boolean().default(false),
    /** Keep every frame's positions, cell and results (default: only the summary). */
    recordFrames: z.boolean().default(false),
  })
  .strict();

/** Optimize options as callers write them. */
export type OptimizeOptions = z.input<typeof OptimizeOptionsSchema> & {
  /** Checked between steps: when aborted the optimization stops with a CancelledError. */
  signal?: AbortSignal;
  /** Called after every frame (including frame 0). */
  onStep?: (info: { nsteps: number; energy: number; fmax: number }) => void;
};

/** One recorded frame (with `recordFrames`). */
export interface OptimizationFrame {
  positions: Float64Array;
  cell: Float64Array;
  results: CalculatorResults;
}

/** What {@link optimize} returns. */
export interface OptimizeResult {
  /** The optimized atoms (the same object that was passed in, moved in place). */
  atoms: Atoms;
  converged: boolean;
  /** Optimizer steps taken; there were nsteps + 1 energy/force evaluations and frames. */
  nsteps: number;
  /** Energy per frame (eV), frame 0 first. */
  energies: number[];
  /** fmax per frame: largest row force norm the optimizer saw (cell rows included under relaxCell). */
  fmaxs: number[];
  /** Final calculator results. */
  results: CalculatorResults;
  /** ASE `todict()`-style description: type, optimizer, step parameters, fmax, max_steps. */
  parameters: Record<string, unknown>;
  /** Per-frame data when `recordFrames` was set. */
  frames?: OptimizationFrame[];
}

/** Raised (with `throwOnNotConverged`) when the optimizer did not converge within maxSteps. */
export class OptimizationNotConvergedError extends LatticeworkError {
  /** The non-converged result. */
  readonly result: OptimizeResult;
  constructor(result: OptimizeResult, fmax: number) {
    super(
      "JOB_FAILED",
      `[optimize] Optimization did not converge: ${result.parameters.optimizer} took ${result.nsteps} steps (maxSteps) and the largest force is ${result.fmaxs.at(-1)} eV/A, not below fmax ${fmax}. Raise maxSteps, loosen fmax, or check the structure.`,
      { details: { nsteps: result.nsteps, fmax: result.fmaxs.at(-1) } },
    );
    this.result = result;
  }
}

function rowMax(f: Float64Array): number {
  let m = 0;
  for (let i = 0; i < f.length; i += 3) m = Math.max(m, f[i]! * f[i]! + f[i + 1]! * f[i + 1]! + f[i + 2]! * f[i + 2]!);
  return m;
}

function makeStepper(name: "BFGS" | "LBFGS" | "FIRE", raw: Record<string, unknown>): Stepper {
  const schema = name === "BFGS" ? BFGSOptionsSchema : name === "LBFGS" ? LBFGSOptionsSchema : FIREOptionsSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError("CONFIG_INVALID", `[optimize] invalid ${name} options`, zodIssues(parsed.error));
  if (name === "BFGS") return new BFGSStepper(parsed.data as z.output<typeof BFGSOptionsSchema>);
  if (name === "LBFGS") return new LBFGSStepper(parsed.data as z.output<typeof LBFGSOptionsSchema>);
  const f = parsed.data as z.output<typeof FIREOptionsSchema>;
  const { maxmove, maxstep, ...rest } = f;
  return new FIREStepper({ ...rest, maxstep: maxstep ?? maxmove ?? 0.2 });
}

/**
 * Relax `atoms` (in place) with BFGS, LBFGS or FIRE, following ASE's loop: evaluate, record frame 0,
 * then while not converged and nsteps < maxSteps: step, nsteps++, record. Converged means
 * max_i |F_i|^2 < fmax^2 (strict) over the generalised force rows (FixAtoms rows are zero; with
 * `relaxCell` the three cell rows of the FrechetCellFilter count too).
 */
export function optimize(atoms: Atoms, calc: Calculator, options: OptimizeOptions = {}): OptimizeResult {
  const { signal, onStep, ...rest } = options;
  const parsed = OptimizeOptionsSchema.safeParse(rest);
  if (!parsed.success) throw new ValidationError("CONFIG_INVALID", "[optimize] invalid options", zodIssues(parsed.error));
  const o = parsed.data;
  const stepper = makeStepper(o.optimizer, o.optimizerOptions);
  const target: OptimizationTarget = o.relaxCell === false ? new AtomsTarget(atoms, calc) : new FrechetCellFilter(atoms, calc, o.relaxCell === true ? {} : o.relaxCell);
  const energies: number[] = [];
  const fmaxs: number[] = [];
  const frames: OptimizationFrame[] | undefined = o.recordFrames ? [] : undefined;
  const fmax2 = o.fmax * o.fmax;
  let nsteps = 0;
  const record = (f: Float64Array): boolean => {
    const res = target.results();
    const m2 = rowMax(f);
    energies.push(res.energy);
    fmaxs.push(Math.sqrt(m2));
    frames?.push({ positions: Float64Array.from(atoms.positions), cell: Float64Array.from(atoms.cell), results: res });
    onStep?.({ nsteps, energy: res.energy, fmax: Math.sqrt(m2) });
    return m2 < fmax2;
  };
  if (signal?.aborted) throw new CancelledError("[optimize] cancelled before the first step", { cause: signal.reason });
  let f = target.getForces();
  let converged = record(f);
  while (!converged && nsteps < o.maxSteps) {
    if (signal?.aborted) throw new CancelledError(`[optimize] cancelled after ${nsteps} steps`, { cause: signal.reason });
    stepper.step(target, f);
    nsteps++;
    f = target.getForces();
    converged = record(f);
  }
  const result: OptimizeResult = {
    atoms,
    converged,
    nsteps,
    energies,
    fmaxs,
    results: target.results(),
    parameters: { type: "optimization", optimizer: stepper.name, ...stepper.parameters, fmax: o.fmax, max_steps: o.maxSteps },
    ...(frames ? { frames } : {}),
  };
  if (!converged && o.throwOnNotConverged) throw new OptimizationNotConvergedError(result, o.fmax);
  return result;
}
