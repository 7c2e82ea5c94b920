import { hostname } from "node:os";
import { z } from "zod";
import { defineJob, LatticeworkError, type Job, type JobResources } from "@latticework/core";
import { Atoms } from "../atoms/atoms.js";
import { AtomsSchema, type AtomsJSON } from "../atoms/atoms-schema.js";
import type { Calculator, CalculatorResults } from "../calculators/calculator.js";
import { RecipeOutputSchema, type RecipeOutput } from "./output-schema.js";
import { metadataFor } from "./metadata.js";
import { optimize } from "../optimize/optimize.js";
import { CellFilterOptionsSchema } from "../optimize/cell-filter.js";

/** Options shared by every relax job (quacc `relax_job` / `Runner.run_opt` defaults). */
export const RelaxOptionsShape = {
  /** Relax the cell too (FrechetCellFilter semantics), only when the atoms are periodic. */
  relaxCell: z.boolean().default(false),
  optimizer: z.enum(["BFGS", "LBFGS", "FIRE"]).default("BFGS"),
  /** Converged when the largest per-atom force norm is strictly below this (eV/Angstrom). */
  fmax: z.number().positive().default(0.01),
  maxSteps: z.number().int().positive().default(1000),
  /** Extra optimizer parameters (BFGS: maxstep, alpha; LBFGS: memory, damping; FIRE: dt, dtmax, ...), ASE's names. */
  optimizerParams: z.record(z.string(), z.unknown()).default({}),
  /** FrechetCellFilter parameters for relaxCell, e.g. { scalarPressure: 0.01 } (eV/Angstrom^3). */
  filterParams: CellFilterOptionsSchema.prefault({}),
  /** Raise when the optimizer did not converge within maxSteps (quacc's CHECK_CONVERGENCE). */
  checkConvergence: z.boolean().default(true),
};

const RelaxOptionsObject = z.object(RelaxOptionsShape);
type StaticIn = { atoms: AtomsJSON; additionalFields?: Record<string, unknown> | undefined } & Record<string, unknown>;
type RelaxIn = StaticIn & z.output<typeof RelaxOptionsObject>;

const Common = {
  atoms: AtomsSchema,
  /** Merged into the output document as `additionalFields`. */
  additionalFields: z.record(z.string(), z.unknown()).optional(),
};

function vec3s(flat: ArrayLike<number>): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < flat.length; i += 3) out.push([flat[i]!, flat[i + 1]!, flat[i + 2]!]);
  return out;
}

/** Calculator results as JSON. */
export function resultsJSON(r: CalculatorResults): RecipeOutput["results"] {
  return {
    energy: r.energy,
    freeEnergy: r.freeEnergy,
    forces: vec3s(r.forces),
    ...(r.stress ? { stress: Array.from(r.stress) } : {}),
    energies: Array.from(r.energies),
  };
}

/** Build the output document shared by static and relax jobs. */
export function summarize(args: {
  name: string;
  input: Atoms;
  final: Atoms;
  results: CalculatorResults;
  parameters: Record<string, unknown>;
  started: Date;
  additionalFields?: Record<string, unknown> | undefined;
  opt?: Pick<RecipeOutput, "parametersOpt" | "converged" | "nsteps" | "trajectory">;
}): RecipeOutput {
  const ended = new Date();
  return {
    name: args.name,
    atoms: args.final.toJSON(),
    inputAtoms: { atoms: args.input.toJSON(), ...metadataFor(args.input) },
    results: resultsJSON(args.results),
    parameters: args.parameters,
    ...(args.opt ?? {}),
    ...metadataFor(args.final),
    timing: { startedAt: args.started.toISOString(), endedAt: ended.toISOString(), durationMs: ended.getTime() - args.started.getTime() },
    host: hostname(),
    ...(args.additionalFields ? { additionalFields: args.additionalFields } : {}),
  };
}

/** What {@link calculatorJobs} needs to know about a calculator. */
export interface CalculatorJobSpec<P extends z.ZodRawShape> {
  /** Job name prefix, e.g. "emt" gives "emt.static" and "emt.relax". */
  prefix: string;
  /** Display name used in outputs, e.g. "EMT" gives "EMT Static". */
  displayName: string;
  /** Calculator parameters accepted at the top level of the job input. */
  params: P;
  makeCalculator(params: z.output<z.ZodObject<P>>): Calculator;
  resources?: JobResources;
  /** Module that defines the jobs (import.meta.url of the caller), so workers can import it. */
  module: string;
}

