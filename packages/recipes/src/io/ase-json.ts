import { randomBytes } from "node:crypto";
import { Atoms } from "../atoms/atoms.js";
import { StructureFormatError } from "./errors.js";
import type { StructureResults } from "./extxyz.js";

/** An ASE-encoded numpy array (`ase.io.jsonio`). */
export interface AseNdarray {
  __ndarray__: [number[], string, unknown[]];
}

/** Encode a flat array as an ASE `__ndarray__` object. */
export function ndarray(shape: number[], dtype: "int64" | "float64" | "bool", data: ArrayLike<number | boolean>): AseNdarray {
  return { __ndarray__: [shape, dtype, Array.from(data as ArrayLike<number | boolean>)] };
}

function decodeArray(v: unknown, file: string, what: string): { shape: number[]; data: unknown[] } {
  if (Array.isArray(v)) return { shape: [v.length], data: v.flat(2) };
  const nd = (v as { __ndarray__?: unknown } | null)?.__ndarray__;
  if (!Array.isArray(nd) || nd.length !== 3 || !Array.isArray(nd[0]) || !Array.isArray(nd[2])) {
    throw new StructureFormatError(file, undefined, `${what}: expected an ASE array {"__ndarray__": [shape, dtype, data]} or a list`);
  }
  return { shape: nd[0] as number[], data: nd[2] as unknown[] };
}

/**
 * Atoms as ASE's JSON object encoding (`ase.io.jsonio.encode(atoms)`, what MSONAtoms and quacc's id
 * hash use): numbers, positions, cell, pbc as `__ndarray__`, FixAtoms constraints, info (JSON values
 * only), `"__ase_objtype__": "atoms"`.
 */
export function encodeAseAtoms(atoms: Atoms): Record<string, unknown> {
  const n = atoms.length;
  const out: Record<string, unknown> = {
    numbers: ndarray([n], "int64", atoms.numbers),
    positions: ndarray([n, 3], "float64", atoms.positions),
    cell: ndarray([3, 3], "float64", atoms.cell),
    pbc: ndarray([3], "bool", atoms.pbc),
  };
  if (atoms.fixed.length) out.constraints = [{ name: "FixAtoms", kwargs: { indices: [...atoms.fixed] } }];
  const info = { ...atoms.info };
  delete info.results;
  if (Object.keys(info).length) out.info = info;
  out.__ase_objtype__ = "atoms";
  return out;
}

function atomsFromRow(row: Record<string, unknown>, file: string): Atoms {
  if (row.numbers === undefined || row.positions === undefined) throw new StructureFormatError(file, undefined, 'expected an atoms object with "numbers" and "positions"');
  const numbers = decodeArray(row.numbers, file, "numbers").data.map(Number);
  const positions = decodeArray(row.positions, file, "positions").data.map(Number);
  if (positions.length !== 3 * numbers.length) throw new StructureFormatError(file, undefined, `positions hold ${positions.length} numbers, expected ${3 * numbers.length} (3 per atom)`);
  let cellV = row.cell;
  if (cellV && typeof cellV === "object" && "array" in (cellV as object)) cellV = (cellV as { array: unknown }).array;
  const cell = cellV === undefined ? undefined : decodeArray(cellV, file, "cell").data.map(Number);
  const pbcRaw = row.pbc === undefined ? [false, false, false] : decodeArray(row.pbc, file, "pbc").data.map(Boolean);
  const fixed: number[] = [];
  for (const c of (row.constraints as { name?: string; kwargs?: { indices?: unknown } }[] | undefined) ?? []) {
    if (c.name !== "FixAtoms") continue;
    const idx = c.kwargs?.indices;
    const list = idx === undefined ? [] : decodeArray(idx, file, "FixAtoms indices").data;
    // ASE may store a boolean mask
    if (list.length === numbers.length && list.every((x) => typeof x === "boolean")) list.forEach((x, i) => x && fixed.push(i));
    else fixed.push(...list.map(Number));
  }
  const info: Record<string, unknown> = { ...((row.info as Record<string, unknown> | undefined) ?? {}) };
  const results: StructureResults = {};
  if (typeof row.energy === "number") results.energy = row.energy;
  if (typeof row.free_energy === "number") results.free_energy = row.free_energy;
  if (row.forces !== undefined) {
    const f = decodeArray(row.forces, file, "forces").data.map(Number);
    results.forces = Array.from({ length: numbers.length }, (_, i) => f.slice(3 * i, 3 * i + 3));
  }
  if (row.energies !== undefined) results.energies = decodeArray(row.energies, file, "energies").data.map(Number);
  if (row.stress !== undefined) results.stress = decodeArray(row.stress, file, "stress").data.map(Number);
  if (Object.keys(results).length) info.results = results;
  if (row.key_value_pairs && typeof row.key_value_pairs === "object") Object.assign(info, row.key_value_pairs);
  if (row.tags !== undefined) info.tags = decodeArray(row.tags, file, "tags").data.map(Number);
  return new Atoms({ numbers, positions, cell, pbc: [pbcRaw[0] ?? false, pbcRaw[1] ?? false, pbcRaw[2] ?? false], fixed, info });
}

