import { Atoms } from "../atoms/atoms.js";
import { atomicNumber } from "../atoms/elements.js";
import { referenceStates } from "./reference-states.js";

/** Options shared by the fcc/bcc surface helpers (ASE `fcc111(symbol, size, a, vacuum, periodic)`). */
export interface SurfaceHelperOptions {
  /** Lattice constant (Angstrom); default: the element's reference value. */
  a?: number;
  /** Vacuum on each side along z (Angstrom). Without it the cell's c vector is zero (or one period with `periodic`). */
  vacuum?: number;
  /** Periodic along z too (pbc T,T,T; c = nlayers * layer spacing before any vacuum). */
  periodic?: boolean;
}

type V2 = [number, number];

interface Layout {
  /** in-plane cell vectors (x, y) of the 1x1 cell */
  a1: V2;
  a2: V2;
  spacing: number;
  /** fractional (a1, a2) offset of a layer, given its index t counted from the top (top = 0) */
  offset: (t: number) => V2;
  sites: Record<string, V2>;
}

function latticeConstant(helper: string, symbol: string, structure: "fcc" | "bcc", a?: number): number {
  atomicNumber(symbol);
  if (a !== undefined) {
    if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`[${helper}] a must be a positive number of Angstrom, got ${a}`);
    return a;
  }
  const ref = referenceStates[symbol];
  if (ref === undefined || ref.structure !== structure) {
    throw new RangeError(`[${helper}] ${symbol} has no ${structure} reference state: pass a (the ${structure} lattice constant, Angstrom)`);
  }
  return ref.a;
}

function build(helper: string, symbol: string, size: [number, number, number], layout: Layout, o: SurfaceHelperOptions): Atoms {
  const [nx, ny, nl] = size;
  for (const n of size) if (!Number.isInteger(n) || n < 1) throw new RangeError(`[${helper}] size must be three positive integers (nx, ny, nlayers), got ${JSON.stringify(size)}`);
  if (o.vacuum !== undefined && (!Number.isFinite(o.vacuum) || o.vacuum < 0)) throw new RangeError(`[${helper}] vacuum must be >= 0 Angstrom, got ${o.vacuum}`);
  const z = atomicNumber(symbol);
  const positions: number[] = [];
  const tags: number[] = [];
  for (let layer = 0; layer < nl; layer++) {
    const t = nl - 1 - layer; // counted from the top
    const [ox, oy] = layout.offset(t);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const fx = i + ox, fy = j + oy;
        positions.push(fx * layout.a1[0] + fy * layout.a2[0], fx * layout.a1[1] + fy * layout.a2[1], layer * layout.spacing);
        tags.push(t + 1);
      }
    }
  }
  const cz = o.periodic ? nl * layout.spacing : 0;
  const cell = [
    [nx * layout.a1[0], nx * layout.a1[1], 0],
    [ny * layout.a2[0], ny * layout.a2[1], 0],
    [0, 0, cz],
  ];
  const n = tags.length;
  const atoms = new Atoms({
    numbers: new Array<number>(n).fill(z),
    positions,
    cell,
    pbc: [true, true, !!o.periodic],
    info: {
      tags,
      adsorbate_info: {
        cell: [layout.a1, layout.a2],
        sites: layout.sites,
        top_layer_z: (nl - 1) * layout.spacing,
      },
    },
  });
  if (o.vacuum !== undefined) {
    atoms.center(o.vacuum, 2);
    (atoms.info.adsorbate_info as { top_layer_z: number }).top_layer_z += o.vacuum;
  }
  return atoms;
}

/**
 * fcc(111) slab like ASE's `fcc111` (orthogonal=false): ABC stacking, the top-layer atom at the
 * origin, atoms ordered bottom layer first (x fastest), `info.tags` = layer from the top (1 = top).
 *
 * @example
 * ```ts
 * const slab = fcc111("Cu", [2, 2, 3], { vacuum: 10 }); // 12 atoms, cell c = 24.168 A
 * ```
 */
