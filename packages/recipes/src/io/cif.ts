import { Atoms } from "../atoms/atoms.js";
import { atomicNumber, chemicalSymbols } from "../atoms/elements.js";
import { inv3 } from "../atoms/linalg3.js";
import { StructureFormatError } from "./errors.js";

interface Token {
  text: string;
  line: number;
  quoted: boolean;
}

interface CifBlock {
  name: string;
  line: number;
  tags: Map<string, Token>;
  loops: { tags: string[]; rows: Token[][]; line: number }[];
}

function tokenize(text: string, file: string): Token[] {
  const lines = text.split(/\r?\n/);
  const out: Token[] = [];
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.startsWith(";")) {
      const start = l + 1;
      const parts = [line.slice(1)];
      l++;
      while (l < lines.length && !lines[l]!.startsWith(";")) parts.push(lines[l++]!);
      if (l >= lines.length) throw new StructureFormatError(file, start, "unterminated text field: expected a line starting with ';'");
      out.push({ text: parts.join("\n").trim(), line: start, quoted: true });
      continue;
    }
    let i = 0;
    while (i < line.length) {
      const ch = line[i]!;
      if (/\s/.test(ch)) { i++; continue; }
      if (ch === "#") break;
      if (ch === "'" || ch === '"') {
        let j = i + 1;
        while (j < line.length && !(line[j] === ch && (j + 1 === line.length || /\s/.test(line[j + 1]!)))) j++;
        if (j >= line.length) throw new StructureFormatError(file, l + 1, `unterminated ${ch}-quoted string: expected a closing ${ch}`);
        out.push({ text: line.slice(i + 1, j), line: l + 1, quoted: true });
        i = j + 1;
        continue;
      }
      let j = i;
      while (j < line.length && !/\s/.test(line[j]!)) j++;
      out.push({ text: line.slice(i, j), line: l + 1, quoted: false });
      i = j;
    }
  }
  return out;
}

function parseBlocks(text: string, file: string): CifBlock[] {
  const toks = tokenize(text, file);
  const blocks: CifBlock[] = [];
  let cur: CifBlock | undefined;
  let i = 0;
  const isKeyword = (t: Token): boolean => !t.quoted && (t.text.startsWith("_") || /^(loop_|data_|save_|global_|stop_)/i.test(t.text));
  while (i < toks.length) {
    const t = toks[i]!;
    if (!t.quoted && /^data_/i.test(t.text)) {
      cur = { name: t.text.slice(5), line: t.line, tags: new Map(), loops: [] };
      blocks.push(cur);
      i++;
      continue;
    }
    if (!cur) throw new StructureFormatError(file, t.line, `expected a data_ block header before ${JSON.stringify(t.text)}`);
    if (!t.quoted && /^loop_$/i.test(t.text)) {
      const tags: string[] = [];
      i++;
      while (i < toks.length && !toks[i]!.quoted && toks[i]!.text.startsWith("_")) tags.push(toks[i++]!.text.toLowerCase());
      if (tags.length === 0) throw new StructureFormatError(file, t.line, "loop_ without tags: expected _tag names after loop_");
      const vals: Token[] = [];
      while (i < toks.length && !isKeyword(toks[i]!)) vals.push(toks[i++]!);
      if (vals.length % tags.length !== 0) {
        throw new StructureFormatError(file, vals[vals.length - 1]?.line ?? t.line, `loop starting at line ${t.line} has ${vals.length} values, not a multiple of its ${tags.length} columns (${tags.join(", ")})`);
      }
      const rows: Token[][] = [];
      for (let r = 0; r < vals.length; r += tags.length) rows.push(vals.slice(r, r + tags.length));
      cur.loops.push({ tags, rows, line: t.line });
      continue;
    }
    if (!t.quoted && t.text.startsWith("_")) {
      const v = toks[i + 1];
      if (v === undefined || isKeyword(v)) throw new StructureFormatError(file, t.line, `expected a value after ${t.text}`);
      cur.tags.set(t.text.toLowerCase(), v);
      i += 2;
      continue;
    }
    throw new StructureFormatError(file, t.line, `unexpected value ${JSON.stringify(t.text)}: expected a _tag, loop_ or data_`);
  }
  return blocks;
}

