import type { Atoms } from "../atoms/atoms.js";
import { atomicMasses } from "../atoms/elements.js";
import { anonymousFormula, compositionOf, reducedFormula } from "./formula.js";
import type { z } from "zod";
import type { MoleculeMetadataSchema, StructureMetadataSchema } from "./output-schema.js";

const AVOGADRO = 6.02214076e23;

/** Structure metadata (periodic systems). */
export function structureMetadata(atoms: Atoms): z.output<typeof StructureMetadataSchema> {
  const comp = compositionOf(atoms.numbers);
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
    formulaPretty: reducedFormula(comp),
    formulaAnonymous: anonymousFormula(comp),
    chemsys: elements.join("-"),
    volume,
    density: volume > 0 ? (mass / AVOGADRO) / (volume * 1e-24) : 0,
    densityAtomic: volume / Math.max(1, atoms.length),
  };
}

/** Molecule metadata (no periodic direction). */
export function moleculeMetadata(atoms: Atoms): z.output<typeof MoleculeMetadataSchema> {
  const comp = compositionOf(atoms.numbers);
  const elements = [...comp.keys()].sort();
  return {
    natoms: atoms.length,
    elements,
    nelements: elements.length,
    composition: Object.fromEntries([...comp.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    formulaPretty: reducedFormula(comp),
    formulaAlphabetical: [...comp.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${s}${n}`).join(" "),
    chemsys: elements.join("-"),
  };
}

/** `structureMetadata` when any axis is periodic, else `moleculeMetadata` (as quacc). */
export function metadataFor(atoms: Atoms): { structureMetadata?: ReturnType<typeof structureMetadata>; moleculeMetadata?: ReturnType<typeof moleculeMetadata> } {
  return atoms.pbc.some(Boolean) ? { structureMetadata: structureMetadata(atoms) } : { moleculeMetadata: moleculeMetadata(atoms) };
}
