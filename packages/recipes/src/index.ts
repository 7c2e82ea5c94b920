export { AtomsSchema } from "./atoms/atoms-schema.js";
export type { AtomsJSON, AtomsJSONInput } from "./atoms/atoms-schema.js";
export { Atoms, parseSymbols, toCell } from "./atoms/atoms.js";
export type { AtomsInit, CellInput, FormulaMode, Pbc, Vec3 } from "./atoms/atoms.js";
export { atomicMasses, atomicNumber, chemicalSymbol, chemicalSymbols, covalentRadii } from "./atoms/elements.js";
export { completeCell, cross3, det3, dot3, inv3, matmul3, norm3, row3, transpose3 } from "./atoms/linalg3.js";
export type { Mat3 } from "./atoms/linalg3.js";
