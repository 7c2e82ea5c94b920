import { LatticeworkError } from "@latticework/core";
import type { Atoms } from "../atoms/atoms.js";
import { atomicMasses, chemicalSymbol } from "../atoms/elements.js";
import { norm3, row3 } from "../atoms/linalg3.js";
import { tailLines } from "./files.js";

/**
 * Units of pw.x output. Quantum ESPRESSO's own constants are CODATA 2006 (RYTOEV, BOHR_RADIUS_ANGS),
 * and ASE's espresso reader converts with CODATA 2006 for that reason; so do we, so energies agree
 * with both to the printed digits.
 */
export const Rydberg = 13.605691932782346;
/** Hartree in eV (CODATA 2006). */
export const Hartree = 27.21138386556469;
/** Bohr radius in Angstrom (CODATA 2006), for pw.x output. */
export const QeBohr = 0.5291772083535413;
const Bohr = QeBohr;

/** Settings of one pw.x input. */
export interface PwInput {
  calculation: "scf" | "relax" | "vc-relax";
  ecutwfc: number;
  ecutrho?: number | undefined;
  kpts: [number, number, number];
  kptShift: [number, number, number];
  smearing?: { kind: string; degauss: number } | undefined;
  convThr: number;
  mixingBeta: number;
  pseudoDir: string;
  /** Pseudopotential file name per element. */
  pseudopotentials: Record<string, string>;
  /** Force threshold for relaxations, eV/A. */
  fmax?: number | undefined;
  nstep?: number | undefined;
  extra?: Record<string, Record<string, string | number | boolean>> | undefined;
}

const fmt = (x: number): string => (Object.is(x, -0) ? 0 : x).toFixed(10);
const val = (v: string | number | boolean): string => (typeof v === "boolean" ? (v ? ".true." : ".false.") : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "")}'`);

function namelist(name: string, entries: Record<string, string | number | boolean | undefined>): string {
  const body = Object.entries(entries)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `  ${k} = ${val(v as string | number | boolean)}`)
    .join("\n");
  return `&${name}\n${body}${body ? "\n" : ""}/`;
}

/** pw.x input text for the atoms (cell and positions in Angstrom, ibrav 0). */
export function pwInput(atoms: Atoms, p: PwInput): string {
  if (![0, 1, 2].every((i) => norm3(row3(atoms.cell, i)) > 0)) {
    throw new LatticeworkError("INPUT_INVALID", "[qe] pw.x needs a 3-D cell: set a cell (for molecules, a box with vacuum) before running Quantum ESPRESSO.");
  }
  const species = [...new Set(Array.from(atoms.numbers, (z) => chemicalSymbol(z)))];
  const ex = p.extra ?? {};
  const control = namelist("CONTROL", {
    calculation: p.calculation,
    prefix: "pwscf",
    outdir: "./out",
    pseudo_dir: p.pseudoDir,
    tprnfor: true,
    tstress: true,
    forc_conv_thr: p.fmax !== undefined ? p.fmax / (Rydberg / Bohr) : undefined,
    nstep: p.nstep,
    ...ex.control,
  });
  const system = namelist("SYSTEM", {
    ibrav: 0,
    nat: atoms.length,
    ntyp: species.length,
    ecutwfc: p.ecutwfc,
    ecutrho: p.ecutrho,
    ...(p.smearing ? { occupations: "smearing", smearing: p.smearing.kind, degauss: p.smearing.degauss } : {}),
    ...ex.system,
  });
  const electrons = namelist("ELECTRONS", { conv_thr: p.convThr, mixing_beta: p.mixingBeta, ...ex.electrons });
  const parts = [control, system, electrons];
  if (p.calculation !== "scf") parts.push(namelist("IONS", { ...ex.ions }));
  if (p.calculation === "vc-relax") parts.push(namelist("CELL", { ...ex.cell }));
  parts.push("ATOMIC_SPECIES", ...species.map((s) => `${s} ${atomicMasses[atoms.numbers[atoms.symbols.indexOf(s)]!]!.toFixed(4)} ${p.pseudopotentials[s]}`));
  parts.push("CELL_PARAMETERS angstrom", ...[0, 1, 2].map((i) => row3(atoms.cell, i).map(fmt).join(" ")));
  parts.push("ATOMIC_POSITIONS angstrom");
  for (let i = 0; i < atoms.length; i++) {
    const fixed = atoms.fixed.includes(i) ? " 0 0 0" : "";
    parts.push(`${chemicalSymbol(atoms.numbers[i]!)} ${fmt(atoms.positions[3 * i]!)} ${fmt(atoms.positions[3 * i + 1]!)} ${fmt(atoms.positions[3 * i + 2]!)}${fixed}`);
  }
  parts.push("K_POINTS automatic", `${p.kpts.join(" ")} ${p.kptShift.join(" ")}`);
  return parts.join("\n") + "\n";
}

