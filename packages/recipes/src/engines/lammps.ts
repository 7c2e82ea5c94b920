import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { defineJob, LatticeworkError, type JobContext } from "@latticework/core";
import { Atoms } from "../atoms/atoms.js";
import { AtomsSchema } from "../atoms/atoms-schema.js";
import { RecipeOutputSchema } from "../jobs/output-schema.js";
import { summarize } from "../jobs/calculator-jobs.js";
import { findDataFile, tailLines } from "./files.js";
import { lammpsData, lammpsPrism, lammpsResults, lammpsSpecies, type LammpsPrism } from "./lammps-io.js";

/** Where EAM potentials are looked for when `potential` is a bare file name. */
export const DEFAULT_LAMMPS_POTENTIAL_DIRS = ["/usr/share/lammps/potentials"];

/** LAMMPS parameters shared by lammps.static and lammps.relax. */
export const LammpsParamsShape = {
  /** EAM potential file: `.eam` (funcfl, one per element), `.eam.alloy` or `.eam.fs`. Default: `<El>_u3.eam` per element. */
  potential: z.union([z.string().min(1), z.record(z.string(), z.string().min(1))]).optional(),
  /** Directories searched for bare potential names (default: $LAMMPS_POTENTIALS, /usr/share/lammps/potentials). */
  potentialDirs: z.array(z.string().min(1)).optional(),
  /** The LAMMPS binary. */
  lmp: z.string().min(1).default("lmp"),
  /** MPI ranks (default: the job's resources.ranks, else 1). */
  ranks: z.number().int().positive().optional(),
};

const LammpsParams = z.object(LammpsParamsShape);
type LammpsParams = z.output<typeof LammpsParams>;

/** The pair_style / pair_coeff lines for an EAM potential and the atoms' species. */
export function lammpsPotentialLines(species: readonly string[], params: Pick<LammpsParams, "potential" | "potentialDirs">): string[] {
  const dirs = params.potentialDirs ?? [...(process.env.LAMMPS_POTENTIALS ? [process.env.LAMMPS_POTENTIALS] : []), ...DEFAULT_LAMMPS_POTENTIAL_DIRS];
  const hint = "Pass `potential` (a path, or a name found in `potentialDirs`), or install lammps-data.";
  const pot = params.potential;
  if (pot === undefined || typeof pot === "object") {
    const files = species.map((s) => findDataFile("LAMMPS potential", (pot as Record<string, string> | undefined)?.[s] ?? `${s}_u3.eam`, dirs, hint));
    return ["pair_style eam", ...files.map((file, i) => `pair_coeff ${i + 1} ${i + 1} ${file}`)];
  }
  const file = findDataFile("LAMMPS potential", pot, dirs, hint);
  const name = basename(file);
  if (/\.eam\.(alloy|fs)$/.test(name)) {
    const style = name.endsWith(".fs") ? "eam/fs" : "eam/alloy";
    return [`pair_style ${style}`, `pair_coeff * * ${file} ${species.join(" ")}`];
  }
  if (species.length > 1) {
    throw new LatticeworkError("CONFIG_INVALID", `[lammps] ${name} is a single-element EAM (funcfl) file but the structure has ${species.join(", ")}. Give one file per element ({ Cu: "Cu_u3.eam", Ni: "Ni_u3.eam" }) or an .eam.alloy file.`);
  }
  return ["pair_style eam", `pair_coeff 1 1 ${file}`];
}

/** Relaxation settings for {@link lammpsInput}. */
export interface LammpsRelax {
  fmax: number;
  maxSteps: number;
  relaxCell: boolean;
  minStyle: "cg" | "fire" | "sd";
}

