import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Atoms } from "../atoms/atoms.js";
import { formatAseJson, parseAseJson } from "./ase-json.js";
import { formatCif, parseCif } from "./cif.js";
import { StructureFormatError } from "./errors.js";
import { formatExtxyz, parseExtxyz } from "./extxyz.js";
import { formatPoscar, parsePoscar } from "./poscar.js";

/** File formats understood by {@link readStructure} and {@link writeStructure}. */
export type StructureFormat = "vasp" | "extxyz" | "cif" | "json";

/** Accepted format names (aliases map onto {@link StructureFormat}). */
const ALIASES: Record<string, StructureFormat> = {
  vasp: "vasp", poscar: "vasp", contcar: "vasp", extxyz: "extxyz", xyz: "extxyz", cif: "cif", json: "json",
};

/** Normalise a user-given format name; throws a clear error for unknown ones. */
export function normaliseFormat(format: string): StructureFormat {
  const f = ALIASES[format.toLowerCase()];
  if (!f) throw new StructureFormatError(format, undefined, `unknown structure format "${format}": use one of vasp (POSCAR/CONTCAR), extxyz, cif, json`, { code: "INPUT_INVALID" });
  return f;
}

/**
 * Guess the format from the file name (POSCAR*, CONTCAR*, *.vasp, *.poscar, *.xyz, *.extxyz,
 * *.cif, *.json), then from the content when given. Returns undefined when unsure.
 */
export function detectFormat(path: string, content?: string): StructureFormat | undefined {
  const name = basename(path).toLowerCase();
  if (/^(poscar|contcar)/.test(name) || /\.(vasp|poscar|contcar)$/.test(name)) return "vasp";
  if (/\.(ext)?xyz$/.test(name)) return "extxyz";
  if (/\.cif$/.test(name)) return "cif";
  if (/\.json$/.test(name)) return "json";
  if (content === undefined) return undefined;
  const t = content.trimStart();
  if (t.startsWith("{")) return "json";
  if (/^data_/im.test(content) && /_cell_length_a/i.test(content)) return "cif";
  const lines = content.split(/\r?\n/);
  if (/^\s*\d+\s*$/.test(lines[0] ?? "")) return "extxyz";
  if (lines.length > 7 && /^\s*[-+]?\d*\.?\d+([eE][-+]?\d+)?\s*$/.test(lines[1] ?? "")) return "vasp";
  return undefined;
}

/** Parse every structure in `text` (several frames for extxyz and ASE database JSON). */
export function parseStructures(text: string, format: StructureFormat | string, file = "<string>"): Atoms[] {
  switch (normaliseFormat(format)) {
    case "vasp": return [parsePoscar(text, file)];
    case "extxyz": return parseExtxyz(text, file);
    case "cif": return [parseCif(text, file)];
    case "json": return parseAseJson(text, file);
  }
}

/** Serialise frames in a format (POSCAR and CIF hold one structure). */
export function formatStructures(frames: Atoms[], format: StructureFormat | string, file = "<string>"): string {
  const f = normaliseFormat(format);
  if ((f === "vasp" || f === "cif") && frames.length !== 1) {
    throw new StructureFormatError(file, undefined, `${f === "vasp" ? "POSCAR" : "CIF"} holds one structure, got ${frames.length}: write extxyz or json for several frames`, { code: "INPUT_INVALID" });
  }
  switch (f) {
    case "vasp": return formatPoscar(frames[0]!, {}, file);
    case "cif": return formatCif(frames[0]!, file);
    case "extxyz": return formatExtxyz(frames);
    case "json": return formatAseJson(frames);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new StructureFormatError(path, undefined, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): check the path`, { code: "INPUT_INVALID", cause: e });
  }
}

function formatFor(path: string, text: string | undefined, format?: string): StructureFormat {
  if (format) return normaliseFormat(format);
  const f = detectFormat(path, text);
  if (!f) throw new StructureFormatError(path, undefined, "cannot tell the file format from its name or content: pass format (vasp, extxyz, cif or json)", { code: "INPUT_INVALID" });
  return f;
}

/** Read every frame of a structure file. */
export function readFrames(path: string, format?: string): Atoms[] {
  const text = readText(path);
  return parseStructures(text, formatFor(path, text, format), path);
}

/**
 * Read one structure (the last frame of a multi-frame file, like ASE's `read`). The format comes
 * from `format`, else the file name, else the content. Malformed files throw a
 * `StructureFormatError` naming the file, line and what was expected.
 *
 * @example
 * ```ts
 * const cu = readStructure("Cu.cif");
 * writeStructure("POSCAR", cu);
 * ```
 */
export function readStructure(path: string, format?: string, options: { index?: number } = {}): Atoms {
  const frames = readFrames(path, format);
  const i = options.index ?? -1;
  const atoms = frames.at(i);
  if (!atoms) throw new StructureFormatError(path, undefined, `frame ${i} does not exist (the file has ${frames.length} frame(s))`, { code: "INPUT_INVALID" });
  return atoms;
}

/** Write one structure or several frames; the format comes from `format` or the file name. Files are created with mode 0600. */
export function writeStructure(path: string, atoms: Atoms | Atoms[], format?: string): void {
  const f = formatFor(path, undefined, format);
  const text = formatStructures(Array.isArray(atoms) ? atoms : [atoms], f, path);
  writeFileSync(path, text, { encoding: "utf8", mode: 0o600 });
}
