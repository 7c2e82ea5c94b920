import { Atoms } from "../atoms/atoms.js";
import { cross3, det3, dot3, inv3, norm3 } from "../atoms/linalg3.js";
import { gcd, reciprocalCell } from "../symmetry/lattice.js";

/** Options of {@link surface}. */
export interface SurfaceOptions {
  /** Vacuum on each side along z (Angstrom); without it the slab fills c exactly (layers x spacing). */
  vacuum?: number;
  /** Periodic along z as well (pbc T,T,T). Default false. */
  periodic?: boolean;
}

type V3 = [number, number, number];

const cart = (cell: ArrayLike<number>, s: ArrayLike<number>): V3 =>
  [0, 1, 2].map((k) => s[0]! * cell[k]! + s[1]! * cell[3 + k]! + s[2]! * cell[6 + k]!) as V3;

/**
 * Integer basis (u, v in the (hkl) plane, w out of it) of the lattice with det = 1: u, v are the
 * shortest pair of in-plane lattice vectors spanning the plane lattice with an acute angle, w the
 * most surface-normal vector with h.w = 1 (one interplanar step).
 */
export function surfaceBasis(cell: ArrayLike<number>, miller: [number, number, number]): number[][] {
  const g = gcd(...miller);
  if (g === 0) throw new RangeError("[surface] the Miller index cannot be (0, 0, 0)");
  const hkl = miller.map((x) => x / g) as V3;
  const m = Math.max(2, ...hkl.map(Math.abs)) + 1;
  const inPlane: { v: number[]; len: number }[] = [];
  const outOfPlane: { v: number[]; len: number; cos: number }[] = [];
  const n = cart(reciprocalCell(cell), hkl);
  const nn = norm3(n);
  for (let i = -m; i <= m; i++) for (let j = -m; j <= m; j++) for (let k = -m; k <= m; k++) {
    if (!i && !j && !k) continue;
    const d = hkl[0] * i + hkl[1] * j + hkl[2] * k;
    const r = cart(cell, [i, j, k]);
    const len = norm3(r);
    if (d === 0) inPlane.push({ v: [i, j, k], len });
    else if (d === 1) outOfPlane.push({ v: [i, j, k], len, cos: dot3(r, n) / (len * nn) });
  }
  inPlane.sort((a, b) => a.len - b.len);
  const u = inPlane[0]!.v;
  // v: shortest in-plane vector that completes u to a basis of the plane lattice (integer cross product = +-hkl)
  let v: number[] | undefined;
  for (const c of inPlane) {
    const x = cross3(u, c.v);
    if (Math.abs(x[0]) === Math.abs(hkl[0]) && Math.abs(x[1]) === Math.abs(hkl[1]) && Math.abs(x[2]) === Math.abs(hkl[2]) && (x[0] || x[1] || x[2])) { v = c.v; break; }
  }
  if (!v) throw new RangeError(`[surface] could not find an in-plane basis for (${miller.join(",")})`);
  const ru = cart(cell, u), rv0 = cart(cell, v);
  if (dot3(ru, rv0) < -1e-9) v = v.map((x) => -x);
  const rv = cart(cell, v);
  let uu = u, vv = v;
  // right-handed with the normal: (u x v) . n > 0
  if (dot3(cross3(ru, rv), n) < 0) [uu, vv] = [v, u];
  outOfPlane.sort((a, b) => b.cos - a.cos || a.len - b.len);
  const w = outOfPlane[0]!.v;
  return [uu, vv, w];
}

/**
 * General surface slab like ASE's `surface(lattice, indices, layers, vacuum)`: from the
 * **conventional** bulk cell, re-express the crystal in an integer basis with two in-plane vectors,
 * repeat it `layers` times along the third, replace the third vector by its projection on the
 * surface normal, and rotate so that a1 is along x and a2 lies in the xy plane. pbc is (T, T,
 * periodic); with `vacuum` the slab is centred along z.
 *
 * @example
 * ```ts
 * const s = surface(bulk("Cu", { cubic: true }), [1, 1, 1], 3, { vacuum: 10 }); // same cell as fcc111 2x2x3
 * ```
 */
