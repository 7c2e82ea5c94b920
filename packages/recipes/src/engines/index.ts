export { lammps, lammpsInput, lammpsPotentialLines, runLammps, LammpsParamsShape, DEFAULT_LAMMPS_POTENTIAL_DIRS } from "./lammps.js";
export type { LammpsRelax } from "./lammps.js";
export { lammpsData, lammpsPrism, lammpsResults, lammpsSpecies, parseLammpsLog, parseLammpsDump } from "./lammps-io.js";
export type { LammpsPrism, LammpsResults, ThermoBlock } from "./lammps-io.js";
export { qe, resolvePseudopotentials, runPw, QeParamsShape, DEFAULT_PSEUDO_DIRS } from "./qe.js";
export { pwInput, parsePwOutput, Hartree, Rydberg, QeBohr } from "./qe-io.js";
export type { PwInput, PwResults } from "./qe-io.js";
export { findDataFile } from "./files.js";
