import type { Atoms } from "../atoms/atoms.js";
import { atomicMasses, chemicalSymbols } from "../atoms/elements.js";
import type { z } from "zod";
import type { MoleculeMetadataSchema, StructureMetadataSchema } from "./output-schema.js";

const AVOGADRO = 6.02214076e23;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function composition(atoms: Atoms): Map<string, number> {
  const m = new Map<string, number>();
  for (const z of atoms.numbers) {
    const s = chemicalSymbols[z]!;
    m.set(s, (m.get(s) ?? 0) + 1);
  }
  return m;
}

/** pymatgen writes elemental diatomic gases as X2 in reduced formulas. */
const DIATOMIC = new Set(["H", "N", "O", "F", "Cl"]);

/** Pretty (reduced) formula; element order is Hill order (pymatgen orders by electronegativity). */
function formulaOf(entries: [string, number][]): string {
  if (entries.length === 1 && DIATOMIC.has(entries[0]![0])) return `${entries[0]![0]}2`;
  return entries.map(([s, n]) => (n === 1 ? s : `${s}${n}`)).join("");
}

function reduced(comp: Map<string, number>): [string, number][] {
  const counts = [...comp.values()];
  const g = counts.reduce((a, b) => gcd(a, b), 0) || 1;
  return [...comp.entries()].map(([s, n]) => [s, n / g] as [string, number]);
}

function hill(entries: [string, number][]): [string, number][] {
  const hasC = entries.some(([s]) => s === "C");
  return [...entries].sort(([a], [b]) => {
    if (hasC) {
      if (a === "C") return -1;
      if (b === "C") return 1;
      if (a === "H") return -1;
      if (b === "H") return 1;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function anonymous(entries: [string, number][]): string {
  const counts = entries.map(([, n]) => n).sort((a, b) => a - b);
  return counts.map((n, i) => `${String.fromCharCode(65 + i)}${n === 1 ? "" : n}`).join("");
}

/** Structure metadata (periodic systems). */
export function structureMetadata(atoms: Atoms): z.output<typeof StructureMetadataSchema> {
  const comp = composition(atoms);
  const elements = [...comp.keys()].sort();
  const volume = atoms.volume();
  const masses = atomicMasses;
  let mass = 0;
  for (const z of atoms.numbers) mass += masses[z] ?? 0;
  return {
    nsites: atoms.length,
    elements,
    nelements: elements.length,
    composition: Object.fromEntries([...comp.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    formulaPretty: formulaOf(hill(reduced(comp))),
    formulaAnonymous: anonymous(reduced(comp)),
    chemsys: elements.join("-"),
    volume,
    density: volume > 0 ? (mass / AVOGADRO) / (volume * 1e-24) : 0,
    densityAtomic: volume / Math.max(1, atoms.length),
  };
}

/** Molecule metadata (no periodic direction). */
export function moleculeMetadata(atoms: Atoms): z.output<typeof MoleculeMetadataSchema> {
  const comp = composition(atoms);
  const elements = [...comp.keys()].sort();
  return {
    natoms: atoms.length,
    elements,
    nelements: elements.length,
    composition: Object.fromEntries([...comp.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    formulaPretty: formulaOf(hill(reduced(comp))),
    formulaAlphabetical: [...comp.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${s}${n}`).join(" "),
    chemsys: elements.join("-"),
  };
}

/** `structureMetadata` when any axis is periodic, else `moleculeMetadata` (as quacc). */
export function metadataFor(atoms: Atoms): { structureMetadata?: ReturnType<typeof structureMetadata>; moleculeMetadata?: ReturnType<typeof moleculeMetadata> } {
  return atoms.pbc.some(Boolean) ? { structureMetadata: structureMetadata(atoms) } : { moleculeMetadata: moleculeMetadata(atoms) };
}
