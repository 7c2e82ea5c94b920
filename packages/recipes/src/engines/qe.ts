import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { defineJob, LatticeworkError, type JobContext } from "@latticework/core";
import { Atoms } from "../atoms/atoms.js";
import { AtomsSchema } from "../atoms/atoms-schema.js";
import { chemicalSymbol } from "../atoms/elements.js";
import { RecipeOutputSchema } from "../jobs/output-schema.js";
import { summarize } from "../jobs/calculator-jobs.js";
import { findDataFile, listDir, tailLines } from "./files.js";
import { parsePwOutput, pwInput, type PwInput } from "./qe-io.js";

/** Where pseudopotentials are looked for by default (after $ESPRESSO_PSEUDO). */
export const DEFAULT_PSEUDO_DIRS = ["/usr/share/espresso/pseudo"];

const nlValue = z.union([z.string(), z.number(), z.boolean()]);

/** Quantum ESPRESSO (pw.x) parameters shared by qe.static and qe.relax. */
export const QeParamsShape = {
  /** Plane-wave cut-off, Ry. */
  ecutwfc: z.number().positive().default(30),
  ecutrho: z.number().positive().optional(),
  /** Monkhorst-Pack grid. */
  kpts: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).default([4, 4, 4]),
  kptShift: z.tuple([z.literal(0).or(z.literal(1)), z.literal(0).or(z.literal(1)), z.literal(0).or(z.literal(1))]).default([0, 0, 0]),
  /** Smearing (metals); null for fixed occupations. degauss in Ry. */
  smearing: z.object({ kind: z.enum(["gaussian", "mv", "mp", "fd"]), degauss: z.number().positive() }).strict().nullable().default({ kind: "mv", degauss: 0.02 }),
  convThr: z.number().positive().default(1e-8),
  mixingBeta: z.number().positive().max(1).default(0.7),
  /** Pseudopotential file per element; default: `<El>.pz-*.UPF` (LDA) if present, else the first `<El>.*.UPF` by name. */
  pseudopotentials: z.record(z.string(), z.string().min(1)).default({}),
  /** Directories searched for pseudopotentials (default: $ESPRESSO_PSEUDO, /usr/share/espresso/pseudo). */
  pseudoDirs: z.array(z.string().min(1)).optional(),
  /** Extra namelist entries, e.g. { system: { nspin: 2 } }. */
  extra: z.record(z.enum(["control", "system", "electrons", "ions", "cell"]), z.record(z.string(), nlValue)).optional(),
  /** The pw.x binary. */
  pwx: z.string().min(1).default("pw.x"),
  /** MPI ranks (default: the job's resources.ranks, else 1). */
  ranks: z.number().int().positive().optional(),
};

const QeParams = z.object(QeParamsShape);
type QeParams = z.output<typeof QeParams>;

/** Resolve one pseudopotential per element: { dir, files } (all in one directory, as pw.x wants). */
export function resolvePseudopotentials(species: readonly string[], params: Pick<QeParams, "pseudopotentials" | "pseudoDirs">): { dir: string; files: Record<string, string> } {
  const dirs = params.pseudoDirs ?? [...(process.env.ESPRESSO_PSEUDO ? [process.env.ESPRESSO_PSEUDO] : []), ...DEFAULT_PSEUDO_DIRS];
  const hint = "Pass `pseudopotentials: { El: \"file.UPF\" }` and/or `pseudoDirs`, or install quantum-espresso-data.";
  const files: Record<string, string> = {};
  const chosenDirs = new Set<string>();
  for (const s of species) {
    const given = params.pseudopotentials[s];
    if (given) {
      const path = findDataFile(`Pseudopotential for ${s}`, given, dirs, hint);
      files[s] = path.split("/").pop()!;
      chosenDirs.add(path.slice(0, path.lastIndexOf("/")));
      continue;
    }
    let found: { dir: string; file: string } | undefined;
    for (const d of dirs) {
      const f = listDir(d)
        .filter((n) => /\.upf$/i.test(n) && (n.startsWith(`${s}.`) || n.startsWith(`${s}_`)))
        // one functional for every element by default: LDA (Perdew-Zunger, ".pz-") first, then by name
        .sort((a, b) => Number(!a.includes(".pz-")) - Number(!b.includes(".pz-")) || a.localeCompare(b))[0];
      if (f) {
        found = { dir: d, file: f };
        break;
      }
    }
    if (!found) {
      throw new LatticeworkError("CONFIG_INVALID", `[qe] No pseudopotential for ${s}: no ${s}.*.UPF / ${s}_*.UPF in ${dirs.join(", ") || "(no directories)"}. ${hint}`, {
        details: { element: s, searched: dirs },
      });
    }
    files[s] = found.file;
    chosenDirs.add(found.dir);
  }
  if (chosenDirs.size > 1) {
    throw new LatticeworkError("CONFIG_INVALID", `[qe] Pseudopotentials come from several directories (${[...chosenDirs].join(", ")}); pw.x reads them from one pseudo_dir. Put them in one directory.`);
  }
  return { dir: [...chosenDirs][0] ?? dirs[0]!, files };
}

