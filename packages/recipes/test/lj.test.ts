import { describe, expect, it } from "vitest";
import { Atoms } from "../src/atoms/atoms.js";
import { LennardJones } from "../src/calculators/lennard-jones.js";
import { oracleAtoms, requireOracle, runOracle } from "./oracle/oracle.js";
import { fccCubic, prng, RUN_SEED } from "./oracle/structures.js";

const enabled = requireOracle("lj");

function argonLike(rand: () => number, pbc: boolean): Atoms {
  const a = fccCubic("Ar", 5.26).repeat([2, 2, 2]);
  a.pbc = [pbc, pbc, pbc];
  if (!pbc) a.cell.fill(0);
  for (let i = 0; i < a.positions.length; i++) a.positions[i]! += 0.15 * (rand() - 0.5);
  return a;
}

describe("LennardJones", () => {
  it("dimer at the minimum 2^(1/6) sigma has energy -eps (+ shift) and zero force", () => {
    const r0 = 2 ** (1 / 6);
    const r = new LennardJones().calculate(Atoms.fromSymbols("Ar2", [[0, 0, 0], [0, 0, r0]]));
    const e0 = 4 * (3 ** -12 - 3 ** -6);
    expect(r.energy).toBeCloseTo(-1 - e0, 12);
    expect(Math.abs(r.forces[2]!)).toBeLessThan(1e-12);
  });
  it("has ASE's defaults", () => {
    expect(new LennardJones().parameters).toEqual({ epsilon: 1, sigma: 1, rc: 3, ro: 1.98, smooth: false });
    expect(new LennardJones({ sigma: 3.4, epsilon: 0.0104 }).parameters.rc).toBeCloseTo(10.2, 12);
  });
  it("rejects bad options, listing every problem", () => {
    expect(() => new LennardJones({ sigma: -1, rc: 0 })).toThrow(/\[lj\] invalid options[\s\S]*sigma[\s\S]*rc/);
    expect(() => new LennardJones({ rc: 2, ro: 3 })).toThrow(/ro[\s\S]*smaller than rc/);
  });
  it("forces are minus the energy gradient (smooth cut-off)", () => {
    const rand = prng(RUN_SEED);
    const a = argonLike(rand, true);
    const opts = { sigma: 3.4, epsilon: 0.0104, rc: 8.0, smooth: true };
    const r = new LennardJones(opts).calculate(a);
    const h = 1e-5;
    for (let k = 0; k < 6; k++) {
      const p = a.clone(); p.positions[k]! += h;
      const m = a.clone(); m.positions[k]! -= h;
      const fd = -(new LennardJones(opts).calculate(p).energy - new LennardJones(opts).calculate(m).energy) / (2 * h);
      expect(Math.abs(fd - r.forces[k]!)).toBeLessThan(1e-8);
    }
  });
});

describe.runIf(enabled)(`LennardJones vs ASE (seed ${RUN_SEED})`, { timeout: 180_000 }, () => {
  it("matches energy, forces, per-atom energies and stress, plain and smooth", async () => {
    const rand = prng(RUN_SEED + 1);
    const systems = [argonLike(rand, true), argonLike(rand, false)];
    const calcs = [
      {},
      { sigma: 3.4, epsilon: 0.0104 },
      { sigma: 3.4, epsilon: 0.0104, rc: 7.5, smooth: true },
      { sigma: 3.4, epsilon: 0.0104, rc: 9.0, ro: 6.0, smooth: true },
    ];
    const tasks: unknown[] = [];
    const ours: { atoms: Atoms; opts: Record<string, unknown> }[] = [];
    for (const atoms of systems) for (const opts of calcs) {
      // the default sigma=1 case needs a denser system to have neighbours
      const a = (opts as { sigma?: number }).sigma ? atoms : (() => { const b = atoms.clone(); b.positions.forEach((v, i) => (b.positions[i] = v / 4.2)); b.cell.forEach((v, i) => (b.cell[i] = v / 4.2)); return b; })();
      tasks.push({ kind: "calc", atoms: oracleAtoms(a), calc: { name: "LJ", ...opts } });
      ours.push({ atoms: a, opts });
    }
    const refs = await runOracle<{ energy: number; forces: number[][]; energies: number[]; stress?: number[] }>(tasks);
    refs.forEach((ref, n) => {
      const { atoms, opts } = ours[n]!;
      const r = new LennardJones(opts).calculate(atoms);
      const label = `${JSON.stringify(opts)} pbc=${atoms.pbc[0]}`;
      expect(Math.abs(r.energy - ref.energy), label).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ref.energy)));
      ref.forces.forEach((f, i) => f.forEach((v, k) => expect(Math.abs(v - r.forces[3 * i + k]!), label).toBeLessThanOrEqual(1e-9)));
      ref.energies.forEach((v, i) => expect(Math.abs(v - r.energies[i]!), label).toBeLessThanOrEqual(1e-9));
      if (ref.stress) ref.stress.forEach((v, k) => expect(Math.abs(v - r.stress![k]!), label).toBeLessThanOrEqual(1e-10));
      else expect(r.stress).toBeUndefined();
    });
  });
});
