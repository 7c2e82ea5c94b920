import { z } from "zod";
import { EMT } from "../calculators/emt.js";
import { LennardJones } from "../calculators/lennard-jones.js";
import { calculatorJobs } from "./calculator-jobs.js";

/**
 * EMT recipes, quacc's `emt.core`: `emt.static` (energy, forces, stress) and `emt.relax`
 * (BFGS/LBFGS/FIRE, optional cell relaxation). Parameters: `asapCutoff` (default false).
 *
 * @example
 * ```ts
 * const relaxed = await f.run(emt.relax, { atoms: bulk("Cu").toJSON(), relaxCell: true });
 * const single = await f.run(emt.static, { atoms: pick(relaxedRun, "atoms") });
 * ```
 */
export const emt = calculatorJobs({
  prefix: "emt",
  displayName: "EMT",
  params: { asapCutoff: z.boolean().default(false) },
  makeCalculator: (p) => new EMT({ asapCutoff: p.asapCutoff }),
  module: import.meta.url,
});

/**
 * Lennard-Jones recipes: `lj.static` and `lj.relax`, with ASE's LennardJones parameters
 * (`epsilon` 1 eV, `sigma` 1 A, `rc` 3 sigma, `ro` 0.66 rc, `smooth` false).
 */
export const lj = calculatorJobs({
  prefix: "lj",
  displayName: "LJ",
  params: {
    epsilon: z.number().positive().default(1),
    sigma: z.number().positive().default(1),
    rc: z.number().positive().optional(),
    ro: z.number().positive().optional(),
    smooth: z.boolean().default(false),
  },
  makeCalculator: (p) => new LennardJones(p),
  module: import.meta.url,
});
