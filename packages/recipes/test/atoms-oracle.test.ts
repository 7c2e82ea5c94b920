/** Atoms helpers vs ASE 3.22 on fresh random structures: formula, volume, masses, mic distances, repeat, scaled positions, wrap, center. */
import { describe, expect, it } from "vitest";
import type { Atoms } from "../src/atoms/atoms.js";
import { oracleAtoms, requireOracle, runOracle } from "./oracle/oracle.js";
import { prng, randomStructure, RUN_SEED } from "./oracle/structures.js";

const enabled = requireOracle("atoms-oracle");

interface Ops {
  formula: string; formula_reduce: string; formula_metal: string; volume: number; masses: number[]; distances_mic: number[][];
  repeat_positions?: number[][]; repeat_cell?: number[][]; repeat_error?: string; scaled?: number[][]; wrapped?: number[][];
  center_positions: number[][]; center_cell: number[][]; center2_positions: number[][]; center2_cell: number[][];
}

const maxDiff = (a: number[][], b: number[][]): number => Math.max(0, ...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i]![k]!))));

describe.runIf(enabled)(`Atoms vs ASE (seed ${RUN_SEED})`, { timeout: 120_000 }, () => {
  it("formula, volume, masses, mic distances, repeat, scaled positions, wrap, center", async () => {
    const rand = prng(RUN_SEED + 7);
    const systems: { atoms: Atoms; label: string }[] = (["alloy", "slab", "thin", "skewed", "light", "cluster", "wire"] as const).map((k) => ({ atoms: randomStructure(k, rand), label: k }));
    const refs = await runOracle<Ops>(systems.map(({ atoms }) => ({ kind: "atoms_ops", atoms: oracleAtoms(atoms), repeat: [2, 1, 3], vacuum: 4.0 })));
    refs.forEach((ref, n) => {
      const { atoms, label } = systems[n]!;
      expect(atoms.formula(), label).toBe(ref.formula);
      expect(atoms.formula("reduce"), label).toBe(ref.formula_reduce);
      expect(atoms.formula("metal"), label).toBe(ref.formula_metal);
      expect(atoms.volume(), label).toBeCloseTo(ref.volume, 9);
      expect(Array.from(atoms.masses()), label).toEqual(ref.masses);
      const d = ref.distances_mic.map((row, i) => row.map((_, j) => atoms.distance(i, j, true)));
      expect(maxDiff(d, ref.distances_mic), `${label} mic distances`).toBeLessThan(1e-9);
      if (ref.repeat_error) {
        expect(() => atoms.repeat([2, 1, 3]), label).toThrow(/zero cell vector/);
      } else {
        const rep = atoms.repeat([2, 1, 3]);
        expect(maxDiff(rep.getPositions(), ref.repeat_positions!), `${label} repeat`).toBeLessThan(1e-12);
        expect(maxDiff(rep.getCell(), ref.repeat_cell!), `${label} repeat cell`).toBeLessThan(1e-12);
      }
      if (ref.scaled) {
        expect(maxDiff(atoms.getScaledPositions(), ref.scaled), `${label} scaled`).toBeLessThan(1e-9);
        const w = atoms.clone();
        w.wrap();
        expect(maxDiff(w.getPositions(), ref.wrapped!), `${label} wrap`).toBeLessThan(1e-9);
      }
      const c = atoms.clone();
      c.center(4.0);
      expect(maxDiff(c.getPositions(), ref.center_positions), `${label} center`).toBeLessThan(1e-9);
      expect(maxDiff(c.getCell(), ref.center_cell), `${label} center cell`).toBeLessThan(1e-9);
      const c2 = atoms.clone();
      c2.center(3.0, 2);
      expect(maxDiff(c2.getPositions(), ref.center2_positions), `${label} center axis 2`).toBeLessThan(1e-9);
      expect(maxDiff(c2.getCell(), ref.center2_cell), `${label} center axis 2 cell`).toBeLessThan(1e-9);
    });
  });
});
