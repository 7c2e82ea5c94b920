import { describe, expect, it } from "vitest";
import { createRuntime, inProcessExecutor, MemoryRunStore, LatticeworkError } from "@latticework/core";
import { bulk } from "../src/build/bulk.js";
import { molecule } from "../src/build/molecule.js";
import { emt, lj } from "../src/jobs/emt.js";
import { RecipeOutputSchema } from "../src/jobs/output-schema.js";
import { fitEos } from "../src/flows/eos-fit.js";

function runtime() {
  return createRuntime({ store: new MemoryRunStore(), executors: { local: inProcessExecutor() } });
}

// Reference numbers: shared/science/SPEC.md sections 2.1-2.4 (ASE 3.22.1).
describe("emt.static", () => {
  it("bulk Cu (a = 3.61): energy, tensile stress, structure metadata, schema", async () => {
    const rt = runtime();
    const res = await rt.run(emt.static, { atoms: bulk("Cu").toJSON() });
    await rt.close();
    expect(res.state).toBe("completed");
    const out = RecipeOutputSchema.parse(res.output);
    expect(out.name).toBe("EMT Static");
    expect(Math.abs(out.results.energy - -0.005681511358588409)).toBeLessThan(1e-12);
    expect(out.results.stress![0]).toBeGreaterThan(0.013);
    expect(out.results.stress![0]).toBeLessThan(0.0142);
    expect(out.parameters).toEqual({ asap_cutoff: false });
    expect(out.structureMetadata?.formulaPretty).toBe("Cu");
    expect(out.structureMetadata?.nsites).toBe(1);
    expect(out.structureMetadata!.density).toBeGreaterThan(8.9);
    expect(out.structureMetadata!.density).toBeLessThan(9.0);
    expect(out.inputAtoms.atoms).toEqual(out.atoms);
  });

  it("rejects an unsupported element with a clear job failure", async () => {
    const rt = runtime();
    const atoms = bulk("Cu").toJSON();
    atoms.numbers = [92];
    const res = await rt.run(emt.static, { atoms });
    await rt.close();
    expect(res.state).toBe("failed");
    expect(res.failures[0]!.error.message).toMatch(/U/);
  });

  it("rejects input that fails the schema before running, naming the field", async () => {
    const rt = runtime();
    const bad = rt.run(emt.static, { atoms: { numbers: [29], positions: [[0, 0]] } });
    await expect(bad).rejects.toMatchObject({ code: "INPUT_INVALID" });
    await expect(bad).rejects.toThrow(/atoms\.positions\.0/);
    await rt.close();
  });
});

describe("emt.relax", () => {
  it("N2 with BFGS: 3 steps, ASE's final energy (SPEC 2.4)", async () => {
    const rt = runtime();
    const res = await rt.run(emt.relax, { atoms: molecule("N2").toJSON() });
    await rt.close();
    expect(res.state).toBe("completed");
    const out = RecipeOutputSchema.parse(res.output);
    expect(out.name).toBe("EMT Relax");
    expect(out.converged).toBe(true);
    expect(out.nsteps).toBe(3);
    expect(Math.abs(out.results.energy - 0.2627779771747114)).toBeLessThan(1e-6);
    expect(out.moleculeMetadata?.formulaPretty).toBe("N2");
    expect(out.trajectory!.nframes).toBe(out.nsteps! + 1);
    expect(out.trajectory!.energies[0]!).toBeGreaterThan(out.trajectory!.energies.at(-1)!);
    expect(out.parametersOpt).toMatchObject({ optimizer: "BFGS", fmax: 0.01, max_steps: 1000 });
  });

  it("relaxCell on bulk Cu converges towards the EMT lattice constant (SPEC 2.5)", async () => {
    const rt = runtime();
    const res = await rt.run(emt.relax, { atoms: bulk("Cu").toJSON(), relaxCell: true });
    await rt.close();
    expect(res.state).toBe("completed");
    const out = RecipeOutputSchema.parse(res.output);
    const v = out.structureMetadata!.volume;
    const a = Math.cbrt(4 * v);
    expect(Math.abs(a - 3.5898)).toBeLessThan(2e-3);
    expect(out.results.energy).toBeLessThan(-0.00703);
  });

  it("non-convergence raises by default and is reported with checkConvergence: false", async () => {
    const rt = runtime();
    const atoms = bulk("Cu", { cubic: true }).repeat([2, 2, 2]);
    atoms.rattle(0.1, 7);
    const failed = await rt.run(emt.relax, { atoms: atoms.toJSON(), maxSteps: 2 });
    const kept = await rt.run(emt.relax, { atoms: atoms.toJSON(), maxSteps: 2, checkConvergence: false });
    await rt.close();
    expect(failed.state).toBe("failed");
    expect(failed.failures[0]!.error.message).toMatch(/did not converge/);
    expect(kept.state).toBe("completed");
    const out = RecipeOutputSchema.parse(kept.output);
    expect(out.converged).toBe(false);
    expect(out.nsteps).toBe(2);
  });
});

describe("lj jobs", () => {
  it("lj.static and lj.relax run with ASE's default parameters", async () => {
    const rt = runtime();
    const atoms = { numbers: [18, 18], positions: [[0, 0, 0], [0, 0, 1.2]] as [number, number, number][] };
    const s = await rt.run(lj.static, { atoms });
    const r = await rt.run(lj.relax, { atoms, fmax: 1e-4 });
    await rt.close();
    expect(s.state).toBe("completed");
    expect(r.state).toBe("completed");
    const out = RecipeOutputSchema.parse(r.output);
    const [p0, p1] = out.atoms.positions;
    const d = Math.hypot(p1![0] - p0![0], p1![1] - p0![1], p1![2] - p0![2]);
    expect(Math.abs(d - 2 ** (1 / 6))).toBeLessThan(1e-3);
    expect(out.parameters).toMatchObject({ epsilon: 1, sigma: 1 });
  });
});

describe("fitEos", () => {
  // SPEC 2.3: Cu EOS5 raw data and ASE's 'sj' fit.
  const V = [10.083990555593743, 10.901228964996092, 11.76147025, 12.665817048441397, 13.61537199815625];
  const E = [0.09275210422885749, 0.010682896789262486, -0.005681511358588409, 0.03045765838701442, 0.1079237571171845];
  it("sj reproduces ASE's v0, e0 and B", () => {
    const f = fitEos(V, E, "sj");
    expect(Math.abs(f.v0 - 11.5664985120302)).toBeLessThan(1e-8);
    expect(Math.abs(f.e0 - -0.0069780671522043924)).toBeLessThan(1e-10);
    expect(Math.abs(f.BGPa - 133.73761792833164)).toBeLessThan(1e-6);
  });
  it("birchmurnaghan is close to the exact EMT values (a0 3.5898, B 134.5 GPa)", () => {
    const f = fitEos(V, E);
    expect(Math.abs(Math.cbrt(4 * f.v0) - 3.5898)).toBeLessThan(5e-4);
    expect(Math.abs(f.BGPa - 134.48)).toBeLessThan(3);
    expect(f.Bp).toBeGreaterThan(3);
    expect(f.Bp).toBeLessThan(8);
  });
  it("refuses data without a minimum", () => {
    expect(() => fitEos([1, 2, 3, 4], [4, 3, 2, 1])).toThrow(LatticeworkError);
  });
});