/** What a pw.x output says, in eV, eV/A, eV/A^3 (Voigt, ASE's sign). */
export interface PwResults {
  energy: number;
  forces: Float64Array | undefined;
  stress: Float64Array | undefined;
  /** SCF convergence of the last SCF cycle. */
  scfConverged: boolean;
  /** For relaxations: whether the geometry optimisation converged. */
  relaxConverged: boolean | undefined;
  /** Total energies of every ionic step (eV). */
  energies: number[];
  /** Last printed positions (Angstrom, flat 3N) and cell (flat 3x3), for relaxations. */
  positions: Float64Array | undefined;
  cell: Float64Array | undefined;
}

const NUM = String.raw`[-+]?\d*\.?\d+(?:[eEdD][-+]?\d+)?`;

/**
 * Parse pw.x output (6.x). Throws PARSE_ERROR with the tail of the output when no total energy is
 * there, and JOB_FAILED when SCF did not converge.
 */
export function parsePwOutput(text: string, natoms: number): PwResults {
  const energies = [...text.matchAll(new RegExp(String.raw`^!\s+total energy\s+=\s+(${NUM}) Ry`, "gm"))].map((m) => Number(m[1]) * Rydberg);
  if (energies.length === 0) {
    throw new LatticeworkError("PARSE_ERROR", `[qe] No "! total energy" in the pw.x output. Last lines:\n${tailLines(text)}`);
  }
  const scfConverged = !/convergence NOT achieved/.test(text.slice(text.lastIndexOf("iteration #")));
  let forces: Float64Array | undefined;
  const fi = text.lastIndexOf("Forces acting on atoms");
  if (fi >= 0) {
    const re = new RegExp(String.raw`atom\s+(\d+)\s+type\s+\d+\s+force\s+=\s+(${NUM})\s+(${NUM})\s+(${NUM})`, "g");
    forces = new Float64Array(3 * natoms);
    let count = 0;
    for (const m of text.slice(fi).matchAll(re)) {
      const i = Number(m[1]) - 1;
      if (i >= natoms || count >= natoms) break;
      for (let k = 0; k < 3; k++) forces[3 * i + k] = (Number(m[2 + k]) * Rydberg) / Bohr;
      count++;
    }
    if (count !== natoms) throw new LatticeworkError("PARSE_ERROR", `[qe] Found forces for ${count} of ${natoms} atoms in the pw.x output.`);
  }
  let stress: Float64Array | undefined;
  const si = text.lastIndexOf("total   stress");
  if (si >= 0) {
    const rows = text.slice(si).split("\n").slice(1, 4).map((l) => l.trim().split(/\s+/).slice(0, 3).map(Number));
    const s = (i: number, j: number): number => (-rows[i]![j]! * Rydberg) / Bohr ** 3;
    stress = Float64Array.of(s(0, 0), s(1, 1), s(2, 2), s(1, 2), s(0, 2), s(0, 1));
  }
  const relaxConverged = /bfgs converged|End of BFGS Geometry Optimization/.test(text) ? true : /number of bfgs steps|BFGS Geometry Optimization/.test(text) ? false : undefined;
  let positions: Float64Array | undefined;
  const pi = text.lastIndexOf("ATOMIC_POSITIONS");
  if (pi >= 0) {
    const unit = /ATOMIC_POSITIONS\s*\(?\s*(\w+)/.exec(text.slice(pi))?.[1];
    const lines = text.slice(pi).split("\n").slice(1, 1 + natoms);
    positions = new Float64Array(3 * natoms);
    lines.forEach((l, i) => {
      const xs = l.trim().split(/\s+/).slice(1, 4).map(Number);
      for (let k = 0; k < 3; k++) positions![3 * i + k] = xs[k]! * (unit === "bohr" ? Bohr : 1);
    });
    if (unit !== "angstrom" && unit !== "bohr") positions = undefined; // crystal/alat output is not requested
  }
  let cell: Float64Array | undefined;
  const ci = text.lastIndexOf("CELL_PARAMETERS");
  if (ci >= 0) {
    const head = text.slice(ci).split("\n")[0]!;
    const alat = /alat\s*=\s*(\S+?)\)/.exec(head)?.[1];
    const scale = alat ? Number(alat) * Bohr : /bohr/.test(head) ? Bohr : 1;
    const rows = text.slice(ci).split("\n").slice(1, 4).map((l) => l.trim().split(/\s+/).map(Number));
    cell = Float64Array.from(rows.flat().map((x) => x * scale));
  }
  return { energy: energies.at(-1)!, forces, stress, scfConverged, relaxConverged, energies, positions, cell };
}
