import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, FIXTURES, json, tempDir } from "./helpers.js";

describe("latticework slurm script", () => {
  it("prints the batch script for a job with the configured executor's options, without submitting", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "latticework.config.json"),
      JSON.stringify({ executors: { hpc: { adapter: "@latticework/adapter-slurm", options: { partition: "debug", account: "chem42" } } } }),
    );
    const r = await cli(["slurm", "script", `${FIXTURES}#echo`, "--set", "x=1"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith("#!/bin/bash\n")).toBe(true);
    expect(r.stdout).toMatch(/^#SBATCH .*debug/m);
    expect(r.stdout).toMatch(/^#SBATCH .*chem42/m);
    // the worker of this installation, not a placeholder
    expect(r.stdout).toMatch(/packages\/core\/dist\/worker\/main\.js /);
    // Nothing was run or recorded.
    expect(json(await cli(["runs", "--json"], { cwd: dir }))).toEqual([]);
  });

  it("explains a flow target, an unknown executor and a bad input", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "latticework.config.json"), JSON.stringify({ executors: { hpc: { adapter: "@latticework/adapter-slurm", options: { partition: "debug" } } } }));
    const flow = await cli(["slurm", "script", `${FIXTURES}#chain`], { cwd: dir });
    expect(flow.code).toBe(2);
    expect(flow.stderr).toMatch(/is a flow \("test\.chain"\); a batch script is made per job/);
    const ex = await cli(["slurm", "script", `${FIXTURES}#echo`, "--executor", "gpu"], { cwd: dir });
    expect(ex.code).toBe(2);
    expect(ex.stderr).toMatch(/--executor "gpu" is not defined.*SLURM executors: hpc/);
    const bad = await cli(["slurm", "script", `${FIXTURES}#strict`, "--set", "count=x"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/- count: /);
    expect(bad.stderr).toMatch(/- label: /);
  });
});

describe("--structure", () => {
  it("reads a structure file into the input's atoms key through @latticework/recipes", async () => {
    const dir = tempDir();
    // extended XYZ: a Cu dimer in a box
    writeFileSync(
      join(dir, "Cu2.xyz"),
      '2\nLattice="10.0 0.0 0.0 0.0 10.0 0.0 0.0 0.0 10.0" Properties=species:S:1:pos:R:3 pbc="T T T"\nCu 0.0 0.0 0.0\nCu 1.8 0.0 0.0\n',
    );
    const r = await cli(["run", `${FIXTURES}#echo`, "--structure", "Cu2.xyz", "--set", "fmax=0.1", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r).output;
    expect(out.fmax).toBe(0.1);
    expect(out.atoms.numbers).toEqual([29, 29]);
    expect(out.atoms.positions[1][0]).toBeCloseTo(1.8, 12);
    const other = await cli(["run", `${FIXTURES}#echo`, "--structure", "Cu2.xyz", "--structure-key", "bulk.atoms", "--json"], { cwd: dir });
    expect(json(other).output.bulk.atoms.numbers).toEqual([29, 29]);
    // A package target (resolved from the cwd) taking Atoms JSON: the structure must arrive as plain JSON.
    const emt = await cli(["run", "@latticework/recipes#emt.static", "--structure", "Cu2.xyz", "--json"], { cwd: dir });
    expect(emt.code, emt.stderr).toBe(0);
    expect(json(emt).output.atoms.numbers).toEqual([29, 29]);
    const missing = await cli(["run", `${FIXTURES}#echo`, "--structure", "nope.cif"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.cif/);
  });
});