/** Run pw.x through ctx.launch and parse its output. */
export async function runPw(atoms: Atoms, params: QeParams, ctx: JobContext, calc: Pick<PwInput, "calculation" | "fmax" | "nstep">) {
  const species = [...new Set(Array.from(atoms.numbers, (z) => chemicalSymbol(z)))];
  const pseudo = resolvePseudopotentials(species, params);
  const input: PwInput = {
    ...calc,
    ecutwfc: params.ecutwfc,
    ecutrho: params.ecutrho,
    kpts: params.kpts,
    kptShift: params.kptShift,
    smearing: params.smearing ?? undefined,
    convThr: params.convThr,
    mixingBeta: params.mixingBeta,
    pseudoDir: pseudo.dir,
    pseudopotentials: pseudo.files,
    extra: params.extra,
  };
  writeFileSync(join(ctx.workdir, "pw.in"), pwInput(atoms, input));
  const ranks = params.ranks ?? ctx.resources.ranks ?? 1;
  let out = "";
  const read = (): string => {
    try {
      return readFileSync(join(ctx.workdir, "pw.out"), "utf8");
    } catch {
      return "";
    }
  };
  try {
    await ctx.launch(params.pwx, { ranks, args: ["-in", "pw.in"], name: "pw", stdoutFile: "pw.out", threadsPerRank: 1 });
    out = read();
  } catch (err) {
    if (!LatticeworkError.is(err, "LAUNCH_FAILED")) throw err;
    out = read();
    const qeError = /%{20,}\n([\s\S]*?)%{20,}/.exec(out)?.[1]?.trim();
    throw new LatticeworkError("JOB_FAILED", `[qe] pw.x failed${qeError ? `:\n${qeError}` : ""}\n${(err as Error).message}\nLast lines of pw.out:\n${tailLines(out)}`, { cause: err });
  }
  const res = parsePwOutput(out, atoms.length);
  if (!res.scfConverged) throw new LatticeworkError("JOB_FAILED", `[qe] SCF did not converge (pw.out in ${ctx.workdir}). Raise electron_maxstep or lower mixingBeta. Last lines:\n${tailLines(out)}`);
  return { res, parameters: { ...input, pwx: params.pwx, ranks } as Record<string, unknown> };
}

const Common = { atoms: AtomsSchema, additionalFields: z.record(z.string(), z.unknown()).optional(), ...QeParamsShape };

function resultsOf(res: ReturnType<typeof parsePwOutput>, n: number) {
  return { energy: res.energy, freeEnergy: res.energy, forces: res.forces ?? new Float64Array(3 * n), energies: new Float64Array(0), ...(res.stress ? { stress: res.stress } : {}) };
}

/** `qe.static`: pw.x SCF: total energy, forces, stress. */
const qeStatic = defineJob({
  name: "qe.static",
  description: "Quantum ESPRESSO pw.x SCF: energy, forces and stress.",
  input: z.object(Common).strict(),
  output: RecipeOutputSchema,
  async run(input, ctx) {
    const started = new Date();
    const atoms = Atoms.fromJSON(input.atoms);
    const { res, parameters } = await runPw(atoms, input, ctx, { calculation: "scf" });
    return summarize({ name: "QE Static", input: atoms, final: atoms.clone(), results: resultsOf(res, atoms.length), parameters, started, additionalFields: input.additionalFields });
  },
});

/** `qe.relax`: pw.x relax (or vc-relax with relaxCell) with BFGS. */
const qeRelax = defineJob({
  name: "qe.relax",
  description: "Quantum ESPRESSO pw.x geometry (and optionally cell) relaxation.",
  input: z.object({ ...Common, fmax: z.number().positive().default(0.01), maxSteps: z.number().int().positive().default(100), relaxCell: z.boolean().default(false), checkConvergence: z.boolean().default(true) }).strict(),
  output: RecipeOutputSchema,
  async run(input, ctx) {
    const started = new Date();
    const atoms = Atoms.fromJSON(input.atoms);
    const calculation = input.relaxCell ? "vc-relax" : "relax";
    const { res, parameters } = await runPw(atoms, input, ctx, { calculation, fmax: input.fmax, nstep: input.maxSteps });
    const converged = res.relaxConverged ?? false;
    if (input.checkConvergence && !converged) {
      throw new LatticeworkError("JOB_FAILED", `[qe] pw.x ${calculation} did not converge in ${input.maxSteps} steps. Raise maxSteps or pass checkConvergence: false.`);
    }
    const final = atoms.clone();
    if (res.cell && input.relaxCell) final.setCell(res.cell, { scaleAtoms: false });
    if (res.positions) final.setPositions(res.positions, { applyConstraint: false });
    return summarize({
      name: "QE Relax",
      input: atoms,
      final,
      results: resultsOf(res, atoms.length),
      parameters,
      started,
      additionalFields: input.additionalFields,
      opt: { parametersOpt: { fmax: input.fmax, maxSteps: input.maxSteps, relaxCell: input.relaxCell }, converged, nsteps: Math.max(0, res.energies.length - 1), trajectory: { nframes: res.energies.length, energies: res.energies, fmax: [] } },
    });
  },
});

/**
 * Quantum ESPRESSO recipes: `qe.static` (pw.x scf) and `qe.relax` (relax / vc-relax); MPI through
 * `ctx.launch` with `ranks` from the input or the job's resources.
 */
export const qe = Object.freeze({ static: qeStatic, relax: qeRelax });
