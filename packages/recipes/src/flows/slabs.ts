import { z } from "zod";
import { defineFlow, pick, type Flow, type Job } from "@latticework/core";
import { Atoms } from "../atoms/atoms.js";
import { AtomsSchema, type AtomsJSON } from "../atoms/atoms-schema.js";
import { cross3, norm3 } from "../atoms/linalg3.js";
import { MakeSlabsOptionsSchema, makeSlabsFromBulk } from "../slabs/make-slabs.js";
import { RecipeOutputSchema, type RecipeOutput } from "../jobs/output-schema.js";
import { JPerM2 } from "../units.js";
import { EngineNameSchema, JobParamsSchema, engineOf, paramsFor } from "./engines.js";


/** Input of bulkToSlabs. */
export const BulkToSlabsInputSchema = z
  .object({
    atoms: AtomsSchema,
    /** Engine whose static/relax jobs to use ("emt", "lj", "lammps", "qe", ...). */
    engine: EngineNameSchema,
    /** Relax the bulk (cell too) before cutting slabs. Off by default: quacc cuts from the input cell. */
    relaxBulk: z.boolean().default(false),
    /** Run a static job after each slab relaxation (quacc default true). */
    runStatic: z.boolean().default(true),
    /** Slab generation options (quacc make_slabs_from_bulk defaults). */
    makeSlabs: MakeSlabsOptionsSchema.prefault({}),
    /** Per-step parameter overrides: { all, relax, static } (quacc job_params). */
    jobParams: JobParamsSchema,
  })
  .strict();

const SlabResultSchema = z.object({
  millerIndex: z.array(z.number()),
  natoms: z.number().int(),
  /** Final energy of the slab (eV). */
  energy: z.number(),
  /** Surface area of one face (Angstrom^2). */
  area: z.number(),
  /** (E_slab - N E_bulk/atom) / (2 A), eV/Angstrom^2 (a cleavage-energy estimate with one-sided relaxation). */
  surfaceEnergy: z.number(),
  surfaceEnergyJm2: z.number(),
  converged: z.boolean().optional(),
  nsteps: z.number().int().optional(),
  result: RecipeOutputSchema,
});

/** Output of bulkToSlabs. */
export const BulkToSlabsOutputSchema = z.object({
  engine: z.string(),
  bulk: z.object({ energyPerAtom: z.number(), atoms: AtomsSchema, relaxed: z.boolean() }),
  slabs: z.array(SlabResultSchema),
});
export type BulkToSlabsOutput = z.output<typeof BulkToSlabsOutputSchema>;

function area(atoms: AtomsJSON): number {
  return norm3(cross3(atoms.cell[0], atoms.cell[1]));
}

/** Render the output as a table (Miller index, atoms, relaxed energy, surface energy). */
export function slabTable(out: BulkToSlabsOutput): string {
  const rows = out.slabs.map((s) => [
    `(${s.millerIndex.join(",")})`,
    String(s.natoms),
    s.energy.toFixed(6),
    s.surfaceEnergy.toFixed(6),
    s.surfaceEnergyJm2.toFixed(4),
    s.nsteps === undefined ? "-" : String(s.nsteps),
  ]);
  const head = ["miller", "atoms", "E relaxed (eV)", "gamma (eV/A^2)", "gamma (J/m^2)", "steps"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  ");
  return [
    `bulk ${out.engine}: E/atom = ${out.bulk.energyPerAtom.toFixed(9)} eV${out.bulk.relaxed ? " (relaxed)" : ""}`,
    line(head),
    w.map((n) => "-".repeat(n)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

/**
 * Build a bulk-to-slabs flow over any static/relax job pair that returns the recipes' output.
 * `slabs.bulkToSlabs` is this flow with the engine chosen by name in the input.
 */
export function makeBulkToSlabsFlow(opts: { name: string; engines?: (name: string) => { readonly static: Job; readonly relax: Job } }): Flow<typeof BulkToSlabsInputSchema, BulkToSlabsOutput> {
  const lookup = opts.engines ?? engineOf;
  return defineFlow({
    name: opts.name,
    description: "Bulk -> all symmetrically distinct slabs up to maxIndex, each relaxed (then static) as its own job (quacc bulk_to_slabs_flow), with surface energies.",
    input: BulkToSlabsInputSchema,
    output: BulkToSlabsOutputSchema,
    summary: slabTable,
    async run(input, f) {
      const pair = lookup(input.engine);
      let bulkAtoms: AtomsJSON = input.atoms;
      let bulkEnergyPerAtom: number;
      if (input.relaxBulk) {
        const r = (await f.run(pair.relax, { ...paramsFor(input.jobParams, "relax"), atoms: input.atoms, relaxCell: true }, { label: "bulk-relax" })) as RecipeOutput;
        bulkAtoms = r.atoms;
        bulkEnergyPerAtom = r.results.energy / r.atoms.numbers.length;
      } else {
        const s = (await f.run(pair.static, { ...paramsFor(input.jobParams, "static"), atoms: input.atoms }, { label: "bulk-static" })) as RecipeOutput;
        bulkEnergyPerAtom = s.results.energy / s.atoms.numbers.length;
      }
      const slabs = makeSlabsFromBulk(Atoms.fromJSON(bulkAtoms), input.makeSlabs);
      const results = await Promise.all(
        slabs.map(async (slab) => {
          const atoms = slab.toJSON();
          const relaxed = f.run(pair.relax, { ...paramsFor(input.jobParams, "relax"), atoms }, { label: "slab-relax" });
          const final = (input.runStatic
            ? await f.run(pair.static, { ...paramsFor(input.jobParams, "static"), atoms: pick(relaxed, "atoms") }, { label: "slab-static" })
            : await relaxed) as RecipeOutput;
          const relaxOut = (await relaxed) as RecipeOutput;
          const n = final.atoms.numbers.length;
          const a = area(final.atoms);
          const gamma = (final.results.energy - n * bulkEnergyPerAtom) / (2 * a);
          const info = slab.info as { millerIndex?: number[]; slabStats?: { millerIndex?: number[] } };
          return {
            millerIndex: info.millerIndex ?? info.slabStats?.millerIndex ?? [],
            natoms: n,
            energy: final.results.energy,
            area: a,
            surfaceEnergy: gamma,
            surfaceEnergyJm2: gamma / JPerM2,
            ...(relaxOut.converged === undefined ? {} : { converged: relaxOut.converged }),
            ...(relaxOut.nsteps === undefined ? {} : { nsteps: relaxOut.nsteps }),
            result: final,
          };
        }),
      );
      return { engine: input.engine, bulk: { energyPerAtom: bulkEnergyPerAtom, atoms: bulkAtoms, relaxed: input.relaxBulk }, slabs: results };
    },
  });
}

/** quacc's bulk_to_slabs_flow on the engine named in the input (default EMT). */
export const bulkToSlabs = makeBulkToSlabsFlow({ name: "slabs.bulkToSlabs" });