/** The LAMMPS input script: read the data file, EAM, optional minimisation, then one dumped `run 0`. */
export function lammpsInput(potentialLines: readonly string[], prism: LammpsPrism, opts: { data: string; dump: string; relax?: LammpsRelax | undefined; fixed?: readonly number[] }): string {
  const triclinic = prism.xy !== 0 || prism.xz !== 0 || prism.yz !== 0;
  const lines = [
    "units metal",
    "atom_style atomic",
    "atom_modify map array sort 0 0.0",
    `boundary ${prism.boundary}`,
    "box tilt large",
    `read_data ${opts.data}`,
    ...potentialLines,
    "neighbor 2.0 bin",
    "compute pe_atom all pe/atom",
    "thermo_style custom step pe pxx pyy pzz pyz pxz pxy",
    "thermo_modify format float %.16g",
    "thermo 1",
  ];
  if (opts.fixed && opts.fixed.length > 0) {
    lines.push(`group fixed id ${opts.fixed.map((i) => i + 1).join(" ")}`, "fix freeze fixed setforce 0.0 0.0 0.0");
  }
  if (opts.relax) {
    const r = opts.relax;
    if (r.relaxCell) lines.push(`fix cellrelax all box/relax ${triclinic ? "tri" : "aniso"} 0.0 vmax 0.001`);
    lines.push(`min_style ${r.minStyle}`, `minimize 0.0 ${r.fmax} ${r.maxSteps} ${r.maxSteps * 10}`);
    if (r.relaxCell) lines.push("unfix cellrelax");
  }
  lines.push(`dump final all custom 1 ${opts.dump} id type x y z fx fy fz c_pe_atom`, "dump_modify final format float %.16g sort id", "run 0");
  return lines.join("\n") + "\n";
}

/** Run LAMMPS through ctx.launch (MPI when ranks > 1) and parse its results. */
export async function runLammps(atoms: Atoms, params: LammpsParams, ctx: JobContext, relax?: LammpsRelax) {
  const prism = lammpsPrism(atoms);
  const species = lammpsSpecies(atoms);
  const potentialLines = lammpsPotentialLines(species, params);
  const wd = ctx.workdir;
  writeFileSync(join(wd, "lammps.data"), lammpsData(atoms, prism));
  writeFileSync(join(wd, "in.lammps"), lammpsInput(potentialLines, prism, { data: "lammps.data", dump: "lammps.dump", relax, fixed: atoms.fixed }));
  const ranks = params.ranks ?? ctx.resources.ranks ?? 1;
  let stdoutPath = join(wd, "lmp.stdout");
  try {
    const res = await ctx.launch(params.lmp, { ranks, args: ["-in", "in.lammps", "-log", "lammps.log"], name: "lmp" });
    stdoutPath = res.stdoutPath;
  } catch (err) {
    if (!LatticeworkError.is(err, "LAUNCH_FAILED")) throw err;
    let out = "";
    try {
      out = readFileSync(stdoutPath, "utf8");
    } catch {
      /* no output */
    }
    const lammpsError = /^ERROR.*$/m.exec(out)?.[0];
    throw new LatticeworkError("JOB_FAILED", `[lammps] LAMMPS failed${lammpsError ? `: ${lammpsError}` : ""}. ${(err as Error).message}\nLast lines of ${stdoutPath}:\n${tailLines(out)}`, { cause: err });
  }
  let log = "";
  let dump = "";
  try {
    log = readFileSync(join(wd, "lammps.log"), "utf8");
    dump = readFileSync(join(wd, "lammps.dump"), "utf8");
  } catch {
    const out = (() => {
      try {
        return readFileSync(stdoutPath, "utf8");
      } catch {
        return "";
      }
    })();
    throw new LatticeworkError("PARSE_ERROR", `[lammps] LAMMPS wrote no log/dump in ${wd}. Last lines of its output:\n${tailLines(out)}`);
  }
  const res = lammpsResults(log, dump, prism, atoms.length);
  return { res, parameters: { potential: potentialLines, ranks, lmp: params.lmp } };
}

