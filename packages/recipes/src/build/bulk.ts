import { z } from "zod";
import { Atoms } from "../atoms/atoms.js";
import { parseSymbols } from "../atoms/atoms.js";
import { atomicNumber } from "../atoms/elements.js";
import { referenceStates } from "./reference-states.js";
import { parseOptions } from "./options.js";

/** Crystal structures {@link bulk} can build. */
export type CrystalStructure = "fcc" | "bcc" | "hcp" | "diamond" | "sc" | "rocksalt" | "zincblende" | "cesiumchloride";

/** Options of {@link bulk} (ASE `ase.build.bulk` conventions). */
export const BulkOptionsSchema = z
  .object({
    /** Structure; default: the element's reference state. */
    crystalstructure: z.enum(["fcc", "bcc", "hcp", "diamond", "sc", "rocksalt", "zincblende", "cesiumchloride"]).optional(),
    /** Lattice constant a (Angstrom); default: the reference value. */
    a: z.number().positive().optional(),
    /** Lattice constant c (hcp only); default: a * covera. */
    c: z.number().positive().optional(),
    /** c/a ratio (hcp only); default: the reference value, else sqrt(8/3). */
    covera: z.number().positive().optional(),
    /** Conventional cubic cell (fcc: 4 atoms, bcc: 2, diamond/rocksalt/zincblende: 8). */
    cubic: z.boolean().default(false),
    /** Orthorhombic cell (fcc: 2 atoms, hcp: 4, ...). */
    orthorhombic: z.boolean().default(false),
  })
  .strict();

/** Options of {@link bulk} as callers write them. */
export type BulkOptions = z.input<typeof BulkOptionsSchema>;

type V3 = [number, number, number];

function frac(cell: number[][], s: V3): V3 {
  return [0, 1, 2].map((k) => s[0] * cell[0]![k]! + s[1] * cell[1]![k]! + s[2] * cell[2]![k]!) as V3;
}

function wrap01(s: V3): V3 {
  return s.map((x) => x - Math.floor(x + 1e-12)) as V3;
}

/**
 * Build a bulk crystal the way ASE's `bulk()` does: same cells, atom order and positions.
 *
 * `name` is an element ("Cu") or, for two-species structures, a formula ("NaCl", "ZnS"). Without
 * `crystalstructure`/`a` the element's reference state is used (Cu: fcc, a = 3.61). The primitive
 * cell is the default; `cubic` and `orthorhombic` select the conventional cells. pbc is always on.
 *
 * @example
 * ```ts
 * const cu = bulk("Cu");                      // 1 atom, fcc primitive, a = 3.61
 * const cu4 = bulk("Cu", { cubic: true });    // 4 atoms, 3.61^3 cell
 * const nacl = bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64 });
 * ```
 */
