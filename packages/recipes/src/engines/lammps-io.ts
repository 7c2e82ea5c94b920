import { chemicalSymbol, atomicMasses } from "../atoms/elements.js";
import { cross3, dot3, inv3, matmul3, norm3, row3, transpose3 } from "../atoms/linalg3.js";
import type { Atoms } from "../atoms/atoms.js";
import { GPa } from "../units.js";
import { LatticeworkError } from "@latticework/core";
import { tailLines } from "./files.js";

/**
 * The LAMMPS frame of a cell: LAMMPS wants a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz). `rot` maps
 * row vectors from the ASE frame to the LAMMPS one (v_lammps = v · rot), as ASE's Prism does.
 */
export interface LammpsPrism {
  lx: number;
  ly: number;
  lz: number;
  xy: number;
  xz: number;
  yz: number;
  /** Row-major 3x3. */
  rot: Float64Array;
  /** Origin shift of the box (non-periodic systems get a padded box around the atoms). */
  origin: [number, number, number];
  boundary: string;
}

/** Compute the LAMMPS box for atoms (periodic cell, or a padded box for molecules). */
export function lammpsPrism(atoms: Atoms, vacuum = 10): LammpsPrism {
  const cell = atoms.cell;
  const A = row3(cell, 0);
  const B = row3(cell, 1);
  const C = row3(cell, 2);
  const hasCell = norm3(A) > 0 && norm3(B) > 0 && norm3(C) > 0;
  const boundary = atoms.pbc.map((p) => (p ? "p" : "s")).join(" ");
  if (!hasCell) {
    if (atoms.pbc.some(Boolean)) throw new LatticeworkError("INPUT_INVALID", "[lammps] Periodic atoms need a full 3-D cell (a zero cell vector was given).");
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < atoms.length; i++) for (let k = 0; k < 3; k++) {
      lo[k] = Math.min(lo[k]!, atoms.positions[3 * i + k]!);
      hi[k] = Math.max(hi[k]!, atoms.positions[3 * i + k]!);
    }
    const rot = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    return { lx: hi[0]! - lo[0]! + 2 * vacuum, ly: hi[1]! - lo[1]! + 2 * vacuum, lz: hi[2]! - lo[2]! + 2 * vacuum, xy: 0, xz: 0, yz: 0, rot, origin: [lo[0]! - vacuum, lo[1]! - vacuum, lo[2]! - vacuum], boundary };
  }
  const lx = norm3(A);
  const ahat = A.map((x) => x / lx);
  const xy = dot3(B, ahat);
  const ly = norm3(cross3(ahat, B));
  const xz = dot3(C, ahat);
  const yz = (dot3(B, C) - xy * xz) / ly;
  const lz = Math.sqrt(Math.max(0, dot3(C, C) - xz * xz - yz * yz));
  const L = Float64Array.of(lx, 0, 0, xy, ly, 0, xz, yz, lz);
  // cell · rot = L  =>  rot = cell^-1 · L
  const rot = matmul3(inv3(cell), L);
  return { lx, ly, lz, xy, xz, yz, rot, origin: [0, 0, 0], boundary };
}