/**
 * Parse ASE JSON: either an ase-db JSON file (`ase.io.write(..., format="json")`: {"1": row, "ids":
 * [...], "nextid": n}; all rows are returned in id order) or a single `jsonio`-encoded atoms object.
 */
export function parseAseJson(text: string, file = "<string>"): Atoms[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const line = m ? text.slice(0, Number(m[1])).split("\n").length : undefined;
    throw new StructureFormatError(file, line, `invalid JSON (${(e as Error).message}): expected an ASE JSON file`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new StructureFormatError(file, 1, "expected a JSON object (an ASE database file or an encoded atoms object)");
  const o = doc as Record<string, unknown>;
  if ("numbers" in o) return [atomsFromRow(o, file)];
  const ids = Array.isArray(o.ids) ? (o.ids as unknown[]).map(String) : Object.keys(o).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
  if (ids.length === 0) throw new StructureFormatError(file, 1, 'no structures: expected an ASE database JSON ({"1": {...}, "ids": [1], "nextid": 2}) or an atoms object with "numbers"');
  return ids.map((id) => {
    const row = o[id];
    if (!row || typeof row !== "object") throw new StructureFormatError(file, undefined, `row ${id} is missing`);
    return atomsFromRow(row as Record<string, unknown>, `${file}#${id}`);
  });
}

/**
 * Write ASE's database JSON (what `ase.io.write(path, atoms)` writes for .json and `ase.io.read`
 * reads back): one row per frame with cell, numbers, positions, pbc, FixAtoms constraints and any
 * results in `info.results` (energy, forces, stress, energies, free_energy).
 */
export function formatAseJson(frames: Atoms | Atoms[]): string {
  const list = Array.isArray(frames) ? frames : [frames];
  const now = (Date.now() / 1000 - 946_684_800) / (365.25 * 86_400); // ASE's ctime: years since 2000
  const rows: string[] = [];
  list.forEach((atoms, k) => {
    const n = atoms.length;
    const row: Record<string, unknown> = {
      cell: { array: ndarray([3, 3], "float64", atoms.cell), __ase_objtype__: "cell" },
      ctime: now,
      mtime: now,
      numbers: ndarray([n], "int64", atoms.numbers),
      pbc: ndarray([3], "bool", atoms.pbc),
      positions: ndarray([n, 3], "float64", atoms.positions),
      unique_id: randomBytes(16).toString("hex"),
      user: null,
    };
    if (atoms.fixed.length) row.constraints = [{ name: "FixAtoms", kwargs: { indices: [...atoms.fixed] } }];
    const tags = atoms.info.tags;
    if (Array.isArray(tags) && tags.length === n && tags.every(Number.isInteger)) row.tags = ndarray([n], "int64", tags as number[]);
    const res = atoms.info.results as StructureResults | undefined;
    if (res) {
      if (res.energy !== undefined) row.energy = res.energy;
      if (res.free_energy !== undefined) row.free_energy = res.free_energy;
      if (res.forces) row.forces = ndarray([n, 3], "float64", res.forces.flat());
      if (res.energies) row.energies = ndarray([n], "float64", res.energies);
      if (res.stress) row.stress = ndarray([6], "float64", res.stress);
      row.calculator = "unknown";
      row.calculator_parameters = {};
    }
    const sorted = Object.fromEntries(Object.entries(row).sort(([a], [b]) => a.localeCompare(b)));
    rows.push(`"${k + 1}": ${JSON.stringify(sorted)}`);
  });
  return `{${rows.join(",\n")},\n"ids": [${list.map((_, k) => k + 1).join(", ")}],\n"nextid": ${list.length + 1}}\n`;
}
