import { Atoms } from "../atoms/atoms.js";
import { atomicNumber, chemicalSymbols } from "../atoms/elements.js";
import { StructureFormatError, parseFloatStrict, parseIntStrict } from "./errors.js";

/**
 * Calculator results a structure file can carry (ASE's SinglePointCalculator results). Readers put
 * them in `atoms.info.results`; writers take them from the `results` option or from there.
 * `stress` is Voigt [xx, yy, zz, yz, xz, xy] (eV/A^3).
 */
export interface StructureResults {
  energy?: number;
  free_energy?: number;
  forces?: number[][];
  energies?: number[];
  stress?: number[];
}

interface Prop {
  name: string;
  type: "S" | "R" | "I" | "L";
  cols: number;
}

/** Split an extxyz comment line into key=value pairs (values: bare, "double-quoted" or {braced}). */
export function parseKeyValues(line: string, file: string, lineNo: number): Map<string, string | true> {
  const out = new Map<string, string | true>();
  let i = 0;
  const n = line.length;
  const skipWs = (): void => { while (i < n && /\s/.test(line[i]!)) i++; };
  const readValue = (): string => {
    if (line[i] === '"') {
      let v = "";
      i++;
      while (i < n && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < n) { v += line[i + 1]; i += 2; } else v += line[i++];
      }
      if (i >= n) throw new StructureFormatError(file, lineNo, "unterminated double quote in the comment line: expected a closing \"");
      i++;
      return v;
    }
    if (line[i] === "{" || line[i] === "[") {
      const close = line[i] === "{" ? "}" : "]";
      const start = ++i;
      while (i < n && line[i] !== close) i++;
      if (i >= n) throw new StructureFormatError(file, lineNo, `unterminated ${line[start - 1]} in the comment line: expected a closing ${close}`);
      return line.slice(start, i++).replace(/,/g, " ");
    }
    const start = i;
    while (i < n && !/\s/.test(line[i]!)) i++;
    return line.slice(start, i);
  };
  while (true) {
    skipWs();
    if (i >= n) break;
    let key: string;
    if (line[i] === '"') key = readValue();
    else {
      const start = i;
      while (i < n && !/[\s=]/.test(line[i]!)) i++;
      key = line.slice(start, i);
    }
    skipWs();
    if (line[i] === "=") {
      i++;
      skipWs();
      out.set(key, readValue());
    } else out.set(key, true);
  }
  return out;
}

function parseProperties(spec: string, file: string, lineNo: number): Prop[] {
  const parts = spec.split(":");
  if (parts.length % 3 !== 0) throw new StructureFormatError(file, lineNo, `Properties must be name:type:columns triples, got ${JSON.stringify(spec)}`);
  const out: Prop[] = [];
  for (let i = 0; i < parts.length; i += 3) {
    const type = parts[i + 1]!.toUpperCase();
    if (!["S", "R", "I", "L"].includes(type)) throw new StructureFormatError(file, lineNo, `Properties: type of ${parts[i]} must be S, R, I or L, got ${JSON.stringify(parts[i + 1])}`);
    const cols = Number(parts[i + 2]);
    if (!Number.isInteger(cols) || cols < 1) throw new StructureFormatError(file, lineNo, `Properties: column count of ${parts[i]} must be a positive integer, got ${JSON.stringify(parts[i + 2])}`);
    out.push({ name: parts[i]!, type: type as Prop["type"], cols });
  }
  return out;
}

const boolOf = (s: string): boolean | undefined => (/^(T|True|true)$/.test(s) ? true : /^(F|False|false)$/.test(s) ? false : undefined);

function infoValue(v: string): unknown {
  const b = boolOf(v);
  if (b !== undefined) return b;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eEdD][-+]?\d+)?$/.test(v)) return Number(v.replace(/[dD]/, "e"));
  const parts = v.trim().split(/\s+/);
  if (parts.length > 1 && parts.every((p) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(p))) return parts.map(Number);
  if (parts.length > 1 && parts.every((p) => boolOf(p) !== undefined)) return parts.map((p) => boolOf(p));
  return v;
}

/**
 * Parse every frame of an extended XYZ file (ASE flavour): `Lattice`, `Properties`, `pbc`,
 * per-frame `energy`/`free_energy`/`stress` (3x3 or Voigt) and per-atom `forces`/`energies` (in
 * `info.results`), `move_mask` (fixed atoms), `tags` (into `info.tags`), other keys into `info`. Plain XYZ (no key=value
 * comment) works too.
 */
