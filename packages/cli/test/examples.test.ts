import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, json, REPO, tempDir } from "./helpers.js";

// The examples in examples/ are what users copy: each runs here through the built CLI, on the
// local executor and a fresh SQLite store, and is checked against ASE's numbers (SPEC 2.4-2.5, 4.6).
const example = (file: string, name: string) => `${join(REPO, "examples", file)}#${name}`;

describe("examples/ (real recipes through the CLI)", () => {
  it("01-serial: EMT cell relaxation of Cu, then static on the relaxed cell", async () => {
    const dir = tempDir();
    const r = await cli(["run", example("01-serial.ts", "relaxThenStatic"), "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r);
    expect(out.state).toBe("completed");
    // FrechetCellFilter + BFGS from a = 3.61: 2 steps, E = -0.007036318158828 eV, a = 3.589599120336 A
    expect(Math.abs(out.output.results.energy - -0.007036318158828436)).toBeLessThan(1e-9);
    expect(Math.abs(Math.cbrt(4 * out.output.structureMetadata.volume) - 3.589599120336)).toBeLessThan(1e-6);
    const show = json(await cli(["show", out.runId, "--json"], { cwd: dir }));
    expect(show.jobs.map((j: { name: string }) => j.name)).toEqual(["emt.relax", "emt.static"]);
  });

  it("02-parallel: two independent relaxations; with failOne the other still completes", async () => {
    const dir = tempDir();
    const ok = await cli(["run", example("02-parallel.ts", "twoRelaxations"), "--json"], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    const out = json(ok);
    expect(out.output.n2.nsteps).toBe(3);
    expect(Math.abs(out.output.n2.results.energy - 0.2627779771747114)).toBeLessThan(1e-9);

    const bad = await cli(["run", example("02-parallel.ts", "twoRelaxations"), "--set", "failOne=true", "--json"], { cwd: dir });
    expect(bad.code).toBe(1);
    const failed = json(bad);
    expect(failed.state).toBe("failed");
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0].error.message).toMatch(/No EMT-potential for U/);
    const show = json(await cli(["show", failed.runId, "--json"], { cwd: dir }));
    const cu = show.jobs.find((j: { callPath: string }) => j.callPath.includes("cu-bulk"));
    expect(cu.state).toBe("completed");
  });

  it("03-dynamic (the README's main command): Cu slabs, surface-energy table", async () => {
    const dir = tempDir();
    const human = await cli(["run", example("03-dynamic.ts", "bulkToSlabs"), "--no-progress"], { cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/miller\s+atoms\s+E relaxed \(eV\)\s+gamma \(eV\/A\^2\)\s+gamma \(J\/m\^2\)/);
    // SPEC 4.6: relaxed energies of quacc's max_index=1 Cu slabs
    for (const e of ["11.206300", "14.134421", "12.748511", "10.894242"]) expect(human.stdout).toContain(e);
    const runs = json(await cli(["runs", "--json"], { cwd: dir }));
    expect(runs[0].state).toBe("completed");
  });
});
