/**
 * Example 5, MPI: LAMMPS (EAM Cu_u3) energies of fcc Cu at several lattice constants, each a
 * 2-rank MPI job launched through `ctx.launch` by @latticework/adapter-mpi, in parallel. The same
 * flow runs unchanged inside SLURM allocations or pilots: only the executor changes, the launcher
 * then takes the hosts from the allocation / the pilot's placement.
 *
 *   node --import tsx examples/05-mpi.ts              # local pool + mpirun (needs lammps, openmpi; as root: OMPI_ALLOW_RUN_AS_ROOT=1 ...)
 *   npx latticework run examples/05-mpi.ts#cuLatticeScan   # with "workerPlugins": ["@latticework/adapter-mpi"] in latticework.config.json
 *
 * Expected: the minimum is near a = 3.615 Angstrom, E = -3.540 eV/atom (Cu_u3.eam).
 */
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { createRuntime, defineFlow } from "@latticework/core";
import { bulk, lammps } from "@latticework/recipes";

export const cuLatticeScan = defineFlow({
  name: "demo.lammps-mpi-scan",
  description: "LAMMPS EAM energies of fcc Cu at several lattice constants, each on 2 MPI ranks.",
  input: z.object({
    lattice: z.array(z.number().positive()).default([3.55, 3.58, 3.61, 3.64, 3.67]),
    ranks: z.number().int().positive().default(2),
    /** Supercell repeat of the 4-atom cubic cell. */
    repeat: z.number().int().positive().default(4),
  }),
  async run(input, f) {
    const runs = input.lattice.map((a) =>
      f.run(lammps.static, { atoms: bulk("Cu", { cubic: true, a }).repeat([input.repeat, input.repeat, input.repeat]).toJSON() }, { resources: { ranks: input.ranks }, label: `a=${a}` }),
    );
    const outs = await Promise.all(runs);
    const points = outs.map((o, i) => ({ a: input.lattice[i]!, energyPerAtom: o.results.energy / o.atoms.numbers.length }));
    const best = points.reduce((x, y) => (y.energyPerAtom < x.energyPerAtom ? y : x));
    return { points, best };
  },
});

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { local } = await import("@latticework/adapter-local");
  process.env.OMPI_ALLOW_RUN_AS_ROOT ??= "1";
  process.env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ??= "1";
  const rt = createRuntime({ executors: { local: local() }, defaultExecutor: "local", workerPlugins: ["@latticework/adapter-mpi"], store: { dir: ".latticework/examples" } });
  // keep the event loop alive while the pool's (unref'd) workers run the jobs
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    const res = await rt.run(cuLatticeScan, {});
    console.log(JSON.stringify(res.state === "completed" ? res.output : res, null, 2));
  } finally {
    clearInterval(keepAlive);
    await rt.close();
  }
}