export function parseExtxyz(text: string, file = "<string>"): Atoms[] {
  const lines = text.split(/\r?\n/);
  const frames: Atoms[] = [];
  let ln = 0;
  while (ln < lines.length) {
    if (lines[ln]!.trim() === "") { ln++; continue; }
    const countLine = ln + 1;
    const n = parseIntStrict(lines[ln]!.trim(), file, countLine, "the number of atoms of a frame");
    ln++;
    if (ln >= lines.length) throw new StructureFormatError(file, ln + 1, "unexpected end of file: expected the comment line of the frame");
    const commentNo = ln + 1;
    const comment = lines[ln++]!;
    const kv = /\S+=\S/.test(comment) ? parseKeyValues(comment, file, commentNo) : new Map<string, string | true>();
    const props = kv.has("Properties") ? parseProperties(String(kv.get("Properties")), file, commentNo) : [{ name: "species", type: "S", cols: 1 }, { name: "pos", type: "R", cols: 3 }] as Prop[];
    const numbers: number[] = [];
    const positions: number[] = [];
    const forces: number[][] = [];
    const energies: number[] = [];
    const fixed: number[] = [];
    const extra: Record<string, unknown[]> = {};
    const tags: number[] = [];
    for (let i = 0; i < n; i++) {
      if (ln >= lines.length || lines[ln]!.trim() === "") throw new StructureFormatError(file, ln + 1, `expected atom line ${i + 1} of ${n}, got ${ln >= lines.length ? "end of file" : "an empty line"}`);
      const no = ln + 1;
      const tok = lines[ln++]!.trim().split(/\s+/);
      let c = 0;
      for (const p of props) {
        const vals = tok.slice(c, c + p.cols);
        if (vals.length < p.cols) throw new StructureFormatError(file, no, `atom ${i + 1}: expected ${p.cols} value(s) for ${p.name} (Properties), the line ends early`);
        c += p.cols;
        if (p.name === "species") {
          let z: number;
          try { z = /^\d+$/.test(vals[0]!) ? Number(vals[0]) : atomicNumber(vals[0]!); } catch { throw new StructureFormatError(file, no, `atom ${i + 1}: expected an element symbol, got ${JSON.stringify(vals[0])}`); }
          numbers.push(z);
        } else if (p.name === "Z") {
          numbers.push(parseIntStrict(vals[0], file, no, `the atomic number of atom ${i + 1}`));
        } else if (p.name === "pos") {
          vals.forEach((v, k) => positions.push(parseFloatStrict(v, file, no, `coordinate ${k + 1} of atom ${i + 1}`)));
        } else if (p.name === "forces") {
          forces.push(vals.map((v, k) => parseFloatStrict(v, file, no, `force component ${k + 1} of atom ${i + 1}`)));
        } else if (p.name === "energies") {
          energies.push(parseFloatStrict(vals[0], file, no, `the energy of atom ${i + 1}`));
        } else if (p.name === "move_mask") {
          const free = vals.map((v) => boolOf(v));
          if (free.some((x) => x === undefined)) throw new StructureFormatError(file, no, `atom ${i + 1}: move_mask must be T or F`);
          if (free.every((x) => x === false)) fixed.push(i);
        } else if (p.name === "tags" && p.cols === 1) {
          tags.push(Number(vals[0]));
        } else {
          const conv = vals.map((v) => (p.type === "R" || p.type === "I" ? Number(v) : p.type === "L" ? boolOf(v) : v));
          (extra[p.name] ??= []).push(p.cols === 1 ? conv[0] : conv);
        }
      }
      if (!props.some((p) => p.name === "species" || p.name === "Z")) throw new StructureFormatError(file, commentNo, "Properties has no species column: expected species:S:1");
    }
    if (positions.length !== 3 * n) throw new StructureFormatError(file, commentNo, "Properties has no pos:R:3 column: expected the atom positions");
    const info: Record<string, unknown> = {};
    let cell: number[] | undefined;
    let pbc: [boolean, boolean, boolean] = [false, false, false];
    const results: Record<string, unknown> = {};
    for (const [k, v] of kv) {
      if (k === "Properties") continue;
      if (k === "Lattice") {
        const t = String(v).trim().split(/\s+/);
        if (t.length !== 9) throw new StructureFormatError(file, commentNo, `Lattice must hold 9 numbers (three cell rows), got ${t.length}`);
        cell = t.map((x, j) => parseFloatStrict(x, file, commentNo, `Lattice value ${j + 1}`));
        pbc = [true, true, true];
      } else if (k === "pbc") {
        const t = String(v).trim().split(/\s+/).map(boolOf);
        if (t.length !== 3 || t.some((x) => x === undefined)) throw new StructureFormatError(file, commentNo, `pbc must be three T/F values like "T T F", got ${JSON.stringify(v)}`);
        pbc = t as [boolean, boolean, boolean];
      } else if (k === "energy" || k === "free_energy") {
        results[k] = parseFloatStrict(String(v), file, commentNo, k);
      } else if (k === "stress") {
        const t = String(v).trim().split(/\s+/).map((x, j) => parseFloatStrict(x, file, commentNo, `stress value ${j + 1}`));
        if (t.length === 9) results.stress = [t[0]!, t[4]!, t[8]!, t[5]!, t[2]!, t[1]!];
        else if (t.length === 6) results.stress = t;
        else throw new StructureFormatError(file, commentNo, `stress must hold 9 (3x3) or 6 (Voigt) numbers, got ${t.length}`);
      } else {
        info[k] = v === true ? true : infoValue(v);
      }
    }
    if (forces.length) results.forces = forces;
    if (energies.length) results.energies = energies;
    if (Object.keys(results).length) info.results = results;
    if (Object.keys(extra).length) info.arrays = extra;
    if (tags.length === n) info.tags = tags;
    frames.push(new Atoms({ numbers, positions, cell, pbc, fixed, info }));
  }
  if (frames.length === 0) throw new StructureFormatError(file, 1, "no frames: expected a line with the number of atoms");
  return frames;
}

