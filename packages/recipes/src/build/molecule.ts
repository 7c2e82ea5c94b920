import { Atoms } from "../atoms/atoms.js";

interface MoleculeData {
  symbols: string[];
  positions: [number, number, number][];
  magmoms?: number[];
}

/**
 * G2 geometries (Angstrom) of the small molecules the recipes need, as published in the G2-1 test set
 * and tabulated by ASE (`ase.collections.g2`).
 */
const G2: Readonly<Record<string, MoleculeData>> = {
  N2: { symbols: ["N", "N"], positions: [[0, 0, 0.56499], [0, 0, -0.56499]] },
  H2: { symbols: ["H", "H"], positions: [[0, 0, 0.368583], [0, 0, -0.368583]] },
  O2: { symbols: ["O", "O"], positions: [[0, 0, 0.622978], [0, 0, -0.622978]], magmoms: [1, 1] },
  CO: { symbols: ["O", "C"], positions: [[0, 0, 0.493003], [0, 0, -0.657337]] },
  H2O: { symbols: ["O", "H", "H"], positions: [[0, 0, 0.119262], [0, 0.763239, -0.477047], [0, -0.763239, -0.477047]] },
  NH3: {
    symbols: ["N", "H", "H", "H"],
    positions: [[0, 0, 0.116489], [0, 0.939731, -0.271808], [0.813831, -0.469865, -0.271808], [-0.813831, -0.469865, -0.271808]],
  },
  CH4: {
    symbols: ["C", "H", "H", "H", "H"],
    positions: [[0, 0, 0], [0.629118, 0.629118, 0.629118], [-0.629118, -0.629118, 0.629118], [0.629118, -0.629118, -0.629118], [-0.629118, 0.629118, -0.629118]],
  },
};

/** Names accepted by {@link molecule}. */
export const moleculeNames: readonly string[] = Object.keys(G2);

/**
 * A small molecule with its G2 geometry, like ASE's `molecule(name)`: no cell, pbc off, same atom
 * order and positions. Optional `vacuum` centres it in a box with that much space on every side.
 * O2's initial magnetic moments (1, 1) are kept in `info.initialMagmoms`.
 *
 * @example
 * ```ts
 * const n2 = molecule("N2"); // N at z = +/-0.56499
 * ```
 */
export function molecule(name: string, options: { vacuum?: number } = {}): Atoms {
  const d = G2[name];
  if (d === undefined) throw new RangeError(`[molecule] unknown molecule "${name}": available are ${moleculeNames.join(", ")}`);
  const atoms = Atoms.fromSymbols(d.symbols, d.positions, { pbc: false, info: d.magmoms ? { initialMagmoms: [...d.magmoms] } : {} });
  if (options.vacuum !== undefined) atoms.center(options.vacuum);
  return atoms;
}