function maxForce(forces: Float64Array): number {
  let m = 0;
  for (let i = 0; i < forces.length; i += 3) m = Math.max(m, Math.hypot(forces[i]!, forces[i + 1]!, forces[i + 2]!));
  return m;
}

const Common = { atoms: AtomsSchema, additionalFields: z.record(z.string(), z.unknown()).optional(), ...LammpsParamsShape };

/** `lammps.static`: energy, forces, stress (and per-atom energies) from LAMMPS with an EAM potential. */
const lammpsStatic = defineJob({
  name: "lammps.static",
  description: "LAMMPS (EAM) single-point energy, forces and stress.",
  input: z.object(Common).strict(),
  output: RecipeOutputSchema,
  async run(input, ctx) {
    const started = new Date();
    const atoms = Atoms.fromJSON(input.atoms);
    const { res, parameters } = await runLammps(atoms, input, ctx);
    const results = { energy: res.energy, freeEnergy: res.energy, forces: res.forces, energies: res.energies, ...(res.stress ? { stress: res.stress } : {}) };
    return summarize({ name: "LAMMPS Static", input: atoms, final: atoms.clone(), results, parameters, started, additionalFields: input.additionalFields });
  },
});

/** `lammps.relax`: LAMMPS minimisation (cg by default; optional cell relaxation with box/relax). */
const lammpsRelax = defineJob({
  name: "lammps.relax",
  description: "LAMMPS (EAM) minimisation of positions (and optionally the cell).",
  input: z
    .object({
      ...Common,
      fmax: z.number().positive().default(0.01),
      maxSteps: z.number().int().positive().default(1000),
      relaxCell: z.boolean().default(false),
      minStyle: z.enum(["cg", "fire", "sd"]).default("cg"),
      checkConvergence: z.boolean().default(true),
    })
    .strict(),
  output: RecipeOutputSchema,
  async run(input, ctx) {
    const started = new Date();
    const atoms = Atoms.fromJSON(input.atoms);
    const relaxCell = input.relaxCell && atoms.pbc.every(Boolean);
    const { res, parameters } = await runLammps(atoms, input, ctx, { fmax: input.fmax, maxSteps: input.maxSteps, relaxCell, minStyle: input.minStyle });
    const final = atoms.clone();
    if (res.cell) final.setCell(res.cell, { scaleAtoms: false });
    final.setPositions(res.positions, { applyConstraint: false });
    const fmax = maxForce(res.forces);
    const converged = fmax < input.fmax;
    if (input.checkConvergence && !converged) {
      throw new LatticeworkError("JOB_FAILED", `[lammps] Minimisation did not converge: fmax ${fmax.toExponential(3)} eV/A after ${res.trajectory.length} steps (target < ${input.fmax}). Raise maxSteps or pass checkConvergence: false.`);
    }
    const results = { energy: res.energy, freeEnergy: res.energy, forces: res.forces, energies: res.energies, ...(res.stress ? { stress: res.stress } : {}) };
    return summarize({
      name: "LAMMPS Relax",
      input: atoms,
      final,
      results,
      parameters,
      started,
      additionalFields: input.additionalFields,
      opt: {
        parametersOpt: { minStyle: input.minStyle, fmax: input.fmax, maxSteps: input.maxSteps, relaxCell },
        converged,
        nsteps: Math.max(0, res.trajectory.length - 2),
        trajectory: { nframes: res.trajectory.length, energies: res.trajectory, fmax: [] },
      },
    });
  },
});

/**
 * LAMMPS recipes: `lammps.static` and `lammps.relax` (EAM potentials; MPI through `ctx.launch`
 * with `ranks` from the input or the job's resources).
 *
 * @example
 * ```ts
 * const out = await f.run(lammps.static, { atoms: bulk("Cu", { cubic: true }).toJSON() }, { resources: { ranks: 2 } });
 * ```
 */
export const lammps = Object.freeze({ static: lammpsStatic, relax: lammpsRelax });
