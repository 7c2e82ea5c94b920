/**
 * Reduced ("pretty") and anonymous formulas as pymatgen writes them (emmet's `formula_pretty`,
 * `formula_anonymous`), so our task documents carry the same strings as quacc's.
 *
 * Rules (pymatgen 2022.11.7 `Composition.reduced_formula`): elements sorted by Pauling
 * electronegativity, ties by symbol; counts divided by their gcd, 1 omitted; when there are three or
 * more elements and the two most electronegative differ by less than 1.65, they form a polyanion
 * written `(XY)n` if its own reduction leaves a factor n != 1; peroxides and elemental gases are
 * special-cased (LiO -> Li2O2, O -> O2, ...).
 */
import { chemicalSymbols } from "../atoms/elements.js";

/** Pauling electronegativity by atomic number (pymatgen's table; NaN where pymatgen has none, e.g. noble gases). */
const PAULING: Float64Array = Float64Array.of(
  NaN, // placeholder for Z = 0
  2.2, NaN, 0.98, 1.57, 2.04, 2.55, 3.04, 3.44, 3.98, NaN, 0.93, 1.31,
  1.61, 1.9, 2.19, 2.58, 3.16, NaN, 0.82, 1.0, 1.36, 1.54, 1.63, 1.66,
  1.55, 1.83, 1.88, 1.91, 1.9, 1.65, 1.81, 2.01, 2.18, 2.55, 2.96, 3.0,
  0.82, 0.95, 1.22, 1.33, 1.6, 2.16, 1.9, 2.2, 2.28, 2.2, 1.93, 1.69,
  1.78, 1.96, 2.05, 2.1, 2.66, 2.6, 0.79, 0.89, 1.1, 1.12, 1.13, 1.14,
  1.13, 1.17, 1.2, 1.2, 1.1, 1.22, 1.23, 1.24, 1.25, 1.1, 1.27, 1.3,
  1.5, 2.36, 1.9, 2.2, 2.2, 2.28, 2.54, 2.0, 1.62, 2.33, 2.02, 2.0,
  2.2, 2.2, 0.7, 0.9, 1.1, 1.3, 1.5, 1.38, 1.36, 1.28, 1.3, 1.3,
  1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3,
);

const SPECIAL: Readonly<Record<string, string>> = {
  LiO: "Li2O2", NaO: "Na2O2", KO: "K2O2", HO: "H2O2", CsO: "Cs2O2", RbO: "Rb2O2",
  O: "O2", N: "N2", F: "F2", Cl: "Cl2", H: "H2",
};

const zOf = new Map<string, number>(chemicalSymbols.map((s, z) => [s, z]));

/** Pauling electronegativity of a symbol; elements without one sort last (pymatgen gives NaN there). */
export function electronegativity(symbol: string): number {
  const x = PAULING[zOf.get(symbol) ?? 0];
  return x === undefined || Number.isNaN(x) ? Number.POSITIVE_INFINITY : x;
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

function byElectronegativity(a: string, b: string): number {
  const d = electronegativity(a) - electronegativity(b);
  if (d !== 0 && !Number.isNaN(d)) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

function count(n: number): string {
  if (n === 1) return "";
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e8) / 1e8);
}

function reduce(amounts: ReadonlyMap<string, number>): [string, number] {
  let syms = [...amounts.keys()].sort(byElectronegativity);
  const factor = [...amounts.values()].reduce((g, n) => gcd(g, n), 0) || 1;
  let polyanion = "";
  if (syms.length >= 3) {
    const [a, b] = [syms[syms.length - 2]!, syms[syms.length - 1]!];
    if (electronegativity(b) - electronegativity(a) < 1.65) {
      const [form, f] = reduce(new Map([[a, amounts.get(a)! / factor], [b, amounts.get(b)! / factor]]));
      if (f !== 1) {
        polyanion = `(${form})${f}`;
        syms = syms.slice(0, -2);
      }
    }
  }
  return [syms.map((s) => s + count(amounts.get(s)! / factor)).join("") + polyanion, factor];
}

/** Counts per element symbol of a list of atomic numbers. */
export function compositionOf(numbers: ArrayLike<number>): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < numbers.length; i++) {
    const s = chemicalSymbols[numbers[i]!]!;
    m.set(s, (m.get(s) ?? 0) + 1);
  }
  return m;
}

/** pymatgen's reduced formula, e.g. {Li: 4, Fe: 4, P: 4, O: 16} -> "LiFePO4", {O: 2} -> "O2". */
export function reducedFormula(amounts: ReadonlyMap<string, number>): string {
  if (amounts.size === 0) return "";
  const [form] = reduce(amounts);
  return SPECIAL[form] ?? form;
}

/** pymatgen's anonymized formula: reduced counts sorted ascending, named A, B, C, ... ("ABC3" for SrTiO3). */
export function anonymousFormula(amounts: ReadonlyMap<string, number>): string {
  const values = [...amounts.values()];
  const g = values.reduce((a, b) => gcd(a, b), 0) || 1;
  return values.map((n) => n / g).sort((a, b) => a - b).map((n, i) => String.fromCharCode(65 + i) + count(n)).join("");
}
