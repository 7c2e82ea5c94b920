import { z } from "zod";
import { defineFlow, type Flow, type Job } from "@latticework/core";
import { Atoms } from "../atoms/atoms.js";
import { AtomsSchema } from "../atoms/atoms-schema.js";
import type { RecipeOutput } from "../jobs/output-schema.js";
import { EngineNameSchema, engineOf } from "./engines.js";
import { fitEos } from "./eos-fit.js";

/** Input of eos.fit. */
export const EosInputSchema = z
  .object({
    atoms: AtomsSchema,
    engine: EngineNameSchema,
    /** Number of strained cells (>= 4). */
    npoints: z.number().int().min(4).default(5),
    /** Linear cell scale factors run from 1 - eps to 1 + eps (ASE tutorial: 0.95 ... 1.05). */
    eps: z.number().positive().lt(0.5).default(0.05),
    /** Fit form: third-order Birch-Murnaghan (default) or ASE's stabilised jellium "sj". */
    form: z.enum(["birchmurnaghan", "sj"]).default("birchmurnaghan"),
    /** Parameters passed to every static job (e.g. { asapCutoff: true }). */
    staticParams: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** Output of eos.fit. */
export const EosOutputSchema = z.object({
  engine: z.string(),
  form: z.enum(["birchmurnaghan", "sj"]),
  points: z.array(z.object({ scale: z.number(), volume: z.number(), energy: z.number() })),
  /** Equilibrium volume of the cell as given (Angstrom^3). */
  v0: z.number(),
  e0: z.number(),
  /** Bulk modulus in GPa and eV/Angstrom^3, and its pressure derivative. */
  BGPa: z.number(),
  B: z.number(),
  Bp: z.number(),
  /** Linear scale factor of the input cell at v0. */
  scale0: z.number(),
  /** Cubic lattice constant at v0 when the cell is sc/fcc/bcc (conventional or primitive), else null. */
  a0: z.number().nullable(),
});
export type EosOutput = z.output<typeof EosOutputSchema>;

/** Conventional cubic lattice constant from a cell volume, when the cell is sc, fcc or bcc (primitive or conventional). */
export function cubicLatticeConstant(atoms: Atoms, volume: number): number | null {
  const [a, b, c, al, be, ga] = atoms.cellParameters();
  const eq = (x: number, y: number, tol = 1e-6) => Math.abs(x - y) < tol * Math.max(1, Math.abs(y));
  if (!(eq(a, b) && eq(b, c))) return null;
  if (eq(al, 90) && eq(be, 90) && eq(ga, 90)) return Math.cbrt(volume); // sc or conventional cells
  if (eq(al, 60) && eq(be, 60) && eq(ga, 60)) return Math.cbrt(4 * volume); // fcc primitive
  const bccAngle = (Math.acos(-1 / 3) * 180) / Math.PI;
  if (eq(al, bccAngle) && eq(be, bccAngle) && eq(ga, bccAngle)) return Math.cbrt(2 * volume); // bcc primitive
  return null;
}

/** Build an EOS flow over any static job returning the recipes' output. */
export function makeEosFlow(opts: { name: string; engines?: (name: string) => { readonly static: Job } }): Flow<typeof EosInputSchema, EosOutput> {
  const lookup = opts.engines ?? engineOf;
  return defineFlow({
    name: opts.name,
    description: "Equation of state: static energies of strained cells (one job each), Birch-Murnaghan fit; a0, V0, B (GPa).",
    input: EosInputSchema,
    output: EosOutputSchema,
    summary: (o) =>
      `${o.engine} EOS (${o.form}, ${o.points.length} points): V0 = ${o.v0.toFixed(6)} A^3, E0 = ${o.e0.toFixed(9)} eV, B = ${o.BGPa.toFixed(3)} GPa, B' = ${o.Bp.toFixed(3)}` +
      (o.a0 === null ? "" : `, a0 = ${o.a0.toFixed(6)} A`),
    async run(input, f) {
      const pair = lookup(input.engine);
      const base = Atoms.fromJSON(input.atoms);
      const scales = Array.from({ length: input.npoints }, (_, i) => 1 - input.eps + (2 * input.eps * i) / (input.npoints - 1));
      const strained = scales.map((s) => {
        const a = base.clone();
        a.setCell(Array.from(base.cell, (x) => x * s), { scaleAtoms: true });
        return a;
      });
      const outs = (await f.map(
        pair.static,
        strained.map((a) => ({ ...input.staticParams, atoms: a.toJSON() })),
        { label: "eos-point" },
      )) as RecipeOutput[];
      const volumes = strained.map((a) => a.volume());
      const energies = outs.map((o) => o.results.energy);
      const fit = fitEos(volumes, energies, input.form);
      const v = base.volume();
      return {
        engine: input.engine,
        form: fit.form,
        points: scales.map((scale, i) => ({ scale, volume: volumes[i]!, energy: energies[i]! })),
        v0: fit.v0,
        e0: fit.e0,
        BGPa: fit.BGPa,
        B: fit.B,
        Bp: fit.Bp,
        scale0: Math.cbrt(fit.v0 / v),
        a0: cubicLatticeConstant(base, fit.v0),
      };
    },
  });
}

/** Equation of state of a bulk structure on the engine named in the input (default EMT). */
export const fit = makeEosFlow({ name: "eos.fit" });