/**
 * Make a `static` and a `relax` job for an in-process calculator (EMT, Lennard-Jones, or your own).
 * Inputs are the atoms, the calculator's parameters at the top level and, for relax, the
 * {@link RelaxOptionsShape} options.
 *
 * @example
 * ```ts
 * export const morse = calculatorJobs({ prefix: "morse", displayName: "Morse", params: { D: z.number() },
 *   makeCalculator: (p) => new Morse(p), module: import.meta.url });
 * ```
 */
export function calculatorJobs<P extends z.ZodRawShape>(spec: CalculatorJobSpec<P>) {
  const paramsSchema = z.object(spec.params).strict();
  const pickParams = (input: Record<string, unknown>) => paramsSchema.parse(Object.fromEntries(Object.keys(spec.params).map((k) => [k, input[k]]).filter(([, v]) => v !== undefined)));

  const staticJob = defineJob({
    name: `${spec.prefix}.static`,
    description: `${spec.displayName} single-point energy, forces and stress (quacc static_job).`,
    module: spec.module,
    ...(spec.resources ? { resources: spec.resources } : {}),
    input: z.object({ ...Common, ...spec.params }).strict(),
    output: RecipeOutputSchema,
    run(raw) {
      const input = raw as unknown as StaticIn;
      const started = new Date();
      const atoms = Atoms.fromJSON(input.atoms);
      const params = pickParams(input);
      const calc = spec.makeCalculator(params);
      const results = calc.calculate(atoms, ["energy", "forces", "stress"]);
      return summarize({ name: `${spec.displayName} Static`, input: atoms, final: atoms.clone(), results, parameters: { ...calc.parameters }, started, additionalFields: input.additionalFields });
    },
  });

  const relaxJob = defineJob({
    name: `${spec.prefix}.relax`,
    description: `${spec.displayName} geometry (and optionally cell) relaxation (quacc relax_job).`,
    module: spec.module,
    ...(spec.resources ? { resources: spec.resources } : {}),
    input: z.object({ ...Common, ...spec.params, ...RelaxOptionsShape }).strict(),
    output: RecipeOutputSchema,
    run(raw, ctx) {
      const input = raw as unknown as RelaxIn;
      const started = new Date();
      const inputAtoms = Atoms.fromJSON(input.atoms);
      const params = pickParams(input);
      const calc = spec.makeCalculator(params);
      const relaxCell = input.relaxCell && inputAtoms.pbc.some(Boolean);
      const opt = optimize(inputAtoms.clone(), calc, {
        optimizer: input.optimizer,
        fmax: input.fmax,
        maxSteps: input.maxSteps,
        optimizerOptions: input.optimizerParams,
        relaxCell: relaxCell ? input.filterParams : false,
        signal: ctx.signal,
      });
      const fmaxFinal = opt.fmaxs.at(-1) ?? Number.NaN;
      if (input.checkConvergence && !opt.converged) {
        throw new LatticeworkError(
          "JOB_FAILED",
          `Optimization did not converge: ${input.optimizer} reached maxSteps=${input.maxSteps} with fmax=${fmaxFinal.toExponential(3)} eV/A (target < ${input.fmax}). Raise maxSteps, loosen fmax, or pass checkConvergence: false to keep the unconverged result.`,
          { details: { nsteps: opt.nsteps, fmax: fmaxFinal } },
        );
      }
      return summarize({
        name: `${spec.displayName} Relax`,
        input: inputAtoms,
        final: opt.atoms,
        results: opt.results,
        parameters: { ...calc.parameters },
        started,
        additionalFields: input.additionalFields,
        opt: {
          parametersOpt: { ...opt.parameters, relaxCell },
          converged: opt.converged,
          nsteps: opt.nsteps,
          trajectory: { nframes: opt.energies.length, energies: opt.energies, fmax: opt.fmaxs },
        },
      });
    },
  });

  return Object.freeze({ static: staticJob, relax: relaxJob }) as { readonly static: typeof staticJob; readonly relax: typeof relaxJob };
}

/** A pair of static and relax jobs with the recipes' output schema (what bulkToSlabs and eos.fit accept). */
export interface CalculatorJobPair {
  readonly static: Job;
  readonly relax: Job;
}
