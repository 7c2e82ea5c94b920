import { z } from "zod";
import { Atoms } from "../atoms/atoms.js";
import { atomicNumber, chemicalSymbols } from "../atoms/elements.js";
import { parseOptions } from "../build/options.js";
import { trigonalLattice } from "../symmetry/crystal-system.js";
import { surfaceNormal } from "../symmetry/lattice.js";
import { distinctMillerIndices, type Miller } from "./miller.js";
import type { BondRule } from "./terminations.js";
import { flipSlab, generateSlabsForMiller, isSymmetricSlab, type PStruct, type RawSlab } from "./slab-generator.js";

const symbolSet = new Set(chemicalSymbols.slice(1));
const BondSchema = z
  .tuple([z.string(), z.string(), z.number().positive()])
  .refine(([a, b]) => symbolSet.has(a) && symbolSet.has(b), { message: 'a bond is [symbol1, symbol2, maxLength] with chemical symbols such as ["Zn", "S", 2.5]' });

const MillerSchema = z.tuple([z.number().int(), z.number().int(), z.number().int()]).refine((m) => m.some((x) => x !== 0), "a Miller index cannot be (0, 0, 0)");

/**
 * Options of {@link makeSlabsFromBulk}: quacc's `make_slabs_from_bulk` defaults plus the pymatgen
 * `generate_all_slabs` knobs it forwards (SPEC 4.1).
 */
export const MakeSlabsOptionsSchema = z
  .object({
    /** Largest Miller index to enumerate. */
    maxIndex: z.number().int().min(1).max(6).default(1),
    /** Explicit Miller indices (bulk basis) instead of enumerating up to maxIndex. */
    millerIndices: z.array(MillerSchema).optional(),
    /** Minimum slab thickness, Angstrom (or planes with inUnitPlanes). */
    minSlabSize: z.number().positive().default(10),
    /** Minimum vacuum thickness, Angstrom (or planes with inUnitPlanes). */
    minVacuumSize: z.number().nonnegative().default(20),
    /** In-plane supercell so that both surface vectors are at least this long (Angstrom). */
    minLengthWidth: z.number().nonnegative().default(8),
    /** Atoms within zFix Angstrom of the top surface are free; all others are fixed. */
    zFix: z.number().nonnegative().default(2),
    /** Add a flipped copy of every slab whose two surfaces differ. */
    flipAsymmetric: z.boolean().default(true),
    /** Keep only slabs whose top surface (within zFix) holds one of these symbols. */
    allowedSurfaceSymbols: z.array(z.string()).optional(),
    /** "sorted" (newer pymatgen, current quacc) or "legacy" (pymatgen 2022 product order). */
    millerOrder: z.enum(["sorted", "legacy"]).default("sorted"),
    /** Reduce each slab to its primitive in-plane cell. */
    primitive: z.boolean().default(true),
    /** Centre the slab in the cell along c. */
    centerSlab: z.boolean().default(true),
    /** Sizes count atomic planes instead of Angstrom. */
    inUnitPlanes: z.boolean().default(false),
    /** Search integer c vectors in [-n, n]^3 for the most surface-normal one. */
    maxNormalSearch: z.number().int().min(1).max(10).optional(),
    /** Plane clustering threshold (Angstrom) for terminations. */
    ftol: z.number().positive().default(0.1),
    /** Structure matching / primitive-cell tolerance (Angstrom). */
    tol: z.number().positive().default(0.1),
    /** Tolerance (Angstrom) of the slab symmetry test used by flipAsymmetric and symmetrize. */
    symprec: z.number().positive().default(0.1),
    /**
     * Bond rules `[symbol1, symbol2, maxLength]` (pymatgen's `bonds={(s1, s2): d}`): a termination
     * cutting through such bonds breaks them; terminations breaking more than maxBrokenBonds are
     * dropped (or repaired with `repair`). Slabs are sorted by broken bonds within each Miller index.
     */
    bonds: z.array(BondSchema).optional(),
    /** Largest number of broken bonds a termination may have (pymatgen's max_broken_bonds). */
    maxBrokenBonds: z.number().int().nonnegative().default(0),
    /** Repair terminations that break too many bonds by moving whole polyhedra to the other side (needs bonds). */
    repair: z.boolean().default(false),
    /** Make asymmetric slabs symmetric by removing sites from one side (non-stoichiometric slabs). */
    symmetrize: z.boolean().default(false),
    /** LLL-reduce each slab's cell before centring, making c as perpendicular to the surface as the lattice allows. */
    lllReduce: z.boolean().default(false),
  })
  .strict()
  .refine((o) => !o.repair || (o.bonds?.length ?? 0) > 0, { message: "repair needs bonds: pass bonds, e.g. [[\"P\", \"O\", 3]]", path: ["repair"] });

/** Options of {@link makeSlabsFromBulk} as callers write them. */
export type MakeSlabsOptions = z.input<typeof MakeSlabsOptionsSchema>;

/** What each slab's `info` holds. */
export interface SlabInfo {
  millerIndex: Miller;
  shift: number;
  scaleFactor: number[][];
  supercell: [number, number, number];
  symmetric: boolean;
  flipped: boolean;
  /** bonds (from the `bonds` rules) broken by this termination; 0 without rules */
  brokenBonds: number;
  slab_stats: { bulk: ReturnType<Atoms["toJSON"]>; miller_index: Miller; shift: number; scale_factor: number[][] };
}

function toPStruct(atoms: Atoms): PStruct {
  return { cell: Array.from(atoms.cell), frac: atoms.getScaledPositions(true).flat(), numbers: Array.from(atoms.numbers) };
}

