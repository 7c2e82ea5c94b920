/**
 * Example 3, dynamic fan-out: bulk to slabs. How many slabs there are is known only at run time
 * (all symmetrically distinct Miller indices up to maxIndex); each slab is relaxed as its own job
 * (then a static job), all in parallel, and the flow reports surface energies.
 *
 *   npx latticework run examples/03-dynamic.ts#bulkToSlabs
 *   npx latticework run examples/03-dynamic.ts#bulkToSlabs --set element=Au --set maxIndex=2
 *   npx latticework run @latticework/recipes#slabs.bulkToSlabs --structure Cu.cif   # any structure file
 */
import { z } from "zod";
import { defineFlow } from "@latticework/core";
import { bulk, slabs, slabTable, type BulkToSlabsOutput } from "@latticework/recipes";

export const bulkToSlabs = defineFlow({
  name: "examples.bulk-to-slabs",
  description: "Bulk fcc metal -> all slabs up to maxIndex, relaxed in parallel with EMT, surface energies.",
  input: z.object({
    element: z.enum(["Cu", "Al", "Ag", "Au", "Ni", "Pd", "Pt"]).default("Cu"),
    maxIndex: z.number().int().min(1).max(3).default(1),
    /** Relax the bulk cell first (quacc cuts from the input cell, so this is off by default). */
    relaxBulk: z.boolean().default(false),
  }),
  summary: (o: BulkToSlabsOutput) => slabTable(o),
  async run(input, f) {
    return (await f.subflow(slabs.bulkToSlabs, {
      atoms: bulk(input.element).toJSON(),
      relaxBulk: input.relaxBulk,
      makeSlabs: { maxIndex: input.maxIndex },
    })) as BulkToSlabsOutput;
  },
});
