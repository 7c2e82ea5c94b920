/**
 * Example 1, serial: relax bulk copper (cell included) with EMT, then run a static calculation on
 * the relaxed structure. The static job consumes the relax job's output: `pick(relaxed, "atoms")`
 * records a data edge and starts the static job as soon as the relaxation is done.
 *
 *   npx latticework run examples/01-serial.ts#relaxThenStatic
 *   npx latticework run examples/01-serial.ts#relaxThenStatic --set element=Al --json
 */
import { z } from "zod";
import { defineFlow, pick } from "@latticework/core";
import { bulk, emt, type RecipeOutput } from "@latticework/recipes";

export const relaxThenStatic = defineFlow({
  name: "examples.relax-then-static",
  description: "EMT cell relaxation of a bulk metal, then a static calculation on the relaxed cell.",
  input: z.object({
    element: z.enum(["Cu", "Al", "Ag", "Au", "Ni", "Pd", "Pt"]).default("Cu"),
    /** Starting lattice constant (default: ASE's reference value). */
    a: z.number().positive().optional(),
  }),
  summary: (o: RecipeOutput) =>
    `${o.structureMetadata?.formulaPretty}: E = ${o.results.energy.toFixed(9)} eV, V = ${o.structureMetadata?.volume.toFixed(6)} A^3, a0 = ${Math.cbrt(4 * (o.structureMetadata?.volume ?? 0)).toFixed(6)} A`,
  async run(input, f) {
    const atoms = bulk(input.element, input.a === undefined ? {} : { a: input.a }).toJSON();
    const relaxed = f.run(emt.relax, { atoms, relaxCell: true });
    return (await f.run(emt.static, { atoms: pick(relaxed, "atoms") })) as RecipeOutput;
  },
});
