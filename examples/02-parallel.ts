/**
 * Example 2, parallel: two independent relaxations (a dimer and a tetramer) run at the same
 * time. When one fails the other still runs to the end; the run then ends `failed` with a
 * summary of the failed job.
 *
 *   npx latticework run examples/02-parallel.ts#twoRelaxations
 *   npx latticework run examples/02-parallel.ts#twoRelaxations --set fail=dimer   # the dimer fails, the tetramer completes
 */
import { z } from "zod";
import { defineFlow } from "@latticework/core";
import { LJParams, relax } from "./demo/lennard-jones.js";

const Positions = z.array(z.tuple([z.number(), z.number(), z.number()]));

export const twoRelaxations = defineFlow({
  name: "demo.two-relaxations",
  description: "Relax a Lennard-Jones dimer and tetramer in parallel.",
  input: LJParams.extend({
    dimer: Positions.default([
      [0, 0, 0],
      [0, 0, 1.5],
    ]),
    tetramer: Positions.default([
      [0, 0, 0],
      [1.15, 0, 0],
      [0.5, 1.0, 0],
      [0.55, 0.3, 0.95],
    ]),
    fmax: z.number().positive().default(1e-6),
    /** Give one relaxation a 1-step budget so it fails ("did not converge"): shows failure isolation. */
    fail: z.enum(["none", "dimer", "tetramer"]).default("none"),
  }),
  async run(input, f) {
    const { epsilon, sigma, fmax } = input;
    const budget = (which: "dimer" | "tetramer") => (input.fail === which ? { maxSteps: 1 } : {});
    const [dimer, tetramer] = await Promise.all([
      f.run(relax, { positions: input.dimer, epsilon, sigma, fmax, ...budget("dimer") }, { label: "dimer" }),
      f.run(relax, { positions: input.tetramer, epsilon, sigma, fmax, ...budget("tetramer") }, { label: "tetramer" }),
    ]);
    return { dimer: { energy: dimer.energy, steps: dimer.steps }, tetramer: { energy: tetramer.energy, steps: tetramer.steps } };
  },
});