/** Element symbols in first-appearance order (LAMMPS atom types 1..T). */
export function lammpsSpecies(atoms: Atoms): string[] {
  const out: string[] = [];
  for (const z of atoms.numbers) {
    const s = chemicalSymbol(z);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

const f = (x: number): string => (Object.is(x, -0) ? 0 : x).toPrecision(16);

/** A LAMMPS data file (atom_style atomic) for the atoms, in the LAMMPS frame of {@link lammpsPrism}. */
export function lammpsData(atoms: Atoms, prism: LammpsPrism = lammpsPrism(atoms)): string {
  const species = lammpsSpecies(atoms);
  const [ox, oy, oz] = prism.origin;
  const lines = [
    "LAMMPS data file written by latticework",
    "",
    `${atoms.length} atoms`,
    `${species.length} atom types`,
    "",
    `${f(ox)} ${f(ox + prism.lx)} xlo xhi`,
    `${f(oy)} ${f(oy + prism.ly)} ylo yhi`,
    `${f(oz)} ${f(oz + prism.lz)} zlo zhi`,
    `${f(prism.xy)} ${f(prism.xz)} ${f(prism.yz)} xy xz yz`,
    "",
    "Masses",
    "",
    ...species.map((s, i) => `${i + 1} ${f(atomicMasses[atoms.numbers[atoms.symbols.indexOf(s)]!]!)}`),
    "",
    "Atoms # atomic",
    "",
  ];
  const R = prism.rot;
  for (let i = 0; i < atoms.length; i++) {
    const p = [atoms.positions[3 * i]!, atoms.positions[3 * i + 1]!, atoms.positions[3 * i + 2]!];
    const q = [0, 1, 2].map((k) => p[0]! * R[k]! + p[1]! * R[3 + k]! + p[2]! * R[6 + k]!);
    lines.push(`${i + 1} ${species.indexOf(chemicalSymbol(atoms.numbers[i]!)) + 1} ${f(q[0]!)} ${f(q[1]!)} ${f(q[2]!)}`);
  }
  return lines.join("\n") + "\n";
}

/** One thermo table of a LAMMPS log. */
export interface ThermoBlock {
  columns: string[];
  rows: number[][];
}

/** All thermo tables of a LAMMPS log (the header line starts with "Step"). */
export function parseLammpsLog(text: string): ThermoBlock[] {
  const blocks: ThermoBlock[] = [];
  let cur: ThermoBlock | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (/^Step\s/.test(line)) {
      cur = { columns: line.split(/\s+/), rows: [] };
      blocks.push(cur);
      continue;
    }
    if (!cur) continue;
    const parts = line.split(/\s+/);
    if (parts.length === cur.columns.length && parts.every((p) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(p))) cur.rows.push(parts.map(Number));
    else cur = undefined;
  }
  return blocks;
}

/** The last frame of a `dump custom` file: ids, types and the named per-atom columns. */
export function parseLammpsDump(text: string): { timestep: number; columns: string[]; rows: number[][]; box: Float64Array | undefined } {
  const frames = text.split("ITEM: TIMESTEP").slice(1);
  const last = frames.at(-1);
  if (!last) throw new LatticeworkError("PARSE_ERROR", "[lammps] The dump file has no frame.");
  const lines = last.trim().split("\n");
  const timestep = Number(lines[0]);
  const n = Number(lines[lines.findIndex((l) => l.startsWith("ITEM: NUMBER OF ATOMS")) + 1]);
  const hi = lines.findIndex((l) => l.startsWith("ITEM: ATOMS"));
  const columns = lines[hi]!.replace("ITEM: ATOMS", "").trim().split(/\s+/);
  const rows = lines.slice(hi + 1, hi + 1 + n).map((l) => l.trim().split(/\s+/).map(Number));
  if (rows.length !== n) throw new LatticeworkError("PARSE_ERROR", `[lammps] The dump's last frame lists ${rows.length} atoms, expected ${n}.`);
  return { timestep, columns, rows, box: dumpBox(lines) };
}

/** The box of a dump frame as LAMMPS cell rows (flat 3x3), from "ITEM: BOX BOUNDS". */
function dumpBox(lines: string[]): Float64Array | undefined {
  const bi = lines.findIndex((l) => l.startsWith("ITEM: BOX BOUNDS"));
  if (bi < 0) return undefined;
  const b = [1, 2, 3].map((k) => lines[bi + k]!.trim().split(/\s+/).map(Number));
  const [xy, xz, yz] = [b[0]![2] ?? 0, b[1]![2] ?? 0, b[2]![2] ?? 0];
  const xlo = b[0]![0]! - Math.min(0, xy, xz, xy + xz);
  const xhi = b[0]![1]! - Math.max(0, xy, xz, xy + xz);
  const ylo = b[1]![0]! - Math.min(0, yz);
  const yhi = b[1]![1]! - Math.max(0, yz);
  return Float64Array.of(xhi - xlo, 0, 0, xy, yhi - ylo, 0, xz, yz, b[2]![1]! - b[2]![0]!);
}

/** Results in the ASE frame and units (eV, eV/A, eV/A^3 Voigt with ASE's sign). */
export interface LammpsResults {
  energy: number;
  forces: Float64Array;
  energies: Float64Array;
  stress: Float64Array | undefined;
  /** Final positions in the ASE frame (flat 3N). */
  positions: Float64Array;
  /** Final cell in the ASE frame (flat 3x3), when the run changed it. */
  cell: Float64Array | undefined;
  /** Potential energy at every thermo row of every run (minimisation trajectory). */
  trajectory: number[];
}

/**
 * Turn a LAMMPS log (thermo `step pe pxx pyy pzz pyz pxz pxy`) and a dump (`id type x y z fx fy fz
 * c_pe_atom`, sorted by id) into ASE-frame results. Pressures are bar (units metal).
 * @throws LatticeworkError (PARSE_ERROR) with the tail of the log when nothing parsable is there.
 */
export function lammpsResults(log: string, dump: string, prism: LammpsPrism, natoms: number): LammpsResults {
  const blocks = parseLammpsLog(log);
  const last = blocks.at(-1);
  const row = last?.rows.at(-1);
  if (!last || !row) {
    throw new LatticeworkError("PARSE_ERROR", `[lammps] No thermo output in the LAMMPS log. Last lines of the log:\n${tailLines(log)}`);
  }
  const col = (name: string): number => {
    const i = last.columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
    if (i < 0) throw new LatticeworkError("PARSE_ERROR", `[lammps] Thermo column ${name} missing (columns: ${last.columns.join(" ")}).`);
    return row[i]!;
  };
  const energy = col("PotEng");
  const periodic = prism.boundary.split(" ").every((b) => b === "p");
  const R = prism.rot;
  const RT = transpose3(R);
  let stress: Float64Array | undefined;
  if (periodic) {
    // LAMMPS pressure tensor (bar) in its frame -> ASE stress (eV/A^3, -pressure) in the ASE frame: S = R S' R^T
    const bar = 1e-4 * GPa;
    const [xx, yy, zz, yz, xz, xy] = ["Pxx", "Pyy", "Pzz", "Pyz", "Pxz", "Pxy"].map((c) => -col(c) * bar) as [number, number, number, number, number, number];
    const S = Float64Array.of(xx, xy, xz, xy, yy, yz, xz, yz, zz);
    const s = matmul3(matmul3(R, S), RT);
    stress = Float64Array.of(s[0]!, s[4]!, s[8]!, s[5]!, s[2]!, s[1]!);
  }
  const d = parseLammpsDump(dump);
  if (d.rows.length !== natoms) throw new LatticeworkError("PARSE_ERROR", `[lammps] The dump has ${d.rows.length} atoms, the structure ${natoms}.`);
  const ci = (c: string): number => {
    const i = d.columns.indexOf(c);
    if (i < 0) throw new LatticeworkError("PARSE_ERROR", `[lammps] Dump column ${c} missing (columns: ${d.columns.join(" ")}).`);
    return i;
  };
  const [iid, ix, iy, iz, ifx, ify, ifz, ipe] = ["id", "x", "y", "z", "fx", "fy", "fz", "c_pe_atom"].map(ci) as number[];
  const forces = new Float64Array(3 * natoms);
  const positions = new Float64Array(3 * natoms);
  const energies = new Float64Array(natoms);
  for (const r of d.rows) {
    const i = r[iid!]! - 1;
    // back to the ASE frame: v_ase = v_lammps · rot^T
    const fl = [r[ifx!]!, r[ify!]!, r[ifz!]!];
    const pl = [r[ix!]!, r[iy!]!, r[iz!]!];
    for (let k = 0; k < 3; k++) {
      forces[3 * i + k] = fl[0]! * RT[k]! + fl[1]! * RT[3 + k]! + fl[2]! * RT[6 + k]!;
      positions[3 * i + k] = pl[0]! * RT[k]! + pl[1]! * RT[3 + k]! + pl[2]! * RT[6 + k]!;
    }
    energies[i] = r[ipe!]!;
  }
  const trajectory = blocks.flatMap((b) => {
    const i = b.columns.indexOf("PotEng");
    return i < 0 ? [] : b.rows.map((x) => x[i]!);
  });
  const cell = d.box && periodic ? matmul3(d.box, RT) : undefined;
  return { energy, forces, energies, stress, positions, cell, trajectory };
}