const num = (x: number): string => (Object.is(x, -0) ? "0.0" : Number.isInteger(x) ? x.toFixed(1) : String(x));

function infoToken(k: string, v: unknown): string | undefined {
  if (!/^[A-Za-z_][\w.-]*$/.test(k)) return undefined;
  if (typeof v === "boolean") return `${k}=${v ? "T" : "F"}`;
  if (typeof v === "number" && Number.isFinite(v)) return `${k}=${num(v)}`;
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? `${k}=${v}` : `${k}="${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number" && Number.isFinite(x))) return `${k}="${v.map(num).join(" ")}"`;
  return undefined;
}

/**
 * Write one or more frames as extended XYZ (ASE flavour). Results come from `results` (one per
 * frame) or each frame's `info.results`; the stress is written as a full 3x3 row-major tensor.
 * Fixed atoms are written as `move_mask:L:1` (F = fixed), which ASE reads back as FixAtoms;
 * `info.tags` (one integer per atom, as the surface builders set) becomes a `tags:I:1` column. Scalar
 * and numeric-array `info` entries are written as key=value pairs; other info is skipped.
 */
export function formatExtxyz(frames: Atoms | Atoms[], options: { results?: (StructureResults | undefined)[] } = {}): string {
  const list = Array.isArray(frames) ? frames : [frames];
  const out: string[] = [];
  list.forEach((atoms, f) => {
    const res = (options.results?.[f] ?? (atoms.info.results as StructureResults | undefined)) ?? {};
    const n = atoms.length;
    const props = ["species:S:1", "pos:R:3"];
    const hasMask = atoms.fixed.length > 0;
    if (hasMask) props.push("move_mask:L:1");
    const tags = Array.isArray(atoms.info.tags) && atoms.info.tags.length === n && atoms.info.tags.every(Number.isInteger) ? (atoms.info.tags as number[]) : undefined;
    if (tags) props.push("tags:I:1");
    const forces = res.forces && res.forces.length === n ? res.forces : undefined;
    const energies = res.energies && res.energies.length === n ? res.energies : undefined;
    if (forces) props.push("forces:R:3");
    if (energies) props.push("energies:R:1");
    const head: string[] = [];
    if (atoms.pbc.some(Boolean) || atoms.hasFullCell()) head.push(`Lattice="${Array.from(atoms.cell, num).join(" ")}"`);
    head.push(`Properties=${props.join(":")}`);
    for (const [k, v] of Object.entries(atoms.info)) {
      if (["results", "arrays", "Lattice", "Properties", "pbc", "energy", "free_energy", "stress"].includes(k) || (k === "tags" && tags)) continue;
      const t = infoToken(k, v);
      if (t) head.push(t);
    }
    if (res.energy !== undefined) head.push(`energy=${num(res.energy)}`);
    if (res.stress && res.stress.length === 6) {
      const [xx, yy, zz, yz, xz, xy] = res.stress as [number, number, number, number, number, number];
      head.push(`stress="${[xx, xy, xz, xy, yy, yz, xz, yz, zz].map(num).join(" ")}"`);
    }
    if (res.free_energy !== undefined) head.push(`free_energy=${num(res.free_energy)}`);
    head.push(`pbc="${atoms.pbc.map((b) => (b ? "T" : "F")).join(" ")}"`);
    out.push(String(n), head.join(" "));
    const fixed = new Set(atoms.fixed);
    for (let i = 0; i < n; i++) {
      const cols = [chemicalSymbols[atoms.numbers[i]!]!.padEnd(2), num(atoms.positions[3 * i]!), num(atoms.positions[3 * i + 1]!), num(atoms.positions[3 * i + 2]!)];
      if (hasMask) cols.push(fixed.has(i) ? "F" : "T");
      if (tags) cols.push(String(tags[i]));
      if (forces) cols.push(...forces[i]!.map(num));
      if (energies) cols.push(num(energies[i]!));
      out.push(cols.join(" "));
    }
  });
  return `${out.join("\n")}\n`;
}
