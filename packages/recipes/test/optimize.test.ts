import { describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { Atoms } from "../src/atoms/atoms.js";
import { EMT } from "../src/calculators/emt.js";
import { LennardJones } from "../src/calculators/lennard-jones.js";
import { OptimizationNotConvergedError, optimize } from "../src/optimize/optimize.js";
import { expm, expmFrechet3, symmetricEigen } from "../src/optimize/linalg.js";
import { BFGSStepper } from "../src/optimize/steppers.js";
import { AtomsTarget } from "../src/optimize/target.js";
import { fccCubic, fccPrimitive, quaccTestCell, rattledCu32 } from "./oracle/structures.js";

const n2 = (): Atoms => Atoms.fromSymbols("N2", [[0, 0, 0.56499], [0, 0, -0.56499]]);

describe("optimizers reproduce ASE 3.22 (SPEC 2.4)", () => {
  const cases: { label: string; atoms: () => Atoms; calc: () => EMT; opt: "BFGS" | "FIRE" | "LBFGS"; fmax: number; nsteps: number; energy: number; fixed?: number[] }[] = [
    { label: "rattled Cu32 BFGS", atoms: rattledCu32, calc: () => new EMT(), opt: "BFGS", fmax: 0.01, nsteps: 14, energy: -0.1817134142292467 },
    { label: "rattled Cu32 FIRE", atoms: rattledCu32, calc: () => new EMT(), opt: "FIRE", fmax: 0.01, nsteps: 46, energy: -0.18176075278419468 },
    { label: "rattled Cu32 LBFGS", atoms: rattledCu32, calc: () => new EMT(), opt: "LBFGS", fmax: 0.01, nsteps: 14, energy: -0.18171341422946696 },
    { label: "quacc test cell BFGS", atoms: quaccTestCell, calc: () => new EMT(), opt: "BFGS", fmax: 0.01, nsteps: 12, energy: -0.045446842063466164 },
    { label: "quacc test cell asap BFGS fmax 0.03", atoms: quaccTestCell, calc: () => new EMT({ asapCutoff: true }), opt: "BFGS", fmax: 0.03, nsteps: 11, energy: -0.004774645162752833 },
    { label: "quacc test cell asap FIRE FixAtoms[0,1]", atoms: quaccTestCell, calc: () => new EMT({ asapCutoff: true }), opt: "FIRE", fmax: 0.03, nsteps: 29, energy: 0.04996032884573509, fixed: [0, 1] },
    { label: "N2 BFGS", atoms: n2, calc: () => new EMT(), opt: "BFGS", fmax: 0.01, nsteps: 3, energy: 0.2627779771747114 },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const atoms = c.atoms();
      if (c.fixed) atoms.fixed = c.fixed;
      const before = atoms.clone();
      const r = optimize(atoms, c.calc(), { optimizer: c.opt, fmax: c.fmax });
      expect(r.converged).toBe(true);
      expect(Math.abs(r.nsteps - c.nsteps)).toBeLessThanOrEqual(1);
      expect(Math.abs(r.energies.at(-1)! - c.energy)).toBeLessThanOrEqual(1e-6);
      expect(r.energies.length).toBe(r.nsteps + 1);
      expect(r.fmaxs.at(-1)!).toBeLessThan(c.fmax);
      expect(r.fmaxs.slice(0, -1).every((f) => f >= c.fmax)).toBe(true);
      expect(r.energies[0]!).toBeGreaterThan(r.energies.at(-1)!);
      for (const i of c.fixed ?? []) for (let k = 0; k < 3; k++) expect(atoms.positions[3 * i + k]).toBe(before.positions[3 * i + k]);
    });
  }
  it("N2 bond length after BFGS", () => {
    const a = n2();
    optimize(a, new EMT(), { fmax: 0.01 });
    expect(a.distance(0, 1)).toBeCloseTo(0.9982440305946745, 8);
  });
  it("BFGS parameters as ASE's todict", () => {
    const r = optimize(fccCubic("Cu", 3.61), new EMT(), { fmax: 0.01 });
    expect(r.nsteps).toBe(0);
    expect(r.converged).toBe(true);
    expect(r.parameters).toEqual({ type: "optimization", optimizer: "BFGS", maxstep: 0.2, alpha: 70, fmax: 0.01, max_steps: 1000 });
  });
});

describe("cell relaxation (FrechetCellFilter, SPEC 2.5)", () => {
  it("bulk Cu, BFGS: 2 steps to a = 3.589599120336", () => {
    const a = fccPrimitive("Cu", 3.61);
    const r = optimize(a, new EMT(), { fmax: 0.01, relaxCell: true });
    expect(r.nsteps).toBe(2);
    expect(Math.abs(r.energies.at(-1)! - -0.007036318158828436)).toBeLessThan(1e-9);
    expect(a.cellParameters()[0] * Math.SQRT2).toBeCloseTo(3.589599120336, 9);
  });
  it("bulk Cu, FIRE: 8 steps", () => {
    const a = fccPrimitive("Cu", 3.61);
    const r = optimize(a, new EMT(), { fmax: 0.01, relaxCell: true, optimizer: "FIRE" });
    expect(r.nsteps).toBe(8);
    expect(a.cellParameters()[0] * Math.SQRT2).toBeCloseTo(3.589298013214, 9);
  });
  it("quacc test cell: 12 steps, V = 92.5007245103", () => {
    const a = quaccTestCell();
    const r = optimize(a, new EMT(), { fmax: 0.01, relaxCell: true });
    expect(Math.abs(r.nsteps - 12)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.energies.at(-1)! - -0.056282822264343224)).toBeLessThan(1e-6);
    expect(a.volume()).toBeCloseTo(92.5007245103, 6);
  });
  it("scalar pressure shrinks the cell; hydrostatic strain keeps the shape", () => {
    const a = fccPrimitive("Cu", 3.61);
    optimize(a, new EMT(), { fmax: 0.001, relaxCell: { scalarPressure: 0.01, hydrostaticStrain: true } });
    const [la, lb, lc, al] = a.cellParameters();
    expect(la * Math.SQRT2).toBeLessThan(3.5898);
    expect(lb).toBeCloseTo(la, 10);
    expect(lc).toBeCloseTo(la, 10);
    expect(al).toBeCloseTo(60, 8);
  });
  it("rejects a molecule (no 3-D cell)", () => {
    expect(() => optimize(n2(), new EMT(), { relaxCell: true })).toThrow(/needs a three-dimensional cell/);
  });
});