export function surface(lattice: Atoms, miller: [number, number, number], layers: number, options: SurfaceOptions = {}): Atoms {
  if (!Number.isInteger(layers) || layers < 1) throw new RangeError(`[surface] layers must be a positive integer, got ${layers}`);
  if (!miller.every(Number.isInteger)) throw new RangeError(`[surface] Miller indices must be integers, got ${JSON.stringify(miller)}`);
  if (!lattice.hasFullCell()) throw new RangeError("[surface] the lattice needs a 3-D cell (pass a bulk crystal, e.g. bulk('Cu', { cubic: true }))");
  if (options.vacuum !== undefined && !(options.vacuum >= 0)) throw new RangeError(`[surface] vacuum must be >= 0 Angstrom, got ${options.vacuum}`);
  const basis = surfaceBasis(lattice.cell, miller);
  const newCell = basis.flatMap((b) => cart(lattice.cell, b));
  if (Math.abs(Math.round(det3(basis.flat()))) !== 1) throw new RangeError("[surface] internal error: the surface basis is not unimodular");
  // atoms of one new cell: old positions plus lattice translations, wrapped into the new cell
  const inv = inv3(newCell);
  const frac: number[] = [];
  const numbers: number[] = [];
  const seen = new Set<string>();
  const m = 4;
  for (let a = 0; a < lattice.length; a++) {
    for (let i = -m; i <= m; i++) for (let j = -m; j <= m; j++) for (let k = -m; k <= m; k++) {
      const r = [0, 1, 2].map((q) => lattice.positions[3 * a + q]! + i * lattice.cell[q]! + j * lattice.cell[3 + q]! + k * lattice.cell[6 + q]!);
      const s = [0, 1, 2].map((q) => r[0]! * inv[q]! + r[1]! * inv[3 + q]! + r[2]! * inv[6 + q]!);
      if (!s.every((x) => x >= -1e-8 && x < 1 - 1e-8)) continue;
      const w = s.map((x) => (Math.abs(x) < 1e-8 ? 0 : x));
      const key = `${a}:${w.map((x) => x.toFixed(6)).join(",")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      frac.push(...w);
      numbers.push(lattice.numbers[a]!);
    }
  }
  // stack layers along the third vector (bottom first), as fractions of the stacked cell
  const positions: number[] = [];
  const allNumbers: number[] = [];
  const n1 = numbers.length;
  for (let l = 0; l < layers; l++) {
    for (let a = 0; a < n1; a++) {
      positions.push(...cart(newCell, [frac[3 * a]!, frac[3 * a + 1]!, frac[3 * a + 2]! + l]));
      allNumbers.push(numbers[a]!);
    }
  }
  const a1 = newCell.slice(0, 3), a2 = newCell.slice(3, 6), a3 = newCell.slice(6, 9).map((x) => x * layers);
  const nrm = cross3(a1, a2);
  const nl = norm3(nrm);
  const zhat = nrm.map((x) => x / nl) as V3;
  const xhat = a1.map((x) => x / norm3(a1)) as V3;
  const yhat = cross3(zhat, xhat);
  const rot = (r: ArrayLike<number>): V3 => [dot3(r, xhat), dot3(r, yhat), dot3(r, zhat)];
  const c3 = dot3(a3, zhat);
  const cell = [...rot(a1), ...rot(a2), 0, 0, c3];
  const rotated: number[] = [];
  for (let i = 0; i < allNumbers.length; i++) rotated.push(...rot(positions.slice(3 * i, 3 * i + 3)));
  const atoms = new Atoms({ numbers: allNumbers, positions: rotated, cell, pbc: [true, true, !!options.periodic] });
  atoms.wrap();
  // sort bottom layer first, like the fcc111-style helpers
  const order = Array.from({ length: atoms.length }, (_, i) => i).sort((p, q) => atoms.positions[3 * p + 2]! - atoms.positions[3 * q + 2]! || p - q);
  const sorted = new Atoms({
    numbers: order.map((i) => atoms.numbers[i]!),
    positions: order.flatMap((i) => [atoms.positions[3 * i]!, atoms.positions[3 * i + 1]!, atoms.positions[3 * i + 2]!]),
    cell,
    pbc: atoms.pbc,
  });
  if (options.vacuum !== undefined) sorted.center(options.vacuum, 2);
  return sorted;
}
