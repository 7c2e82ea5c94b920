/**
 * Crystal system of a periodic structure (from its point group, spglib-like tolerance) and, for
 * trigonal crystals, the hexagonal-setting lattice (a_h, c_h, R or P centring) that pymatgen's
 * `get_symmetrically_distinct_miller_indices` needs (SPEC 4.2, the trigonal rule).
 */
import { cross3, det3, dot3, inv3, norm3 } from "../atoms/linalg3.js";
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

const isIdentity = (w: ArrayLike<number>): boolean => [0, 1, 2, 3, 4, 5, 6, 7, 8].every((k) => w[k] === (k % 4 === 0 ? 1 : 0));

/** Lattice vectors n.cell + t (n in [-r, r]^3 over the reduced cell, t the pure translations), sorted by length. */
function latticeVectors(cell: number[], trans: readonly number[][], r: number): number[][] {
  const red = reduceBasis(cell).cell;
  const out: number[][] = [];
  for (const t of trans) {
    const t0 = [0, 1, 2].map((k) => t[0]! * cell[k]! + t[1]! * cell[3 + k]! + t[2]! * cell[6 + k]!);
    for (let i = -r; i <= r; i++) for (let j = -r; j <= r; j++) for (let k = -r; k <= r; k++) {
      const v = [0, 1, 2].map((q) => t0[q]! + i * red[q]! + j * red[3 + q]! + k * red[6 + q]!);
      if (norm3(v) > 1e-6) out.push(v);
    }
  }
  return out.sort((a, b) => norm3(a) - norm3(b));
}

/**
 * The primitive cell of a structure (spglib finds symmetry there): when pure translations map the
 * structure onto itself, a cell of the three shortest independent lattice vectors spanning the
 * primitive volume, with the atoms it holds; otherwise the structure itself.
 */
export function primitiveStructure(s: PeriodicStructure, symprec = 0.01): PeriodicStructure {
  const cell = Array.from(s.cell);
  const trans = findSymmetryOperations(s, { symprec, rotationFilter: isIdentity }).map((o) => o.translation);
  if (trans.length <= 1) return s;
  const vPrim = Math.abs(det3(cell)) / trans.length;
  const vecs = latticeVectors(cell, trans, 2);
  const v1 = vecs[0]!;
  const v2 = vecs.find((v) => norm3(cross3(v1, v)) > 1e-6 * norm3(v) * norm3(v1))!;
  const v3 = vecs.find((v) => Math.abs(Math.abs(det3([...v1, ...v2, ...v])) - vPrim) < 1e-6 * vPrim);
  if (!v3) return s;
  const pc = [...v1, ...v2, ...v3];
  const inv = inv3(pc);
  const frac: number[] = [], numbers: number[] = [];
  for (let i = 0; i < s.numbers.length; i++) {
    const r = [0, 1, 2].map((k) => s.frac[3 * i]! * cell[k]! + s.frac[3 * i + 1]! * cell[3 + k]! + s.frac[3 * i + 2]! * cell[6 + k]!);
    const f = [0, 1, 2].map((k) => { const x = r[0]! * inv[k]! + r[1]! * inv[3 + k]! + r[2]! * inv[6 + k]!; return x - Math.floor(x); });
    const dup = numbers.some((z, m) => {
      if (z !== s.numbers[i]) return false;
      const d = [0, 1, 2].map((k) => { const x = f[k]! - frac[3 * m + k]!; return x - Math.round(x); });
      return norm3([0, 1, 2].map((k) => d[0]! * pc[k]! + d[1]! * pc[3 + k]! + d[2]! * pc[6 + k]!)) < symprec;
    });
    if (!dup) { frac.push(...f); numbers.push(s.numbers[i]!); }
  }
  return { cell: pc, frac, numbers };
}

/**
 * Crystal system of a structure (pymatgen's `SpacegroupAnalyzer(structure).get_crystal_system()`,
 * symprec 0.01 Angstrom by default): the crystal's point group, not the lattice's holohedry, so a
 * hexagonal-metric cell holding a rhombohedral crystal is "trigonal".
 */
export function crystalSystem(s: PeriodicStructure, options: { symprec?: number } = {}): CrystalSystem {
  const symprec = options.symprec ?? 0.01;
  const rots: Mat3[] = [];
  for (const op of findSymmetryOperations(primitiveStructure(s, symprec), { symprec })) {
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
  const prim = primitiveStructure(s, symprec);
  const ops = findSymmetryOperations(prim, { symprec });
  const rots: Mat3[] = [];
  for (const op of ops) if (!rots.some((w) => w.every((x, k) => x === op.rotation[k]))) rots.push(op.rotation);
  if (crystalSystemOfRotations(rots) !== "trigonal") return undefined;
  const cell = Array.from(prim.cell);
  const w3 = rots.find((w) => Math.round(det3(w)) === 1 && trace(w) === 0)!;
  const r = cartesianRotation(cell, w3);
  const ax = [r[7]! - r[5]!, r[2]! - r[6]!, r[3]! - r[1]!];
  const u = ax.map((x) => x / norm3(ax));
  const trans = ops.filter((o) => isIdentity(o.rotation)).map((o) => o.translation);
  const vecs = latticeVectors(cell, trans, 3);
  const c = vecs.find((v) => norm3(cross3(v, u)) < symprec);
  const a = vecs.find((v) => Math.abs(dot3(v, u)) < symprec);
  if (!a || !c) return undefined;
  const la = norm3(a), lc = norm3(c);
  const vPrim = Math.abs(det3(cell)) / trans.length;
  return { centring: Math.round(((Math.sqrt(3) / 2) * la * la * lc) / vPrim) === 3 ? "R" : "P", a: la, c: lc };
}
