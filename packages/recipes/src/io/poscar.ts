import { Atoms } from "../atoms/atoms.js";
import { atomicNumber, chemicalSymbols } from "../atoms/elements.js";
import { det3, inv3 } from "../atoms/linalg3.js";
import { StructureFormatError, parseFloatStrict, parseIntStrict } from "./errors.js";

/** Options of {@link formatPoscar}. */
export interface PoscarWriteOptions {
  /** Write fractional ("Direct") instead of Cartesian coordinates. Default false (like ASE). */
  direct?: boolean;
  /** Comment (first line); default: the species, as ASE writes. */
  comment?: string;
}

const isSymbol = (s: string): boolean => /^[A-Z][a-z]?$/.test(s) && chemicalSymbols.includes(s);

/**
 * Parse a POSCAR/CONTCAR (VASP 5 with a species line, or VASP 4 with the species in the comment
 * line). Selective dynamics: atoms with "F F F" become fixed; mixed flags are kept in
 * `info.selectiveDynamics` (FixAtoms cannot express them). Negative scale factors are volumes;
 * three scale factors (VASP 6) scale x, y and z separately.
 */
export function parsePoscar(text: string, file = "<string>"): Atoms {
  const lines = text.split(/\r?\n/);
  let ln = 0;
  const next = (what: string): string[] => {
    while (ln < lines.length) {
      const raw = lines[ln++]!;
      const t = raw.trim().split(/\s+/).filter(Boolean);
      if (t.length) return t;
      if (what !== "") throw new StructureFormatError(file, ln, `expected ${what}, got an empty line`);
    }
    throw new StructureFormatError(file, ln, `unexpected end of file: expected ${what}`);
  };
  if (lines.length === 0 || text.trim() === "") throw new StructureFormatError(file, 1, "empty file: expected a POSCAR comment line");
  const comment = lines[ln++]!.trim();
  const scaleTok = next("the scale factor");
  const scaleLine = ln;
  const scale = parseFloatStrict(scaleTok[0], file, scaleLine, "the scale factor");
  // VASP 6: three positive numbers scale the x, y and z components separately
  const perAxis = scaleTok.length >= 3 && /^[-+\d.]/.test(scaleTok[1]!) && /^[-+\d.]/.test(scaleTok[2]!)
    ? scaleTok.slice(0, 3).map((x, k) => parseFloatStrict(x, file, scaleLine, `scale factor ${k + 1}`))
    : undefined;
  if (perAxis && perAxis.some((x) => x <= 0)) throw new StructureFormatError(file, scaleLine, "three scale factors must all be positive");
  const cell: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = next(`lattice vector ${r + 1} (three numbers)`);
    for (let k = 0; k < 3; k++) cell.push(parseFloatStrict(t[k], file, ln, `component ${k + 1} of lattice vector ${r + 1}`));
  }
  if (scale === 0) throw new StructureFormatError(file, scaleLine, "the scale factor must not be 0");
  const rawDet = Math.abs(det3(cell));
  if (rawDet < 1e-12) throw new StructureFormatError(file, ln, "the three lattice vectors are coplanar (zero volume): expected a 3-D cell");
  // a negative scale factor is the cell volume
  const factor = scale > 0 ? scale : Math.cbrt(-scale / rawDet);
  const axis = perAxis ?? [factor, factor, factor];
  for (let i = 0; i < 9; i++) cell[i]! *= axis[i % 3]!;
  let t = next("the species line (VASP 5) or the atom counts");
  let species: string[];
  if (t.every((x) => /^\d+$/.test(x))) {
    // VASP 4: species from the comment line
    const fromComment = comment.split(/\s+/).filter(isSymbol);
    if (fromComment.length < t.length) {
      throw new StructureFormatError(file, ln, `no species line (VASP 4 format) and the comment line does not list ${t.length} element symbols: add a VASP 5 species line like "Cu O" above the counts`);
    }
    species = fromComment.slice(0, t.length);
  } else {
    species = t.map((s) => s.replace(/[_/].*$/, ""));
    for (const s of species) {
      if (!isSymbol(s)) throw new StructureFormatError(file, ln, `expected element symbols on the species line, got ${JSON.stringify(s)}`);
    }
    t = next("the atom counts");
  }
  const countLine = ln;
  if (t.length !== species.length) throw new StructureFormatError(file, countLine, `expected ${species.length} atom counts (one per species ${species.join(" ")}), got ${t.length}`);
  const counts = t.map((x, i) => parseIntStrict(x, file, countLine, `the atom count of ${species[i]}`));
  const n = counts.reduce((a, b) => a + b, 0);
  t = next("'Selective dynamics', 'Direct' or 'Cartesian'");
  let selective = false;
  if (/^s/i.test(t[0]!)) {
    selective = true;
    t = next("'Direct' or 'Cartesian'");
  }
  let cartesian: boolean;
  if (/^[ck]/i.test(t[0]!)) cartesian = true;
  else if (/^d/i.test(t[0]!)) cartesian = false;
  else throw new StructureFormatError(file, ln, `expected 'Direct' or 'Cartesian', got ${JSON.stringify(t.join(" "))}`);
  const numbers: number[] = [];
  species.forEach((s, i) => { for (let k = 0; k < counts[i]!; k++) numbers.push(atomicNumber(s)); });
  const coords: number[] = [];
  const fixed: number[] = [];
  const flags: boolean[][] = [];
  let mixed = false;
  for (let i = 0; i < n; i++) {
    const row = next(`coordinates of atom ${i + 1} of ${n}`);
    for (let k = 0; k < 3; k++) coords.push(parseFloatStrict(row[k], file, ln, `coordinate ${k + 1} of atom ${i + 1}`));
    if (selective) {
      const f = row.slice(3, 6).map((x) => x.toUpperCase());
      if (f.length !== 3 || !f.every((x) => x === "T" || x === "F")) {
        throw new StructureFormatError(file, ln, `expected three selective-dynamics flags (T or F) after the coordinates of atom ${i + 1}, got ${JSON.stringify(row.slice(3).join(" "))}`);
      }
      const free = f.map((x) => x === "T");
      flags.push(free);
      if (free.every((x) => !x)) fixed.push(i);
      else if (!free.every((x) => x)) mixed = true;
    }
  }
  let positions: number[];
  if (cartesian) positions = coords.map((x, i) => x * axis[i % 3]!);
  else {
    positions = [];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) positions.push(coords[3 * i]! * cell[k]! + coords[3 * i + 1]! * cell[3 + k]! + coords[3 * i + 2]! * cell[6 + k]!);
    }
  }
  const info: Record<string, unknown> = {};
  if (mixed) info.selectiveDynamics = flags;
  return new Atoms({ numbers, positions, cell, pbc: true, fixed, info });
}

