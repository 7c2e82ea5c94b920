import { ValidationError, zodIssues } from "@latticework/core";
import { InputError } from "./input-error.js";
import { AtomsSchema, type AtomsJSON, type AtomsJSONInput } from "./atoms-schema.js";
import { atomicNumber, atomicMasses, chemicalSymbols } from "./elements.js";
import { completeCell, cross3, det3, dot3, inv3, norm3, row3 } from "./linalg3.js";

/** A 3-vector. */
export type Vec3 = [number, number, number];
/** Periodic boundary conditions per cell axis. */
export type Pbc = [boolean, boolean, boolean];
/** A cell as three row vectors, a flat row-major 9-array, or three lengths (orthorhombic). */
export type CellInput = number[][] | ArrayLike<number>;

/** Constructor input for {@link Atoms}. */
export interface AtomsInit {
  numbers: ArrayLike<number>;
  /** Cartesian positions (Angstrom): N rows of 3, or a flat 3N array. */
  positions?: number[][] | ArrayLike<number>;
  cell?: CellInput;
  pbc?: boolean | Pbc;
  fixed?: number[];
  info?: Record<string, unknown>;
}

/** Formula modes of {@link Atoms.formula} (ASE `get_chemical_formula`). */
export type FormulaMode = "hill" | "metal" | "all" | "reduce";

function flatten3(x: number[][] | ArrayLike<number>, n: number, what: string): Float64Array {
  const out = new Float64Array(3 * n);
  if (Array.isArray(x) && (x.length === 0 || Array.isArray(x[0]))) {
    const rows = x as number[][];
    if (rows.length !== n) throw new InputError(`[atoms] ${what} has ${rows.length} rows, expected ${n}`);
    rows.forEach((r, i) => {
      if (r.length !== 3) throw new InputError(`[atoms] ${what}[${i}] must have 3 components, got ${r.length}`);
      out[3 * i] = r[0]!; out[3 * i + 1] = r[1]!; out[3 * i + 2] = r[2]!;
    });
  } else {
    const flat = x as ArrayLike<number>;
    if (flat.length !== 3 * n) throw new InputError(`[atoms] ${what} has ${flat.length} numbers, expected ${3 * n}`);
    out.set(flat);
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new InputError(`[atoms] ${what} contains a non-finite value at atom ${Math.floor(i / 3)}`);
  }
  return out;
}

/** Normalise a cell input (3 rows, 9 numbers, or 3 lengths) to a flat row-major 9-array. */
export function toCell(cell: CellInput | undefined): Float64Array {
  if (cell === undefined) return new Float64Array(9);
  if (Array.isArray(cell) && cell.length === 3 && Array.isArray(cell[0])) return flatten3(cell as number[][], 3, "cell");
  const flat = cell as ArrayLike<number>;
  if (flat.length === 3) return Float64Array.of(flat[0]!, 0, 0, 0, flat[1]!, 0, 0, 0, flat[2]!);
  if (flat.length === 9) return flatten3(flat, 3, "cell");
  throw new InputError(`[atoms] cell must be 3 rows of 3, 9 numbers or 3 lengths; got ${flat.length} entries`);
}

/** Parse "Cu2O", "CuCuO" or "H2O" into a list of symbols (ASE `Atoms('...')` style). */
export function parseSymbols(symbols: string | string[]): string[] {
  if (Array.isArray(symbols)) {
    for (const s of symbols) atomicNumber(s);
    return [...symbols];
  }
  const out: string[] = [];
  const re = /([A-Z][a-z]?)(\d*)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < symbols.length && (m = re.exec(symbols)) !== null) {
    const sym = m[1]!;
    atomicNumber(sym);
    const count = m[2] ? Number(m[2]) : 1;
    for (let k = 0; k < count; k++) out.push(sym);
    pos = re.lastIndex;
  }
  if (pos !== symbols.length) {
    throw new InputError(`[atoms] cannot parse formula "${symbols}" at position ${pos}: expected an element symbol like "Cu" followed by an optional count`);
  }
  return out;
}

