import { z } from "zod";
import { AtomsSchema } from "../atoms/atoms-schema.js";

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** Structure metadata for periodic systems (emmet StructureMetadata, the fields latticework computes). */
export const StructureMetadataSchema = z
  .object({
    nsites: z.number().int(),
    elements: z.array(z.string()),
    nelements: z.number().int(),
    composition: z.record(z.string(), z.number()),
    formulaPretty: z.string(),
    formulaAnonymous: z.string(),
    chemsys: z.string(),
    /** Cell volume, Angstrom^3. */
    volume: z.number(),
    /** Mass density, g/cm^3. */
    density: z.number(),
    /** Volume per atom, Angstrom^3. */
    densityAtomic: z.number(),
  })
  .strict();

/** Metadata for molecules (no periodic direction). */
export const MoleculeMetadataSchema = z
  .object({
    natoms: z.number().int(),
    elements: z.array(z.string()),
    nelements: z.number().int(),
    composition: z.record(z.string(), z.number()),
    formulaPretty: z.string(),
    formulaAlphabetical: z.string(),
    chemsys: z.string(),
  })
  .strict();

/** Calculator results (ASE `calc.results`), JSON-friendly. eV, eV/Angstrom, eV/Angstrom^3 (Voigt, ASE sign). */
export const ResultsSchema = z
  .object({
    energy: z.number(),
    freeEnergy: z.number(),
    forces: z.array(Vec3),
    stress: z.array(z.number()).length(6).optional(),
    energies: z.array(z.number()).optional(),
  })
  .strict();

/** Summary of an optimisation trajectory: one entry per frame, frame 0 = input. */
export const TrajectorySummarySchema = z
  .object({
    nframes: z.number().int(),
    energies: z.array(z.number()),
    fmax: z.array(z.number()),
    /** Cell volume per frame when the cell was relaxed. */
    volumes: z.array(z.number()).optional(),
  })
  .strict();

/**
 * The document every recipe job returns (quacc's RunSchema/OptSchema, camel-cased):
 * `atoms` (final), `inputAtoms`, `results`, `parameters` (calculator), `parametersOpt`/`converged`/
 * `nsteps`/`trajectory` for relaxations, `structureMetadata` (periodic) or `moleculeMetadata`,
 * `name` ("EMT Static"), `timing`, `host`, and any `additionalFields`.
 */
export const RecipeOutputSchema = z
  .object({
    name: z.string(),
    atoms: AtomsSchema,
    inputAtoms: z
      .object({
        atoms: AtomsSchema,
        structureMetadata: StructureMetadataSchema.optional(),
        moleculeMetadata: MoleculeMetadataSchema.optional(),
      })
      .strict(),
    results: ResultsSchema,
    parameters: z.record(z.string(), z.unknown()),
    parametersOpt: z.record(z.string(), z.unknown()).optional(),
    converged: z.boolean().optional(),
    nsteps: z.number().int().optional(),
    trajectory: TrajectorySummarySchema.optional(),
    structureMetadata: StructureMetadataSchema.optional(),
    moleculeMetadata: MoleculeMetadataSchema.optional(),
    timing: z.object({ startedAt: z.string(), endedAt: z.string(), durationMs: z.number() }).strict(),
    host: z.string(),
    additionalFields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A recipe job's output. */
export type RecipeOutput = z.output<typeof RecipeOutputSchema>;