export function bulk(name: string, options: BulkOptions = {}): Atoms {
  const o = parseOptions("bulk", BulkOptionsSchema, options);
  let symbols: string[];
  try {
    symbols = parseSymbols(name);
  } catch (e) {
    throw new RangeError(`[bulk] cannot parse "${name}": give an element like "Cu" or a formula like "NaCl"`, { cause: e });
  }
  const ref = symbols.length === 1 ? referenceStates[symbols[0]!] : undefined;
  const structure: CrystalStructure | undefined = o.crystalstructure ?? ref?.structure;
  if (structure === undefined) {
    throw new RangeError(
      `[bulk] no reference crystal structure for "${name}" that this builder supports: pass crystalstructure (fcc, bcc, hcp, diamond, sc, rocksalt, zincblende, cesiumchloride) and a`,
    );
  }
  const useRef = ref !== undefined && ref.structure === structure;
  const a = o.a ?? (useRef ? ref.a : undefined);
  if (a === undefined) throw new RangeError(`[bulk] no reference lattice constant for "${name}" as ${structure}: pass a (Angstrom)`);
  if (o.cubic && o.orthorhombic && structure !== "sc" && structure !== "bcc" && structure !== "cesiumchloride") {
    // ASE accepts both for cubic lattices; the cubic cell is orthorhombic too
  }
  const want = (n: number): void => {
    if (symbols.length !== n) throw new RangeError(`[bulk] ${structure} needs ${n === 1 ? "one element" : `${n} symbols like "NaCl"`}, got "${name}"`);
  };
  const two = ["rocksalt", "zincblende", "cesiumchloride"].includes(structure);
  if (two) want(2);
  else if (structure === "diamond") {
    if (symbols.length !== 1) want(1);
    symbols = [symbols[0]!, symbols[0]!];
  } else if (structure === "hcp") {
    if (symbols.length !== 1) want(1);
    symbols = [symbols[0]!, symbols[0]!];
  } else want(1);
  if (o.cubic && structure === "hcp") throw new RangeError("[bulk] an hcp crystal has no cubic cell: use orthorhombic: true or the default cell");
  for (const s of symbols) atomicNumber(s);

  const positions: V3[] = [];
  const species: string[] = [];
  let cell: number[][];
  const h = a / 2;
  const addBasis = (lattice: V3[], basis: V3[], c: number[][]): void => {
    // frac lattice points times frac basis offsets, wrapped like ASE's cubic/orthorhombic cells
    for (const p of lattice) {
      basis.forEach((b, i) => {
        positions.push(frac(c, wrap01([p[0] + b[0], p[1] + b[1], p[2] + b[2]])));
        species.push(symbols[i]!);
      });
    }
  };
  switch (structure) {
    case "sc":
      cell = [[a, 0, 0], [0, a, 0], [0, 0, a]];
      positions.push([0, 0, 0]);
      species.push(symbols[0]!);
      break;
    case "bcc":
    case "cesiumchloride":
      if (o.cubic || o.orthorhombic || structure === "cesiumchloride") {
        cell = [[a, 0, 0], [0, a, 0], [0, 0, a]];
        positions.push([0, 0, 0], [h, h, h]);
        species.push(symbols[0]!, symbols[symbols.length - 1]!);
      } else {
        cell = [[-h, h, h], [h, -h, h], [h, h, -h]];
        positions.push([0, 0, 0]);
        species.push(symbols[0]!);
      }
      break;
    case "fcc":
    case "diamond":
    case "rocksalt":
    case "zincblende": {
      // basis offsets (fractional in the cubic cell) of the second species
      const off2: V3 | undefined = structure === "rocksalt" ? [0.5, 0, 0] : structure === "fcc" ? undefined : [0.25, 0.25, 0.25];
      if (o.cubic) {
        cell = [[a, 0, 0], [0, a, 0], [0, 0, a]];
        const lattice: V3[] = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
        addBasis(lattice, off2 ? [[0, 0, 0], off2] : [[0, 0, 0]], cell);
      } else if (o.orthorhombic) {
        const b = a / Math.SQRT2;
        cell = [[b, 0, 0], [0, b, 0], [0, 0, a]];
        const off: V3 | undefined = structure === "rocksalt" ? [0.5, 0.5, 0] : structure === "fcc" ? undefined : [0.5, 0, 0.25];
        addBasis([[0, 0, 0], [0.5, 0.5, 0.5]], off ? [[0, 0, 0], off] : [[0, 0, 0]], cell);
      } else {
        cell = [[0, h, h], [h, 0, h], [h, h, 0]];
        positions.push([0, 0, 0]);
        species.push(symbols[0]!);
        if (off2) {
          positions.push([off2[0] * a, off2[1] * a, off2[2] * a]);
          species.push(symbols[1]!);
        }
      }
      break;
    }
    case "hcp": {
      const covera = o.covera ?? (useRef && ref.covera !== undefined ? ref.covera : Math.sqrt(8 / 3));
      const c = o.c ?? a * covera;
      if (o.orthorhombic) {
        cell = [[a, 0, 0], [0, a * Math.sqrt(3), 0], [0, 0, c]];
        for (const s of [[0, 0, 0], [0.5, 0.5, 0], [0.5, 1 / 6, 0.5], [0, 2 / 3, 0.5]] as V3[]) {
          positions.push(frac(cell, s));
          species.push(symbols[0]!);
        }
      } else {
        cell = [[a, 0, 0], [-a / 2, (a * Math.sqrt(3)) / 2, 0], [0, 0, c]];
        positions.push([0, 0, 0], frac(cell, [1 / 3, 2 / 3, 0.5]));
        species.push(symbols[0]!, symbols[0]!);
      }
      break;
    }
  }
  return new Atoms({ numbers: species.map(atomicNumber), positions, cell: cell!, pbc: true });
}
