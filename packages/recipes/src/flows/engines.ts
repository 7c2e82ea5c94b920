import { z } from "zod";
import type { Job } from "@latticework/core";
import { emt, lj } from "../jobs/emt.js";
import { lammps, qe } from "../engines/index.js";

/**
 * Calculator job pairs the generic flows (bulkToSlabs, eos.fit) can use, by name. Every pair
 * returns the recipes' output document, so the flows are engine-agnostic. Use the flow factories
 * (`makeBulkToSlabsFlow`, `makeEosFlow`) to plug in your own pair.
 */
export const ENGINES: Record<string, { readonly static: Job; readonly relax: Job }> = {
  emt,
  lj,
  lammps,
  qe,
};

/** Register another engine's job pair for the generic flows (e.g. "lammps", "qe"). */
export function registerEngine(name: string, pair: { readonly static: Job; readonly relax: Job }): void {
  ENGINES[name] = pair;
}

/** Engine name option of the generic flows. */
export const EngineNameSchema = z.string().default("emt");

/** Look an engine up, with a clear error listing the known ones. */
export function engineOf(name: string): { readonly static: Job; readonly relax: Job } {
  const pair = ENGINES[name];
  if (!pair) throw new Error(`Unknown engine "${name}"; known engines: ${Object.keys(ENGINES).join(", ")}. Register one with registerEngine().`);
  return pair;
}

/** quacc-style per-step parameter overrides: job-specific keys win over "all". */
export const JobParamsSchema = z
  .object({
    all: z.record(z.string(), z.unknown()).default({}),
    relax: z.record(z.string(), z.unknown()).default({}),
    static: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .default({ all: {}, relax: {}, static: {} });

/** Merge "all" and the step's own parameters (step wins), shallowly. */
export function paramsFor(jobParams: z.output<typeof JobParamsSchema>, step: "relax" | "static"): Record<string, unknown> {
  return { ...jobParams.all, ...jobParams[step] };
}