function cifNumber(t: Token | undefined, file: string, what: string, fallbackLine: number): number {
  if (t === undefined) throw new StructureFormatError(file, fallbackLine, `missing ${what}`);
  const s = t.text.replace(/\(\d+\)$/, "");
  const v = Number(s);
  if (s === "" || !Number.isFinite(v)) throw new StructureFormatError(file, t.line, `expected ${what} (a number), got ${JSON.stringify(t.text)}`);
  return v;
}

/** Cell rows from lattice parameters in ASE's convention (a along x, b in the xy plane). */
export function cellFromCellpar(a: number, b: number, c: number, alpha: number, beta: number, gamma: number): number[] {
  const cosd = (x: number): number => (Math.abs(Math.abs(x) - 90) < 1e-10 ? 0 : Math.abs(x - 180) < 1e-10 ? -1 : Math.cos((x * Math.PI) / 180));
  const sind = (x: number): number => (Math.abs(Math.abs(x) - 90) < 1e-10 ? 1 : Math.sin((x * Math.PI) / 180));
  const ca = cosd(alpha), cb = cosd(beta), cg = cosd(gamma), sg = sind(gamma);
  const cy = (ca - cb * cg) / sg;
  const cz2 = 1 - cb * cb - cy * cy;
  if (!(cz2 > 0)) throw new RangeError(`cell angles ${alpha}, ${beta}, ${gamma} do not form a valid cell`);
  return [a, 0, 0, b * cg, b * sg, 0, c * cb, c * cy, c * Math.sqrt(cz2)];
}

/** Parse one symmetry operation like "-y, x-y, z+1/2" into a 3x4 affine map on fractional coordinates. */
export function parseSymop(op: string): number[][] {
  const parts = op.replace(/\s+/g, "").toLowerCase().split(",");
  if (parts.length !== 3) throw new RangeError(`expected three comma-separated expressions like "x, y, z", got ${JSON.stringify(op)}`);
  return parts.map((expr) => {
    const row = [0, 0, 0, 0];
    const re = /([+-]?)(\d*\.?\d*(?:\/\d+)?)\*?([xyz]?)/gy;
    let pos = 0;
    while (pos < expr.length) {
      re.lastIndex = pos;
      const m = re.exec(expr);
      if (!m || m[0] === "") throw new RangeError(`cannot parse ${JSON.stringify(expr)} in symmetry operation ${JSON.stringify(op)}`);
      pos = re.lastIndex;
      const sign = m[1] === "-" ? -1 : 1;
      let coef = 1;
      if (m[2]) {
        const [p, q] = m[2].split("/");
        coef = Number(p) / (q ? Number(q) : 1);
        if (!Number.isFinite(coef)) throw new RangeError(`bad number ${JSON.stringify(m[2])} in symmetry operation ${JSON.stringify(op)}`);
      }
      if (m[3]) row["xyz".indexOf(m[3])]! += sign * coef;
      else row[3]! += sign * coef;
    }
    return row;
  });
}

/**
 * Parse a CIF file (the first data block with atom sites). P1 files and files that list their
 * symmetry operations (`_space_group_symop_operation_xyz` or `_symmetry_equiv_pos_as_xyz`) are
 * expanded to the full cell; duplicate images (within 1e-4 fractional) are merged. The cell follows
 * ASE's convention (a along x, b in the xy plane); pbc is on.
 */
