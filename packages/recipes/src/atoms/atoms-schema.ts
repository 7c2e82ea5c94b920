import { z } from "zod";

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

/**
 * Atoms as plain JSON: what crosses process boundaries (job inputs and outputs). Use
 * `Atoms.fromJSON` / `atoms.toJSON()` to convert to and from the in-memory class.
 * Units: Angstrom. `cell` rows are the lattice vectors. `fixed` lists indices of fixed atoms
 * (ASE FixAtoms).
 */
export const AtomsSchema = z
  .object({
    numbers: z.array(z.number().int().min(0).max(118)),
    positions: z.array(Vec3),
    cell: z.tuple([Vec3, Vec3, Vec3]).default([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]),
    pbc: z.tuple([z.boolean(), z.boolean(), z.boolean()]).default([false, false, false]),
    fixed: z.array(z.number().int().nonnegative()).default([]),
    info: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.positions.length !== a.numbers.length) {
      ctx.addIssue({ code: "custom", path: ["positions"], message: `has ${a.positions.length} rows but numbers has ${a.numbers.length}` });
    }
    for (const i of a.fixed) {
      if (i >= a.numbers.length) ctx.addIssue({ code: "custom", path: ["fixed"], message: `index ${i} out of range (natoms ${a.numbers.length})` });
    }
  });

/** Atoms as JSON (after defaults). */
export type AtomsJSON = z.output<typeof AtomsSchema>;
/** Atoms JSON as callers may write it (defaults optional). */
export type AtomsJSONInput = z.input<typeof AtomsSchema>;