function heights(atoms: Atoms): number[] {
  const m = surfaceNormal(atoms.cell);
  const out: number[] = [];
  for (let i = 0; i < atoms.length; i++) out.push(atoms.positions[3 * i]! * m[0] + atoms.positions[3 * i + 1]! * m[1] + atoms.positions[3 * i + 2]! * m[2]);
  return out;
}

function rows(m: number[]): number[][] {
  return [m.slice(0, 3), m.slice(3, 6), m.slice(6, 9)];
}

/**
 * Cut all symmetrically distinct slabs from a bulk structure, like quacc's `make_slabs_from_bulk`
 * (SPEC 4.1-4.4): distinct Miller indices up to `maxIndex` in the basis of the cell as given,
 * every termination, slabs at least `minSlabSize` thick with `minVacuumSize` vacuum, centred,
 * reduced to the primitive in-plane cell, flipped copies of asymmetric slabs, an in-plane supercell
 * [ceil(8/|a|), ceil(8/|b|), 1], and all atoms fixed except those within `zFix` of the top surface
 * (measured along a x b). Cells are in pymatgen's standard orientation (c along z, a in the xz
 * plane), pbc (T, T, T). quacc's `slabgen_kwargs` are options here in camelCase: `bonds` +
 * `maxBrokenBonds` (+ `repair`), `symmetrize`, `lllReduce`, `tol`, `ftol`, ... Trigonal crystals
 * follow pymatgen's rule: indices deduplicated in the rhombohedral primitive setting (SPEC 4.2).
 *
 * Note: a primitive fcc cell (bulk("Cu")) gives 4 slabs for maxIndex 1, including {311}; the cubic
 * cell gives 3.
 *
 * @example
 * ```ts
 * const slabs = makeSlabsFromBulk(bulk("Cu")); // 4 slabs: 80, 96, 80, 64 atoms
 * slabs[0].info.millerIndex; // [1, 1, 1]
 * ```
 */
export function makeSlabsFromBulk(bulkAtoms: Atoms, options: MakeSlabsOptions = {}): Atoms[] {
  const o = parseOptions("slabs", MakeSlabsOptionsSchema, options);
  if (!(bulkAtoms instanceof Atoms)) throw new TypeError("[slabs] makeSlabsFromBulk needs an Atoms bulk structure");
  if (!bulkAtoms.pbc.every(Boolean) || !bulkAtoms.hasFullCell()) {
    throw new RangeError("[slabs] the bulk must be periodic in all three directions with a full 3-D cell (pbc T,T,T)");
  }
  if (bulkAtoms.length === 0) throw new RangeError("[slabs] the bulk has no atoms");
  const bulkStruct = toPStruct(bulkAtoms);
  const millers: Miller[] = o.millerIndices ?? distinctMillerIndices(bulkStruct.cell, o.maxIndex, { order: o.millerOrder, trigonal: trigonalLattice(bulkStruct) });
  const bonds = o.bonds?.map(([a, b, d]): BondRule => [atomicNumber(a), atomicNumber(b), d]);
  const gen = { ...o, maxNormalSearch: o.maxNormalSearch, bonds, bulkSites: bulkAtoms.length };
  const bulkJSON = bulkAtoms.toJSON();
  const out: Atoms[] = [];
  for (const miller of millers) {
    const raw: { slab: RawSlab; symmetric: boolean; flipped: boolean }[] = [];
    for (const slab of generateSlabsForMiller(bulkStruct, miller, gen)) {
      const symmetric = isSymmetricSlab(slab, o.symprec);
      raw.push({ slab, symmetric, flipped: false });
      if (o.flipAsymmetric && !symmetric) raw.push({ slab: flipSlab(slab), symmetric, flipped: true });
    }
    for (const { slab, symmetric, flipped } of raw) {
      const unit = new Atoms({ numbers: slab.numbers, positions: new Float64Array(3 * slab.numbers.length), cell: slab.cell, pbc: true });
      unit.setScaledPositions(slab.frac);
      const la = Math.hypot(slab.cell[0]!, slab.cell[1]!, slab.cell[2]!);
      const lb = Math.hypot(slab.cell[3]!, slab.cell[4]!, slab.cell[5]!);
      const rep: [number, number, number] = [Math.max(1, Math.ceil(o.minLengthWidth / la - 1e-12)), Math.max(1, Math.ceil(o.minLengthWidth / lb - 1e-12)), 1];
      const sc = unit.repeat(rep);
      const h = heights(sc);
      const top = Math.max(...h);
      const fixed: number[] = [];
      const surface: number[] = [];
      h.forEach((x, i) => (x >= top - o.zFix ? surface.push(i) : fixed.push(i)));
      if (o.allowedSurfaceSymbols) {
        const syms = new Set(surface.map((i) => chemicalSymbols[sc.numbers[i]!]!));
        if (!o.allowedSurfaceSymbols.some((s) => syms.has(s))) continue;
      }
      const shift = Math.round(slab.shift * 1000) / 1000;
      const info: SlabInfo = {
        millerIndex: [...miller] as Miller,
        shift,
        scaleFactor: rows(slab.scaleFactor),
        supercell: rep,
        symmetric,
        flipped,
        brokenBonds: slab.brokenBonds,
        slab_stats: { bulk: bulkJSON, miller_index: [...miller] as Miller, shift, scale_factor: rows(slab.scaleFactor) },
      };
      out.push(new Atoms({ numbers: sc.numbers, positions: sc.positions, cell: sc.cell, pbc: true, fixed, info: info as unknown as Record<string, unknown> }));
    }
  }
  return out;
}
