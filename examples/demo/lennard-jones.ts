/**
 * Demo jobs for the examples: Lennard-Jones clusters and lattice sums. Small, real numerical
 * work (energies, forces, a relaxation with a line search) so the examples exercise the runtime
 * with something a chemist recognises. The materials recipes (EMT, slabs) live in
 * @latticework/recipes.
 */
import { z } from "zod";
import { defineJob } from "@latticework/core";

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** Lennard-Jones parameters (reduced units by default). */
export const LJParams = z.object({
  epsilon: z.number().positive().default(1),
  sigma: z.number().positive().default(1),
});

/** Pair energy and dE/dr of the Lennard-Jones potential. */
export function ljPair(r: number, epsilon: number, sigma: number): { energy: number; dEdr: number } {
  const sr6 = (sigma / r) ** 6;
  const sr12 = sr6 * sr6;
  return { energy: 4 * epsilon * (sr12 - sr6), dEdr: (4 * epsilon * (-12 * sr12 + 6 * sr6)) / r };
}

/** Total energy and forces of a cluster (no cut-off, no periodicity). */
export function ljCluster(positions: readonly (readonly number[])[], epsilon: number, sigma: number): { energy: number; forces: number[][] } {
  const n = positions.length;
  const forces = positions.map(() => [0, 0, 0]);
  let energy = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = [0, 1, 2].map((k) => positions[j]![k]! - positions[i]![k]!);
      const r = Math.hypot(d[0]!, d[1]!, d[2]!);
      if (r === 0) throw new Error(`atoms ${i} and ${j} sit on top of each other`);
      const { energy: e, dEdr } = ljPair(r, epsilon, sigma);
      energy += e;
      for (let k = 0; k < 3; k++) {
        const f = (dEdr * d[k]!) / r; // force on i along d (pulls i towards j when attractive)
        forces[i]![k]! += f;
        forces[j]![k]! -= f;
      }
    }
  }
  return { energy, forces };
}

function maxForce(forces: number[][]): number {
  return Math.max(0, ...forces.map((f) => Math.hypot(f[0]!, f[1]!, f[2]!)));
}

/** Relax a cluster: steepest descent with a backtracking line search, to `fmax`. */
export const relax = defineJob({
  name: "demo.lj.relax",
  description: "Relax a Lennard-Jones cluster to fmax (steepest descent + backtracking line search).",
  input: LJParams.extend({
    positions: z.array(Vec3).min(2, "a cluster needs at least 2 atoms"),
    fmax: z.number().positive().default(1e-6),
    maxSteps: z.number().int().nonnegative().default(5000),
  }),
  output: z.object({
    positions: z.array(Vec3),
    energy: z.number(),
    fmax: z.number(),
    steps: z.number().int(),
  }),
  run(input, ctx) {
    const { epsilon, sigma } = input;
    let x = input.positions.map((p) => [...p]);
    let { energy, forces } = ljCluster(x, epsilon, sigma);
    let step = 0.1 * sigma;
    let steps = 0;
    while (maxForce(forces) > input.fmax) {
      if (steps >= input.maxSteps) {
        throw new Error(`relaxation did not converge in ${input.maxSteps} steps (fmax ${maxForce(forces).toExponential(3)} > ${input.fmax})`);
      }
      if (ctx.signal.aborted) throw new Error("cancelled");
      steps++;
      const fm = maxForce(forces);
      for (;;) {
        const trial = x.map((p, i) => p.map((v, k) => v + (step * forces[i]![k]!) / fm));
        const next = ljCluster(trial, epsilon, sigma);
        if (next.energy < energy || step < 1e-14) {
          x = trial;
          energy = next.energy;
          forces = next.forces;
          step *= 1.2;
          break;
        }
        step *= 0.5;
      }
    }
    console.log(`relaxed ${x.length} atoms in ${steps} steps: E = ${energy.toFixed(10)}, fmax = ${maxForce(forces).toExponential(2)}`);
    return { positions: x.map((p) => [p[0]!, p[1]!, p[2]!] as [number, number, number]), energy, fmax: maxForce(forces), steps };
  },
});

/** Energy and forces of a cluster at fixed positions. */
export const staticCalc = defineJob({
  name: "demo.lj.static",
  description: "Energy and forces of a Lennard-Jones cluster.",
  input: LJParams.extend({ positions: z.array(Vec3).min(1) }),
  output: z.object({ energy: z.number(), forces: z.array(Vec3), fmax: z.number(), natoms: z.number().int() }),
  run(input) {
    const { energy, forces } = ljCluster(input.positions, input.epsilon, input.sigma);
    console.log(`static: ${input.positions.length} atoms, E = ${energy.toFixed(10)}`);
    return {
      energy,
      forces: forces.map((f) => [f[0]!, f[1]!, f[2]!] as [number, number, number]),
      fmax: maxForce(forces),
      natoms: input.positions.length,
    };
  },
});

/** fcc lattice vectors (conventional cubic cell `a`) within `cutoff`, grouped into shells. */
export function fccShells(a: number, cutoff: number): { radius: number; count: number }[] {
  const basis = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ];
  const n = Math.ceil(cutoff / a) + 1;
  const shells = new Map<string, { radius: number; count: number }>();
  for (let i = -n; i <= n; i++) {
    for (let j = -n; j <= n; j++) {
      for (let k = -n; k <= n; k++) {
        for (const b of basis) {
          const v = [(i + b[0]!) * a, (j + b[1]!) * a, (k + b[2]!) * a];
          const r2 = v[0]! ** 2 + v[1]! ** 2 + v[2]! ** 2;
          if (r2 === 0 || r2 > cutoff * cutoff + 1e-9) continue;
          // Squared distances on an fcc lattice are multiples of a^2/2: key shells exactly.
          const key = String(Math.round((2 * r2) / (a * a)));
          const shell = shells.get(key) ?? { radius: Math.sqrt(r2), count: 0 };
          shell.count++;
          shells.set(key, shell);
        }
      }
    }
  }
  return [...shells.values()].sort((x, y) => x.radius - y.radius);
}

/** Enumerate the neighbour shells of an fcc lattice within a cut-off (how many is known only now). */
export const neighbourShells = defineJob({
  name: "demo.fcc.shells",
  description: "Neighbour shells (radius, count) of an fcc lattice within a cut-off.",
  input: z.object({ latticeConstant: z.number().positive(), cutoff: z.number().positive() }),
  output: z.object({ shells: z.array(z.object({ radius: z.number(), count: z.number().int() })) }),
  run({ latticeConstant, cutoff }) {
    const shells = fccShells(latticeConstant, cutoff);
    console.log(`${shells.length} shells within ${cutoff}`);
    return { shells };
  },
});

/** Lennard-Jones energy per atom contributed by one neighbour shell. */
export const shellEnergy = defineJob({
  name: "demo.fcc.shell-energy",
  description: "Energy per atom from one neighbour shell (count * pair energy / 2).",
  input: LJParams.extend({ radius: z.number().positive(), count: z.number().int().positive() }),
  output: z.object({ radius: z.number(), count: z.number().int(), energy: z.number() }),
  run({ radius, count, epsilon, sigma }) {
    return { radius, count, energy: (count * ljPair(radius, epsilon, sigma).energy) / 2 };
  },
});