export function parseCif(text: string, file = "<string>"): Atoms {
  const blocks = parseBlocks(text, file);
  if (blocks.length === 0) throw new StructureFormatError(file, 1, "no data_ block: expected a CIF file starting with data_<name>");
  const block = blocks.find((b) => b.loops.some((l) => l.tags.includes("_atom_site_fract_x") || l.tags.includes("_atom_site_cartn_x"))) ?? blocks[0]!;
  const tag = (k: string): Token | undefined => block.tags.get(k);
  const cellpar = ["_cell_length_a", "_cell_length_b", "_cell_length_c", "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"].map((k) =>
    cifNumber(tag(k), file, k, block.line),
  ) as [number, number, number, number, number, number];
  const cell = cellFromCellpar(...cellpar);
  const siteLoop = block.loops.find((l) => l.tags.includes("_atom_site_fract_x") || l.tags.includes("_atom_site_cartn_x"));
  if (!siteLoop) throw new StructureFormatError(file, block.line, `data_${block.name} has no atom-site loop: expected a loop_ with _atom_site_fract_x/_y/_z`);
  const col = (k: string): number => siteLoop.tags.indexOf(k);
  const cart = col("_atom_site_fract_x") < 0;
  const [ix, iy, iz] = (cart ? ["_atom_site_cartn_x", "_atom_site_cartn_y", "_atom_site_cartn_z"] : ["_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"]).map(col);
  if (ix! < 0 || iy! < 0 || iz! < 0) throw new StructureFormatError(file, siteLoop.line, "the atom-site loop needs all three coordinates (_atom_site_fract_x, _y, _z)");
  const iSym = col("_atom_site_type_symbol"), iLabel = col("_atom_site_label"), iOcc = col("_atom_site_occupancy");
  if (iSym < 0 && iLabel < 0) throw new StructureFormatError(file, siteLoop.line, "the atom-site loop needs _atom_site_type_symbol or _atom_site_label");
  const inv = inv3(cell);
  const sites: { z: number; s: number[] }[] = [];
  for (const row of siteLoop.rows) {
    const symTok = row[iSym >= 0 ? iSym : iLabel]!;
    const m = /^([A-Z][a-z]?)/.exec(symTok.text.replace(/^([a-z])/, (c) => c.toUpperCase()));
    let z: number;
    try {
      if (!m) throw new Error();
      z = chemicalSymbols.includes(m[1]!) ? atomicNumber(m[1]!) : atomicNumber(m[1]![0]!);
    } catch {
      throw new StructureFormatError(file, symTok.line, `expected an element symbol in the atom type/label, got ${JSON.stringify(symTok.text)}`);
    }
    if (iOcc >= 0 && row[iOcc]!.text !== "?" && row[iOcc]!.text !== ".") {
      const occ = cifNumber(row[iOcc], file, "_atom_site_occupancy", siteLoop.line);
      if (occ < 0.999) throw new StructureFormatError(file, row[iOcc]!.line, `site ${symTok.text} has occupancy ${occ}: partially occupied sites are not supported (order the structure first)`);
    }
    const v = [ix!, iy!, iz!].map((k, j) => cifNumber(row[k], file, `coordinate ${"xyz"[j]} of site ${symTok.text}`, siteLoop.line));
    const s = cart ? [0, 1, 2].map((k) => v[0]! * inv[k]! + v[1]! * inv[3 + k]! + v[2]! * inv[6 + k]!) : v;
    sites.push({ z, s });
  }
  // symmetry operations
  const opKeys = ["_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"];
  const opLoop = block.loops.find((l) => opKeys.some((k) => l.tags.includes(k)));
  let ops: number[][][];
  if (opLoop) {
    const k = opLoop.tags.findIndex((t) => opKeys.includes(t));
    ops = opLoop.rows.map((r) => {
      try {
        return parseSymop(r[k]!.text);
      } catch (e) {
        throw new StructureFormatError(file, r[k]!.line, (e as Error).message);
      }
    });
  } else {
    const single = opKeys.map((k2) => tag(k2)).find(Boolean);
    const sg = (tag("_space_group_name_h-m_alt") ?? tag("_symmetry_space_group_name_h-m"))?.text.replace(/\s+/g, "");
    const num = tag("_space_group_it_number") ?? tag("_symmetry_int_tables_number");
    if (single) ops = [parseSymop(single.text)];
    else if ((sg === undefined || sg === "P1") && (num === undefined || num.text === "1" || num.text === "?")) ops = [parseSymop("x,y,z")];
    else {
      throw new StructureFormatError(file, (num ?? tag("_space_group_name_h-m_alt") ?? tag("_symmetry_space_group_name_h-m"))!.line, `space group ${sg ?? num!.text} is given without its symmetry operations: add a loop_ of _space_group_symop_operation_xyz (or write the file in P1)`);
    }
  }
  const numbers: number[] = [];
  const frac: number[][] = [];
  for (const site of sites) {
    for (const op of ops) {
      const img = op.map((r) => r[0]! * site.s[0]! + r[1]! * site.s[1]! + r[2]! * site.s[2]! + r[3]!);
      const w = img.map((x) => { const y = x - Math.floor(x); return y > 1 - 1e-8 ? 0 : y; });
      const dup = frac.some((f, m) => numbers[m] === site.z && f.every((x, k) => { const d = x - w[k]!; return Math.abs(d - Math.round(d)) < 1e-4; }));
      if (dup) continue;
      // P1 files keep the coordinates as written (no wrapping), like ASE
      frac.push(ops.length === 1 ? img : w);
      numbers.push(site.z);
    }
  }
  const atoms = new Atoms({ numbers, positions: new Float64Array(3 * numbers.length), cell, pbc: true });
  atoms.setScaledPositions(frac.flat());
  return atoms;
}

