/**
 * Crystal system of a periodic structure (from its point group, spglib-like tolerance) and, for
 * trigonal crystals, the hexagonal-setting lattice (a_h, c_h, R or P centring) that pymatgen's
 * `get_symmetrically_distinct_miller_indices` needs (SPEC 4.2, the trigonal rule).
 */
import { cross3, det3, dot3, norm3 } from "../atoms/linalg3.js";
import { reduceBasis, type Mat3 } from "./lattice.js";
import { cartesianRotation, findSymmetryOperations, type PeriodicStructure } from "./symmetry.js";

/** The seven crystal systems (spglib / pymatgen names). */
export type CrystalSystem = "triclinic" | "monoclinic" | "orthorhombic" | "tetragonal" | "trigonal" | "hexagonal" | "cubic";

/** A trigonal crystal's lattice in the hexagonal setting. */
export interface TrigonalLattice {
  /** "R": rhombohedrally centred (space groups R...), "P": primitive hexagonal lattice. */
  centring: "R" | "P";
  /** hexagonal a (Angstrom): the shortest lattice vector perpendicular to the three-fold axis */
  a: number;
  /** hexagonal c (Angstrom): the shortest lattice vector along the three-fold axis */
  c: number;
}

const trace = (w: ArrayLike<number>): number => w[0]! + w[4]! + w[8]!;

/**
 * Crystal system from point-group rotations (integer matrices in any basis): the trace of the proper
 * part det(W)·W tells its order (3: 1, -1: 2, 0: 3, 1: 4, 2: 6). Eight proper three-folds: cubic;
 * a six-fold (or -6): hexagonal; a three-fold: trigonal; a four-fold (or -4): tetragonal; three
 * two-folds (or mirrors): orthorhombic; one: monoclinic; none: triclinic.
 */
export function crystalSystemOfRotations(rotations: readonly ArrayLike<number>[]): CrystalSystem {
  let threeProper = 0, three = 0, six = 0, four = 0, two = 0;
  for (const w of rotations) {
    const d = Math.round(det3(w));
    const t = d * trace(w);
    if (t === 0) { three++; if (d === 1) threeProper++; }
    else if (t === 2) six++;
    else if (t === 1) four++;
    else if (t === -1) two++;
  }
  if (threeProper >= 8) return "cubic";
  if (six > 0) return "hexagonal";
  if (three > 0) return "trigonal";
  if (four > 0) return "tetragonal";
  if (two >= 3) return "orthorhombic";
  if (two >= 1) return "monoclinic";
  return "triclinic";
}

/**
 * Crystal system of a structure (pymatgen's `SpacegroupAnalyzer(structure).get_crystal_system()`,
 * symprec 0.01 Angstrom by default): the crystal's point group, not the lattice's holohedry, so a
 * hexagonal-metric cell holding a rhombohedral crystal is "trigonal".
 */
export function crystalSystem(s: PeriodicStructure, options: { symprec?: number } = {}): CrystalSystem {
  const rots: Mat3[] = [];
  for (const op of findSymmetryOperations(s, { symprec: options.symprec ?? 0.01 })) {
    if (!rots.some((w) => w.every((x, k) => x === op.rotation[k]))) rots.push(op.rotation);
  }
  return crystalSystemOfRotations(rots);
}

/**
 * The hexagonal-setting lattice of a trigonal crystal (undefined for any other crystal system):
 * c_h is the shortest lattice translation along the three-fold axis, a_h the shortest one
 * perpendicular to it, and the lattice is R-centred when the primitive cell holds a third of the
 * hexagonal cell's volume. Lattice translations include the structure's pure translations, so a
 * supercell (or the 3-times-larger hexagonal cell of a rhombohedral crystal) gives the same answer
 * as the primitive cell.
 */
export function trigonalLattice(s: PeriodicStructure, options: { symprec?: number } = {}): TrigonalLattice | undefined {
  const symprec = options.symprec ?? 0.01;
  const ops = findSymmetryOperations(s, { symprec });
  const rots: Mat3[] = [];
  for (const op of ops) if (!rots.some((w) => w.every((x, k) => x === op.rotation[k]))) rots.push(op.rotation);
  if (crystalSystemOfRotations(rots) !== "trigonal") return undefined;
  const cell = Array.from(s.cell);
  const w3 = rots.find((w) => Math.round(det3(w)) === 1 && trace(w) === 0)!;
  const r = cartesianRotation(cell, w3);
  const ax = [r[7]! - r[5]!, r[2]! - r[6]!, r[3]! - r[1]!];
  const axLen = norm3(ax);
  const u = ax.map((x) => x / axLen);
  const isId = (w: Mat3): boolean => w.every((x, k) => x === (k % 4 === 0 ? 1 : 0));
  const trans = ops.filter((o) => isId(o.rotation)).map((o) => o.translation);
  const red = reduceBasis(cell).cell;
  let c = Infinity, a = Infinity;
  const n = 3;
  for (const t of trans) {
    const t0 = [0, 1, 2].map((k) => t[0] * cell[k]! + t[1] * cell[3 + k]! + t[2] * cell[6 + k]!);
    for (let i = -n; i <= n; i++) for (let j = -n; j <= n; j++) for (let k = -n; k <= n; k++) {
      const v = [0, 1, 2].map((q) => t0[q]! + i * red[q]! + j * red[3 + q]! + k * red[6 + q]!);
      const len = norm3(v);
      if (len < 1e-6) continue;
      if (norm3(cross3(v, u)) < symprec && len < c) c = len;
      if (Math.abs(dot3(v, u)) < symprec && len < a) a = len;
    }
  }
  if (!Number.isFinite(a) || !Number.isFinite(c)) return undefined;
  const vPrim = Math.abs(det3(cell)) / trans.length;
  const vHex = (Math.sqrt(3) / 2) * a * a * c;
  return { centring: Math.round(vHex / vPrim) === 3 ? "R" : "P", a, c };
}
