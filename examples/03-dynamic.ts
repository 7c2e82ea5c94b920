/**
 * Example 3, dynamic fan-out: the first job finds the neighbour shells of an fcc lattice within a
 * cut-off; how many there are is known only at run time. Each shell then gets its own job, and
 * the flow sums their energies into the lattice energy per atom.
 *
 *   npx latticework run examples/03-dynamic.ts#fanOut
 *   npx latticework run examples/03-dynamic.ts#fanOut --set cutoff=4 --json
 */
import { z } from "zod";
import { defineFlow } from "@latticework/core";
import { LJParams, neighbourShells, shellEnergy } from "./demo/lennard-jones.js";

export const fanOut = defineFlow({
  name: "demo.fcc-lattice-sum",
  description: "Lennard-Jones energy per atom of an fcc crystal, one job per neighbour shell.",
  input: LJParams.extend({
    /** Nearest-neighbour distance in units of sigma (default: the pair minimum 2^(1/6)). */
    nearestNeighbour: z.number().positive().default(2 ** (1 / 6)),
    /** Cut-off radius in units of sigma. */
    cutoff: z.number().positive().default(3),
  }),
  async run(input, f) {
    const { epsilon, sigma } = input;
    const latticeConstant = input.nearestNeighbour * sigma * Math.SQRT2;
    const { shells } = await f.run(neighbourShells, { latticeConstant, cutoff: input.cutoff * sigma });
    // The number of calls is decided here, at run time: one job per shell.
    const parts = await Promise.all(shells.map((s, i) => f.run(shellEnergy, { ...s, epsilon, sigma }, { label: `shell[${i}]` })));
    const energyPerAtom = parts.reduce((sum, p) => sum + p.energy, 0);
    return { shells: shells.length, neighbours: shells.reduce((n, s) => n + s.count, 0), energyPerAtom, contributions: parts };
  },
});
