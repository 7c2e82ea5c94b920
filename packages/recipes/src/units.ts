/**
 * Physical units and constants, ASE conventions: energies in eV, lengths in Angstrom, forces in
 * eV/Angstrom, stress in eV/Angstrom^3. Values are CODATA 2014, as ASE uses them.
 */

/** Bohr radius in Angstrom (CODATA 2014, as in ASE). */
export const Bohr = 0.5291772105638411;
/** One gigapascal in eV/Angstrom^3. */
export const GPa = 0.006241509125883258;
/** One eV/Angstrom^3 in GPa. */
export const eVPerA3InGPa = 1 / GPa;
/** Convert a stress or pressure in eV/Angstrom^3 to GPa. */
export function toGPa(x: number): number {
  return x / GPa;
}
/** Convert a stress or pressure in GPa to eV/Angstrom^3. */
export function fromGPa(x: number): number {
  return x * GPa;
}
/** One joule per square metre in eV/Angstrom^2. */
export const JPerM2 = 0.06241509074460763;