const fmt = (x: number): string => (Object.is(x, -0) ? "0" : String(Number(x.toPrecision(15))));

/** Write a P1 CIF (cell parameters, one symmetry operation, fractional coordinates at full precision). */
export function formatCif(atoms: Atoms, file = "<string>"): string {
  if (!atoms.hasFullCell()) throw new StructureFormatError(file, undefined, "CIF needs a 3-D cell; set atoms.cell (or write extxyz for molecules)", { code: "INPUT_INVALID" });
  const [a, b, c, al, be, ga] = atoms.cellParameters();
  const formula = atoms.formula("hill");
  const counts = new Map<string, number>();
  const lines = [
    "data_image0",
    `_chemical_formula_structural       ${formula}`,
    `_chemical_formula_sum              "${formula}"`,
    `_cell_length_a       ${fmt(a)}`,
    `_cell_length_b       ${fmt(b)}`,
    `_cell_length_c       ${fmt(c)}`,
    `_cell_angle_alpha    ${fmt(al)}`,
    `_cell_angle_beta     ${fmt(be)}`,
    `_cell_angle_gamma    ${fmt(ga)}`,
    "",
    '_space_group_name_H-M_alt    "P 1"',
    "_space_group_IT_number       1",
    "",
    "loop_",
    "  _space_group_symop_operation_xyz",
    "  'x, y, z'",
    "",
    "loop_",
    "  _atom_site_type_symbol",
    "  _atom_site_label",
    "  _atom_site_symmetry_multiplicity",
    "  _atom_site_fract_x",
    "  _atom_site_fract_y",
    "  _atom_site_fract_z",
    "  _atom_site_occupancy",
  ];
  // fractional coordinates in the cell as ASE would rebuild it from the parameters
  const inv = inv3(atoms.cell);
  for (let i = 0; i < atoms.length; i++) {
    const sym = chemicalSymbols[atoms.numbers[i]!]!;
    const k = (counts.get(sym) ?? 0) + 1;
    counts.set(sym, k);
    const r = [atoms.positions[3 * i]!, atoms.positions[3 * i + 1]!, atoms.positions[3 * i + 2]!];
    const s = [0, 1, 2].map((q) => r[0]! * inv[q]! + r[1]! * inv[3 + q]! + r[2]! * inv[6 + q]!);
    lines.push(`  ${sym}  ${sym}${k}  1.0  ${s.map(fmt).join("  ")}  1.0000`);
  }
  return `${lines.join("\n")}\n`;
}