function f16(x: number): string {
  return (Object.is(x, -0) ? 0 : x).toFixed(16).padStart(21);
}

/**
 * Write a POSCAR (VASP 5: species and counts lines; "Selective dynamics" with F F F for fixed atoms
 * when any atom is fixed). Species are grouped in runs of consecutive equal symbols, as ASE does,
 * so atom order is preserved. The atoms need a full 3-D cell.
 */
export function formatPoscar(atoms: Atoms, options: PoscarWriteOptions = {}, file = "<string>"): string {
  if (!atoms.hasFullCell() || Math.abs(det3(atoms.cell)) < 1e-12) {
    throw new StructureFormatError(file, undefined, "POSCAR needs a 3-D cell (three non-coplanar lattice vectors); set atoms.cell or write extxyz instead", { code: "INPUT_INVALID" });
  }
  const syms = atoms.symbols;
  const runs: [string, number][] = [];
  for (const s of syms) {
    const last = runs[runs.length - 1];
    if (last && last[0] === s) last[1]++;
    else runs.push([s, 1]);
  }
  const out: string[] = [];
  out.push(options.comment ?? `${runs.map((r) => r[0]).join(" ")} `);
  out.push(" 1.0000000000000000");
  for (let r = 0; r < 3; r++) out.push(`  ${[0, 1, 2].map((k) => f16(atoms.cell[3 * r + k]!)).join(" ")}`);
  out.push(` ${runs.map((r) => r[0].padStart(2)).join(" ")} `);
  out.push(` ${runs.map((r) => String(r[1]).padStart(3)).join(" ")}`);
  const selective = atoms.fixed.length > 0;
  if (selective) out.push("Selective dynamics");
  out.push(options.direct ? "Direct" : "Cartesian");
  const fixed = new Set(atoms.fixed);
  const inv = inv3(atoms.cell);
  for (let i = 0; i < atoms.length; i++) {
    const r = [atoms.positions[3 * i]!, atoms.positions[3 * i + 1]!, atoms.positions[3 * i + 2]!];
    const v = options.direct ? [0, 1, 2].map((k) => r[0]! * inv[k]! + r[1]! * inv[3 + k]! + r[2]! * inv[6 + k]!) : r;
    let line = v.map(f16).join("");
    if (selective) line += fixed.has(i) ? "   F   F   F" : "   T   T   T";
    out.push(line);
  }
  return `${out.join("\n")}\n`;
}