export function fcc111(symbol: string, size: [number, number, number], options: SurfaceHelperOptions = {}): Atoms {
  const a = latticeConstant("fcc111", symbol, "fcc", options.a);
  const d = a / Math.SQRT2;
  const offsets: V2[] = [[0, 0], [-1 / 3, 2 / 3], [1 / 3, 1 / 3]];
  return build("fcc111", symbol, size, {
    a1: [d, 0],
    a2: [d / 2, (d * Math.sqrt(3)) / 2],
    spacing: a / Math.sqrt(3),
    offset: (t) => offsets[t % 3]!,
    sites: { ontop: [0, 0], bridge: [0.5, 0], fcc: [1 / 3, 1 / 3], hcp: [2 / 3, 2 / 3] },
  }, options);
}

/** fcc(100) slab like ASE's `fcc100`: square cell a/sqrt2, layer spacing a/2, alternate layers shifted by (1/2, 1/2). */
export function fcc100(symbol: string, size: [number, number, number], options: SurfaceHelperOptions = {}): Atoms {
  const a = latticeConstant("fcc100", symbol, "fcc", options.a);
  const d = a / Math.SQRT2;
  return build("fcc100", symbol, size, {
    a1: [d, 0],
    a2: [0, d],
    spacing: a / 2,
    offset: (t) => (t % 2 === 1 ? [0.5, 0.5] : [0, 0]),
    sites: { ontop: [0, 0], bridge: [0.5, 0], hollow: [0.5, 0.5] },
  }, options);
}

/** fcc(110) slab like ASE's `fcc110`: cell a x a/sqrt2, layer spacing a/(2 sqrt2), alternate layers shifted by (1/2, 1/2). */
export function fcc110(symbol: string, size: [number, number, number], options: SurfaceHelperOptions = {}): Atoms {
  const a = latticeConstant("fcc110", symbol, "fcc", options.a);
  return build("fcc110", symbol, size, {
    a1: [a, 0],
    a2: [0, a / Math.SQRT2],
    spacing: a / (2 * Math.SQRT2),
    offset: (t) => (t % 2 === 1 ? [0.5, 0.5] : [0, 0]),
    sites: { ontop: [0, 0], longbridge: [0.5, 0], shortbridge: [0, 0.5], hollow: [0.5, 0.5] },
  }, options);
}

/** bcc(100) slab like ASE's `bcc100`: square cell a, layer spacing a/2, alternate layers shifted by (1/2, 1/2). */
export function bcc100(symbol: string, size: [number, number, number], options: SurfaceHelperOptions = {}): Atoms {
  const a = latticeConstant("bcc100", symbol, "bcc", options.a);
  return build("bcc100", symbol, size, {
    a1: [a, 0],
    a2: [0, a],
    spacing: a / 2,
    offset: (t) => (t % 2 === 1 ? [0.5, 0.5] : [0, 0]),
    sites: { ontop: [0, 0], bridge: [0.5, 0], hollow: [0.5, 0.5] },
  }, options);
}

/** bcc(110) slab like ASE's `bcc110` (orthogonal=false): cell vectors (a, 0) and (a/2, a/sqrt2), layer spacing a/sqrt2. */
export function bcc110(symbol: string, size: [number, number, number], options: SurfaceHelperOptions = {}): Atoms {
  const a = latticeConstant("bcc110", symbol, "bcc", options.a);
  return build("bcc110", symbol, size, {
    a1: [a, 0],
    a2: [a / 2, a / Math.SQRT2],
    spacing: a / Math.SQRT2,
    offset: (t) => (t % 2 === 1 ? [-0.5, 1] : [0, 0]),
    sites: { ontop: [0, 0], longbridge: [0.5, 0], shortbridge: [0, 0.5], hollow: [0.75, 0.25] },
  }, options);
}