describe("optimize loop semantics", () => {
  it("reports non-convergence, and throws it on request", () => {
    const r = optimize(rattledCu32(), new EMT(), { fmax: 0.01, maxSteps: 3 });
    expect(r.converged).toBe(false);
    expect(r.nsteps).toBe(3);
    expect(r.energies).toHaveLength(4);
    let err: unknown;
    try { optimize(rattledCu32(), new EMT(), { fmax: 0.01, maxSteps: 3, throwOnNotConverged: true }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OptimizationNotConvergedError);
    expect((err as Error).message).toMatch(/did not converge: BFGS took 3 steps/);
    expect((err as OptimizationNotConvergedError).result.nsteps).toBe(3);
  });
  it("stops between steps when the signal is aborted", () => {
    const ac = new AbortController();
    let err: unknown;
    try {
      optimize(rattledCu32(), new EMT(), { fmax: 0.01, signal: ac.signal, onStep: ({ nsteps }) => { if (nsteps === 2) ac.abort(); } });
    } catch (e) { err = e; }
    expect(LatticeworkError.is(err, "CANCELLED")).toBe(true);
    expect((err as Error).message).toMatch(/cancelled after 2 steps/);
    const done = new AbortController();
    done.abort(new Error("time-out"));
    expect(() => optimize(rattledCu32(), new EMT(), { signal: done.signal })).toThrow(/cancelled before the first step/);
  });
  it("records frames on request", () => {
    const r = optimize(n2(), new EMT(), { fmax: 0.01, recordFrames: true });
    expect(r.frames).toHaveLength(r.nsteps + 1);
    expect(r.frames![0]!.results.energy).toBeCloseTo(0.5487647766267816, 12);
    expect(r.frames!.at(-1)!.results.energy).toBe(r.results.energy);
  });
  it("rejects bad options with every problem listed", () => {
    expect(() => optimize(n2(), new EMT(), { fmax: -1, optimizer: "CG" as never })).toThrow(/\[optimize\] invalid options[\s\S]*optimizer[\s\S]*fmax|\[optimize\] invalid options[\s\S]*fmax[\s\S]*optimizer/);
    expect(() => optimize(n2(), new EMT(), { optimizerOptions: { maxstp: 0.1 } })).toThrow(/invalid BFGS options[\s\S]*maxstp/);
  });
  it("BFGS falls back to |H| eigen-steps when curvature fails (LJ cluster far from equilibrium)", () => {
    const a = fccCubic("Ar", 1.4).repeat([2, 1, 1]);
    a.pbc = [false, false, false];
    a.cell.fill(0);
    a.rattle(0.2, 3);
    const b = a.clone();
    const r = optimize(a, new LennardJones(), { fmax: 0.001, maxSteps: 500 });
    expect(r.converged).toBe(true);
    // drive the stepper by hand to see that the eigen path was taken
    const stepper = new BFGSStepper({ maxstep: 0.2, alpha: 70 });
    const target = new AtomsTarget(b, new LennardJones());
    for (let k = 0; k < r.nsteps; k++) stepper.step(target, target.getForces());
    expect(stepper.eigenSteps).toBeGreaterThan(0);
    expect(target.getEnergy()).toBeCloseTo(r.energies.at(-1)!, 10);
  });
});

describe("linear algebra", () => {
  it("symmetricEigen diagonalises", () => {
    const n = 30;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = Math.cos(i * 3 + j * 5);
    const { values, vectors } = symmetricEigen(A, n);
    for (let c = 0; c < n; c++) for (let r = 0; r < n; r++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[r * n + k]! * vectors[k * n + c]!;
      expect(Math.abs(s - values[c]! * vectors[r * n + c]!)).toBeLessThan(1e-12);
    }
    for (let c = 1; c < n; c++) expect(values[c]!).toBeGreaterThanOrEqual(values[c - 1]!);
  });
  it("expm and its Frechet derivative", () => {
    const rot = expm(Float64Array.of(0, -Math.PI / 2, 0, Math.PI / 2, 0, 0, 0, 0, 0), 3);
    expect(Array.from(rot).map((v) => Math.round(v * 1e12) / 1e12 + 0)).toEqual([0, -1, 0, 1, 0, 0, 0, 0, 1]);
    const A = Float64Array.of(0.1, 0.02, 0, -0.03, 0.05, 0.01, 0, 0.02, -0.04);
    const E = Float64Array.of(0, 1, 0, 0, 0, 0, 0, 0, 0);
    const L = expmFrechet3(A, E);
    const h = 1e-6;
    const p = expm(A.map((v, k) => v + h * E[k]!), 3), m = expm(A.map((v, k) => v - h * E[k]!), 3);
    for (let k = 0; k < 9; k++) expect(Math.abs(L[k]! - (p[k]! - m[k]!) / (2 * h))).toBeLessThan(1e-8);
  });
});