/**
 * A set of atoms: atomic numbers, Cartesian positions (Angstrom), a cell whose rows are the lattice
 * vectors, periodic boundary conditions, fixed-atom constraints (ASE FixAtoms) and free-form info.
 * Mirrors the parts of `ase.Atoms` that the recipes need; typed arrays hold the numbers.
 */
export class Atoms {
  /** Atomic numbers, one per atom. */
  numbers: Int32Array;
  /** Cartesian positions, flat 3N (x0, y0, z0, x1, ...), Angstrom. */
  positions: Float64Array;
  /** Cell, flat row-major 3x3; rows are lattice vectors; zero rows mean "no cell vector". */
  cell: Float64Array;
  /** Periodic boundary conditions per axis. */
  pbc: Pbc;
  /** Indices of fixed atoms (FixAtoms), sorted and unique. */
  fixed: number[];
  /** Free-form metadata (JSON-serialisable). */
  info: Record<string, unknown>;

  /** Create atoms; validates shapes, atomic numbers, fixed indices and finiteness. */
  constructor(init: AtomsInit) {
    const n = init.numbers.length;
    this.numbers = Int32Array.from(init.numbers as ArrayLike<number>);
    for (let i = 0; i < n; i++) {
      const z = this.numbers[i]!;
      if (!Number.isInteger(init.numbers[i]) || z < 0 || z >= chemicalSymbols.length) {
        throw new InputError(`[atoms] numbers[${i}] = ${init.numbers[i]} is not an atomic number (0..${chemicalSymbols.length - 1})`);
      }
    }
    this.positions = init.positions === undefined ? new Float64Array(3 * n) : flatten3(init.positions, n, "positions");
    this.cell = toCell(init.cell);
    const pbc = init.pbc ?? false;
    this.pbc = typeof pbc === "boolean" ? [pbc, pbc, pbc] : [pbc[0], pbc[1], pbc[2]];
    const fixed = [...new Set(init.fixed ?? [])].sort((a, b) => a - b);
    for (const i of fixed) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new InputError(`[atoms] fixed index ${i} out of range (natoms ${n})`);
    }
    this.fixed = fixed;
    this.info = { ...(init.info ?? {}) };
  }

  /** Build from the JSON shape (validated with {@link AtomsSchema}; throws a ValidationError listing every problem). */
  static fromJSON(j: AtomsJSONInput): Atoms {
    const parsed = AtomsSchema.safeParse(j);
    if (!parsed.success) throw new ValidationError("INPUT_INVALID", "[atoms] invalid atoms JSON", zodIssues(parsed.error));
    const p = parsed.data;
    return new Atoms({ numbers: p.numbers, positions: p.positions, cell: p.cell, pbc: p.pbc, fixed: p.fixed, info: structuredClone(p.info) });
  }

  /** Build from symbols ("Cu2O", ["Cu","Cu","O"]) and positions. */
  static fromSymbols(symbols: string | string[], positions?: number[][] | ArrayLike<number>, opts: { cell?: CellInput; pbc?: boolean | Pbc; fixed?: number[]; info?: Record<string, unknown> } = {}): Atoms {
    const syms = parseSymbols(symbols);
    return new Atoms({ numbers: syms.map(atomicNumber), positions, ...opts });
  }

  /** Plain JSON (AtomsJSON) for crossing process boundaries. */
  toJSON(): AtomsJSON {
    const n = this.length;
    const positions: [number, number, number][] = [];
    for (let i = 0; i < n; i++) positions.push([this.positions[3 * i]!, this.positions[3 * i + 1]!, this.positions[3 * i + 2]!]);
    return {
      numbers: Array.from(this.numbers),
      positions,
      cell: [row3(this.cell, 0), row3(this.cell, 1), row3(this.cell, 2)],
      pbc: [...this.pbc],
      fixed: [...this.fixed],
      info: structuredClone(this.info),
    };
  }

  /** Number of atoms. */
  get length(): number {
    return this.numbers.length;
  }

  /** Chemical symbols, one per atom. */
  get symbols(): string[] {
    return Array.from(this.numbers, (z) => chemicalSymbols[z]!);
  }

  /** Deep copy. */
  clone(): Atoms {
    return new Atoms({ numbers: this.numbers, positions: this.positions, cell: this.cell, pbc: this.pbc, fixed: this.fixed, info: structuredClone(this.info) });
  }

  /** Positions as N rows of [x, y, z]. */
  getPositions(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.length; i++) out.push([this.positions[3 * i]!, this.positions[3 * i + 1]!, this.positions[3 * i + 2]!]);
    return out;
  }

  /**
   * Set positions. Like ASE, constraints are applied by default: fixed atoms keep their current
   * positions. Pass `applyConstraint: false` to move them too.
   */
  setPositions(positions: number[][] | ArrayLike<number>, opts: { applyConstraint?: boolean } = {}): void {
    const next = flatten3(positions, this.length, "positions");
    if (opts.applyConstraint ?? true) {
      for (const i of this.fixed) for (let k = 0; k < 3; k++) next[3 * i + k] = this.positions[3 * i + k]!;
    }
    this.positions = next;
  }

  /** Cell as three row vectors. */
  getCell(): number[][] {
    return [row3(this.cell, 0), row3(this.cell, 1), row3(this.cell, 2)];
  }

  /** Set the cell; with `scaleAtoms` the atoms keep their fractional coordinates. */
  setCell(cell: CellInput, opts: { scaleAtoms?: boolean } = {}): void {
    const next = toCell(cell);
    if (opts.scaleAtoms) {
      const s = this.fractional(false);
      this.cell = next;
      this.positions = this.cartesian(s);
    } else {
      this.cell = next;
    }
  }

  /** Cell lengths and angles [a, b, c, alpha, beta, gamma] (angles in degrees). */
  cellParameters(): [number, number, number, number, number, number] {
    const a = row3(this.cell, 0), b = row3(this.cell, 1), c = row3(this.cell, 2);
    const la = norm3(a), lb = norm3(b), lc = norm3(c);
    const ang = (u: number[], v: number[], lu: number, lv: number): number =>
      lu * lv === 0 ? 90 : (Math.acos(Math.max(-1, Math.min(1, dot3(u, v) / (lu * lv)))) * 180) / Math.PI;
    return [la, lb, lc, ang(b, c, lb, lc), ang(a, c, la, lc), ang(a, b, la, lb)];
  }

  private fractional(wrap: boolean): Float64Array {
    const inv = inv3(completeCell(this.cell));
    const n = this.length;
    const s = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const x = this.positions[3 * i]!, y = this.positions[3 * i + 1]!, z = this.positions[3 * i + 2]!;
      for (let k = 0; k < 3; k++) {
        let v = x * inv[k]! + y * inv[3 + k]! + z * inv[6 + k]!;
        if (wrap && this.pbc[k]) {
          v = v - Math.floor(v);
          if (v >= 1) v -= 1; // guard against rounding to exactly 1
        }
        s[3 * i + k] = v;
      }
    }
    return s;
  }

  private cartesian(s: ArrayLike<number>): Float64Array {
    const c = completeCell(this.cell);
    const n = s.length / 3;
    const r = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) r[3 * i + k] = s[3 * i]! * c[k]! + s[3 * i + 1]! * c[3 + k]! + s[3 * i + 2]! * c[6 + k]!;
    }
    return r;
  }

  /** Fractional coordinates (r = s . cell); `wrap` (default true, like ASE) folds periodic axes into [0, 1). */
  getScaledPositions(wrap = true): number[][] {
    const s = this.fractional(wrap);
    const out: number[][] = [];
    for (let i = 0; i < this.length; i++) out.push([s[3 * i]!, s[3 * i + 1]!, s[3 * i + 2]!]);
    return out;
  }

  /** Set positions from fractional coordinates. */
  setScaledPositions(scaled: number[][] | ArrayLike<number>): void {
    this.positions = this.cartesian(flatten3(scaled, this.length, "scaled positions"));
  }

  /**
   * Wrap atoms into the cell along periodic axes (ASE `wrap`, eps 1e-7: fractional coordinates end in
   * [-eps, 1 - eps)).
   */
  wrap(eps = 1e-7): void {
    const s = this.fractional(false);
    for (let i = 0; i < this.length; i++) {
      for (let k = 0; k < 3; k++) {
        if (!this.pbc[k]) continue;
        const v = s[3 * i + k]! + eps;
        s[3 * i + k] = v - Math.floor(v) - eps;
      }
    }
    this.positions = this.cartesian(s);
  }

  /** Supercell: ASE `atoms.repeat` order (outer loop over a, then b, then c; each block all atoms). */
  repeat(rep: number | [number, number, number]): Atoms {
    const [na, nb, nc] = typeof rep === "number" ? [rep, rep, rep] : rep;
    for (const m of [na, nb, nc]) if (!Number.isInteger(m) || m < 1) throw new InputError(`[atoms] repeat counts must be positive integers, got ${JSON.stringify(rep)}`);
    [na, nb, nc].forEach((m, k) => {
      if (m > 1 && norm3(row3(this.cell, k)) === 0) throw new InputError(`[atoms] cannot repeat ${m} times along axis ${k}: cell vector ${k} is a zero cell vector; set the cell first`);
    });
    const n = this.length;
    const total = n * na * nb * nc;
    const numbers = new Int32Array(total);
    const positions = new Float64Array(3 * total);
    const fixed: number[] = [];
    let block = 0;
    for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) for (let k = 0; k < nc; k++) {
      const t = [0, 1, 2].map((c) => i * this.cell[c]! + j * this.cell[3 + c]! + k * this.cell[6 + c]!);
      for (let a = 0; a < n; a++) {
        const o = block * n + a;
        numbers[o] = this.numbers[a]!;
        for (let c = 0; c < 3; c++) positions[3 * o + c] = this.positions[3 * a + c]! + t[c]!;
      }
      for (const f of this.fixed) fixed.push(block * n + f);
      block++;
    }
    const cell = Float64Array.from(this.cell);
    for (let c = 0; c < 3; c++) { cell[c]! *= na; cell[3 + c]! *= nb; cell[6 + c]! *= nc; }
    return new Atoms({ numbers, positions, cell, pbc: this.pbc, fixed, info: structuredClone(this.info) });
  }

  /** Cell volume |det(cell)| (Angstrom^3). */
  volume(): number {
    return Math.abs(det3(this.cell));
  }

  /**
   * Chemical formula like ASE `get_chemical_formula(mode)`: 'hill' (default; ASE's variant: C, then
   * H, then the rest alphabetically, so "HAgCu" rather than strict Hill's "AgCuH"), 'metal' (metals
   * alphabetically, then non-metals alphabetically), 'reduce' (runs of equal symbols in order),
   * 'all' (every symbol).
   */
  formula(mode: FormulaMode = "hill"): string {
    const syms = this.symbols;
    if (mode === "all") return syms.join("");
    if (mode === "reduce") {
      const parts: [string, number][] = [];
      for (const s of syms) {
        const last = parts[parts.length - 1];
        if (last && last[0] === s) last[1]++;
        else parts.push([s, 1]);
      }
      return parts.map(([s, c]) => (c === 1 ? s : `${s}${c}`)).join("");
    }
    const count = new Map<string, number>();
    for (const s of syms) count.set(s, (count.get(s) ?? 0) + 1);
    let order: string[];
    const alpha = [...count.keys()].sort();
    if (mode === "hill") {
      // ASE's 'hill': C then H (each when present, even without carbon), then the rest alphabetically
      order = [...["C", "H"].filter((s) => count.has(s)), ...alpha.filter((s) => s !== "C" && s !== "H")];
    } else {
      // 'metal': metals first (alphabetical), then non-metals (alphabetical)
      const nonMetals = new Set(["H", "He", "B", "C", "N", "O", "F", "Ne", "Si", "P", "S", "Cl", "Ar", "Ge", "As", "Se", "Br", "Kr", "Sb", "Te", "I", "Xe", "Po", "At", "Rn"]);
      order = [...alpha.filter((s) => !nonMetals.has(s)), ...alpha.filter((s) => nonMetals.has(s))];
    }
    return order.map((s) => { const c = count.get(s)!; return c === 1 ? s : `${s}${c}`; }).join("");
  }

  /** Displacement vector r_j - r_i, optionally with the minimum-image convention on periodic axes. */
  vector(i: number, j: number, mic = false): Vec3 {
    this.checkIndex(i); this.checkIndex(j);
    const d: Vec3 = [0, 1, 2].map((k) => this.positions[3 * j + k]! - this.positions[3 * i + k]!) as Vec3;
    return mic ? this.minimumImage(d) : d;
  }

  /** Distance between atoms i and j; `mic` uses the minimum-image convention on periodic axes. */
  distance(i: number, j: number, mic = false): number {
    return norm3(this.vector(i, j, mic));
  }

  /** Shortest periodic image of a displacement vector (searches neighbouring images after folding). */
  minimumImage(d: ArrayLike<number>): Vec3 {
    if (!this.pbc.some(Boolean)) return [d[0]!, d[1]!, d[2]!];
    const c = completeCell(this.cell);
    const inv = inv3(c);
    const s = [0, 1, 2].map((k) => d[0]! * inv[k]! + d[1]! * inv[3 + k]! + d[2]! * inv[6 + k]!);
    for (let k = 0; k < 3; k++) if (this.pbc[k]) s[k] = s[k]! - Math.round(s[k]!);
    let best: Vec3 = [0, 0, 0];
    let bestLen = Infinity;
    const range = (k: number): number[] => (this.pbc[k] ? [-1, 0, 1] : [0]);
    for (const a of range(0)) for (const b of range(1)) for (const e of range(2)) {
      const f = [s[0]! + a, s[1]! + b, s[2]! + e];
      const v: Vec3 = [0, 1, 2].map((k) => f[0]! * c[k]! + f[1]! * c[3 + k]! + f[2]! * c[6 + k]!) as Vec3;
      const l = dot3(v, v);
      if (l < bestLen - 1e-12) { bestLen = l; best = v; }
    }
    return best;
  }

  /**
   * Centre the atoms in the cell (ASE `center`). With `vacuum`, the cell along each chosen axis is
   * resized so that there is `vacuum` Angstrom on both sides of the atoms (measured normal to the
   * cell faces). `axis` is an axis index or a list (default all three).
   */
  center(vacuum?: number, axis: number | number[] = [0, 1, 2]): void {
    const axes = typeof axis === "number" ? [axis] : axis;
    for (const a of axes) if (![0, 1, 2].includes(a)) throw new InputError(`[atoms] center: axis must be 0, 1 or 2, got ${a}`);
    if (vacuum !== undefined && (!Number.isFinite(vacuum) || vacuum < 0)) throw new InputError(`[atoms] center: vacuum must be a non-negative number, got ${vacuum}`);
    const cell = completeCell(this.cell);
    const dirs: Vec3[] = [];
    const lengths: number[] = [];
    for (let i = 0; i < 3; i++) {
      let d = cross3(row3(cell, (i + 2) % 3), row3(cell, (i + 1) % 3));
      const nd = norm3(d);
      d = d.map((x) => x / nd) as Vec3;
      if (dot3(d, row3(cell, i)) < 0) d = d.map((x) => -x) as Vec3;
      dirs.push(d);
      lengths.push(norm3(row3(cell, i)));
    }
    const n = this.length;
    const translation: Vec3 = [0, 0, 0];
    const newCell = Float64Array.from(this.cell);
    for (const i of axes) {
      let p0 = 0, p1 = 0;
      if (n > 0) {
        p0 = Infinity; p1 = -Infinity;
        for (let a = 0; a < n; a++) {
          const sp = this.positions[3 * a]! * dirs[i]![0] + this.positions[3 * a + 1]! * dirs[i]![1] + this.positions[3 * a + 2]! * dirs[i]![2];
          if (sp < p0) p0 = sp;
          if (sp > p1) p1 = sp;
        }
      }
      const height = dot3(row3(cell, i), dirs[i]!);
      const lng = vacuum !== undefined ? p1 - p0 + 2 * vacuum - height : 0;
      const top = lng + height - p1;
      const shf = 0.5 * (top - p0);
      const cosphi = height / lengths[i]!;
      const longer = lng / cosphi;
      const shift = shf / cosphi;
      if (vacuum !== undefined) for (let k = 0; k < 3; k++) newCell[3 * i + k] = cell[3 * i + k]! * (1 + longer / lengths[i]!);
      for (let k = 0; k < 3; k++) translation[k]! += (shift * cell[3 * i + k]!) / lengths[i]!;
      const stillZero = newCell[3 * i] === 0 && newCell[3 * i + 1] === 0 && newCell[3 * i + 2] === 0;
      if (stillZero) translation[i]! -= 0.5;
    }
    this.cell = newCell;
    this.translate(translation);
  }

  /** Translate all atoms by a vector, or each atom by its own row. Moves fixed atoms too, like ASE. */
  translate(v: ArrayLike<number> | number[][]): void {
    if (Array.isArray(v) && Array.isArray(v[0])) {
      const d = flatten3(v as number[][], this.length, "translation");
      for (let i = 0; i < d.length; i++) this.positions[i]! += d[i]!;
      return;
    }
    const t = v as ArrayLike<number>;
    if (t.length !== 3) throw new InputError(`[atoms] translate: expected a 3-vector, got ${t.length} numbers`);
    for (let i = 0; i < this.length; i++) for (let k = 0; k < 3; k++) this.positions[3 * i + k]! += t[k]!;
  }

  /** Append the atoms of `other` (its fixed indices are shifted; this cell, pbc and info are kept). */
  extend(other: Atoms): this {
    const n = this.length;
    const numbers = new Int32Array(n + other.length);
    numbers.set(this.numbers); numbers.set(other.numbers, n);
    const positions = new Float64Array(3 * (n + other.length));
    positions.set(this.positions); positions.set(other.positions, 3 * n);
    this.numbers = numbers;
    this.positions = positions;
    this.fixed = [...this.fixed, ...other.fixed.map((i) => i + n)];
    return this;
  }

  /** Atomic masses (ASE `atomic_masses`, IUPAC 2016) per atom, in u. */
  masses(): Float64Array {
    return Float64Array.from(this.numbers, (z) => atomicMasses[z]!);
  }

  /** Total mass (u). */
  totalMass(): number {
    return this.masses().reduce((a, b) => a + b, 0);
  }

  /** True when all three cell vectors are non-zero (a 3-D cell). */
  hasFullCell(): boolean {
    return [0, 1, 2].every((i) => norm3(row3(this.cell, i)) > 0);
  }

  /**
   * Randomly displace atoms with Gaussian noise of standard deviation `stdev` (Angstrom), seeded and
   * reproducible (a 32-bit mulberry PRNG with Box-Muller; not numpy's stream, so not ASE's numbers).
   */
  rattle(stdev = 0.001, seed = 42): void {
    let state = seed >>> 0;
    const rand = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const gauss = (): number => {
      let u = 0;
      while (u === 0) u = rand();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    };
    const next = Float64Array.from(this.positions);
    for (let i = 0; i < next.length; i++) next[i]! += stdev * gauss();
    this.setPositions(next);
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new InputError(`[atoms] atom index ${i} out of range (natoms ${this.length})`);
  }
}
