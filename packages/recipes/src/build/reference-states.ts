/**
 * Reference crystal structures and lattice constants used by {@link bulk} when no structure or lattice
 * constant is given. Published data as tabulated by ASE 3.22.1 (`ase.data.reference_states`), limited
 * to the structures this package can build (fcc, bcc, hcp, diamond, simple cubic).
 */

/** A reference state: structure, lattice constant a (Angstrom) and, for hcp, c/a. */
export interface ReferenceState {
  structure: "fcc" | "bcc" | "hcp" | "diamond" | "sc";
  a: number;
  covera?: number;
}

/** Reference states by chemical symbol. */
export const referenceStates: Readonly<Record<string, ReferenceState>> = {
  Li: { structure: "bcc", a: 3.49 },
  Be: { structure: "hcp", a: 2.29, covera: 1.567 },
  C: { structure: "diamond", a: 3.57 },
  Ne: { structure: "fcc", a: 4.43 },
  Na: { structure: "bcc", a: 4.23 },
  Mg: { structure: "hcp", a: 3.21, covera: 1.624 },
  Al: { structure: "fcc", a: 4.05 },
  Si: { structure: "diamond", a: 5.43 },
  Ar: { structure: "fcc", a: 5.26 },
  K: { structure: "bcc", a: 5.23 },
  Ca: { structure: "fcc", a: 5.58 },
  Sc: { structure: "hcp", a: 3.31, covera: 1.594 },
  Ti: { structure: "hcp", a: 2.95, covera: 1.588 },
  V: { structure: "bcc", a: 3.02 },
  Cr: { structure: "bcc", a: 2.88 },
  Fe: { structure: "bcc", a: 2.87 },
  Co: { structure: "hcp", a: 2.51, covera: 1.622 },
  Ni: { structure: "fcc", a: 3.52 },
  Cu: { structure: "fcc", a: 3.61 },
  Zn: { structure: "hcp", a: 2.66, covera: 1.856 },
  Ge: { structure: "diamond", a: 5.66 },
  Kr: { structure: "fcc", a: 5.72 },
  Rb: { structure: "bcc", a: 5.59 },
  Sr: { structure: "fcc", a: 6.08 },
  Y: { structure: "hcp", a: 3.65, covera: 1.571 },
  Zr: { structure: "hcp", a: 3.23, covera: 1.593 },
  Nb: { structure: "bcc", a: 3.3 },
  Mo: { structure: "bcc", a: 3.15 },
  Tc: { structure: "hcp", a: 2.74, covera: 1.604 },
  Ru: { structure: "hcp", a: 2.7, covera: 1.584 },
  Rh: { structure: "fcc", a: 3.8 },
  Pd: { structure: "fcc", a: 3.89 },
  Ag: { structure: "fcc", a: 4.09 },
  Cd: { structure: "hcp", a: 2.98, covera: 1.886 },
  Xe: { structure: "fcc", a: 6.2 },
  Cs: { structure: "bcc", a: 6.05 },
  Ba: { structure: "bcc", a: 5.02 },
  La: { structure: "hcp", a: 3.75, covera: 1.619 },
  Ce: { structure: "fcc", a: 5.16 },
  Pr: { structure: "hcp", a: 3.67, covera: 1.614 },
  Nd: { structure: "hcp", a: 3.66, covera: 1.614 },
  Eu: { structure: "bcc", a: 4.61 },
  Gd: { structure: "hcp", a: 3.64, covera: 1.588 },
  Tb: { structure: "hcp", a: 3.6, covera: 1.581 },
  Dy: { structure: "hcp", a: 3.59, covera: 1.573 },
  Ho: { structure: "hcp", a: 3.58, covera: 1.57 },
  Er: { structure: "hcp", a: 3.56, covera: 1.57 },
  Tm: { structure: "hcp", a: 3.54, covera: 1.57 },
  Yb: { structure: "fcc", a: 5.49 },
  Lu: { structure: "hcp", a: 3.51, covera: 1.585 },
  Hf: { structure: "hcp", a: 3.2, covera: 1.582 },
  Ta: { structure: "bcc", a: 3.31 },
  W: { structure: "bcc", a: 3.16 },
  Re: { structure: "hcp", a: 2.76, covera: 1.615 },
  Os: { structure: "hcp", a: 2.74, covera: 1.579 },
  Ir: { structure: "fcc", a: 3.84 },
  Pt: { structure: "fcc", a: 3.92 },
  Au: { structure: "fcc", a: 4.08 },
  Tl: { structure: "hcp", a: 3.46, covera: 1.599 },
  Pb: { structure: "fcc", a: 4.95 },
  Po: { structure: "sc", a: 3.35 },
  Ac: { structure: "fcc", a: 5.31 },
  Th: { structure: "fcc", a: 5.08 },
};
