/**
 * Example 1, serial: relax a cluster, then compute its energy and forces at the relaxed
 * geometry. The second job consumes the first job's output (a data edge the store records).
 *
 *   npx latticework run examples/01-serial.ts#relaxThenStatic
 *   npx latticework run examples/01-serial.ts#relaxThenStatic --set fmax=1e-8 --json
 */
import { z } from "zod";
import { defineFlow, pick } from "@latticework/core";
import { LJParams, relax, staticCalc } from "./demo/lennard-jones.js";

/** A slightly distorted triangle of three atoms: relaxes to the equilateral trimer (E = -3 epsilon). */
const DISTORTED_TRIMER: [number, number, number][] = [
  [0, 0, 0],
  [1.2, 0.05, 0],
  [0.5, 1.0, 0.1],
];

export const relaxThenStatic = defineFlow({
  name: "demo.relax-then-static",
  description: "Relax a Lennard-Jones cluster, then a static calculation on the relaxed positions.",
  input: LJParams.extend({
    positions: z.array(z.tuple([z.number(), z.number(), z.number()])).default(DISTORTED_TRIMER),
    fmax: z.number().positive().default(1e-6),
  }),
  async run(input, f) {
    const { epsilon, sigma } = input;
    const relaxed = f.run(relax, { positions: input.positions, epsilon, sigma, fmax: input.fmax });
    // Passing pick(relaxed, ...) unawaited: the static job starts as soon as the relaxation ends.
    const final = await f.run(staticCalc, { positions: pick(relaxed, "positions"), epsilon, sigma });
    const r = await relaxed;
    return { relaxSteps: r.steps, relaxedEnergy: r.energy, energy: final.energy, fmax: final.fmax, natoms: final.natoms };
  },
});
