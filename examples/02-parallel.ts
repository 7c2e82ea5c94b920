/**
 * Example 2, parallel: two independent EMT relaxations, bulk copper and an N2 molecule, run at the
 * same time. Failure isolation: with `--set failOne=true` the molecule job is given an element EMT
 * does not support, so it fails; the copper relaxation still runs to the end and the run ends
 * `failed` with a summary naming the failed job, its error and its log files.
 *
 *   npx latticework run examples/02-parallel.ts#twoRelaxations
 *   npx latticework run examples/02-parallel.ts#twoRelaxations --set failOne=true
 */
import { z } from "zod";
import { defineFlow } from "@latticework/core";
import { bulk, emt, molecule, type RecipeOutput } from "@latticework/recipes";

export const twoRelaxations = defineFlow({
  name: "examples.two-relaxations",
  description: "Relax bulk Cu and an N2 molecule in parallel with EMT.",
  input: z.object({ failOne: z.boolean().default(false) }),
  summary: (o: { cu: RecipeOutput; n2: RecipeOutput }) =>
    [`Cu bulk: E = ${o.cu.results.energy.toFixed(9)} eV after ${o.cu.nsteps} steps`, `N2: E = ${o.n2.results.energy.toFixed(9)} eV after ${o.n2.nsteps} steps`].join("\n"),
  async run(input, f) {
    const n2 = molecule("N2").toJSON();
    if (input.failOne) n2.numbers = [92, 92]; // uranium: EMT has no parameters for it
    const [cu, mol] = await Promise.all([
      f.run(emt.relax, { atoms: bulk("Cu").toJSON(), relaxCell: true }, { label: "cu-bulk" }),
      f.run(emt.relax, { atoms: n2 }, { label: "n2" }),
    ]);
    return { cu: cu as RecipeOutput, n2: mol as RecipeOutput };
  },
});
