import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, FIXTURES, json, REPO, tempDir } from "./helpers.js";

const example = (file: string, name: string) => `${join(REPO, "packages/cli/test/fixtures/demo-examples", file)}#${name}`;

/** Independent check for example 3: sum the LJ pair energy over every fcc lattice point directly. */
function directLatticeSum(nn: number, cutoff: number): { energy: number; neighbours: number; shells: number } {
  const a = nn * Math.SQRT2;
  const n = Math.ceil(cutoff / a) + 1;
  let energy = 0;
  let neighbours = 0;
  const radii = new Set<number>();
  for (let i = -2 * n; i <= 2 * n; i++)
    for (let j = -2 * n; j <= 2 * n; j++)
      for (let k = -2 * n; k <= 2 * n; k++) {
        if ((i + j + k) % 2 !== 0) continue; // fcc = even-sum points of a simple cubic grid of a/2
        const r = (a / 2) * Math.hypot(i, j, k);
        if (r === 0 || r > cutoff + 1e-12) continue;
        energy += 0.5 * 4 * (r ** -12 - r ** -6);
        neighbours++;
        radii.add(i * i + j * j + k * k);
      }
  return { energy, neighbours, shells: radii.size };
}

describe("latticework run (real processes, local executor, SQLite store)", () => {
  it("runs example 01 (job 2 consumes job 1's output); runs/show/logs see it", async () => {
    const dir = tempDir();
    const r = await cli(["run", example("01-serial.ts", "relaxThenStatic"), "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r);
    expect(out.state).toBe("completed");
    expect(out.failures).toEqual([]);
    // The equilateral LJ trimer: three pairs at the pair minimum, E = -3 epsilon.
    expect(Math.abs(out.output.energy + 3)).toBeLessThan(1e-9);
    expect(out.output.fmax).toBeLessThan(1e-6);
    expect(out.output.natoms).toBe(3);
    expect(out.output.energy).toBeCloseTo(out.output.relaxedEnergy, 12);

    const runs = json(await cli(["runs", "--json"], { cwd: dir }));
    expect(runs.map((x: { runId: string }) => x.runId)).toContain(out.runId);
    expect(runs[0]).toMatchObject({ runId: out.runId, state: "completed", name: "demo.relax-then-static" });

    const show = json(await cli(["show", out.runId, "--json"], { cwd: dir }));
    expect(show).toMatchObject({ runId: out.runId, state: "completed" });
    expect(show.jobs.map((j: { name: string }) => j.name)).toEqual(["demo.lj.relax", "demo.lj.static"]);
    for (const j of show.jobs) expect(j).toMatchObject({ state: "completed", attempts: 1, executor: "local" });
    const relaxPath = show.jobs[0].callPath;
    expect(show.jobs[1].inputsFrom.map((e: { callPath: string }) => e.callPath)).toContain(relaxPath);

    const human = await cli(["show", out.runId], { cwd: dir });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("demo.relax-then-static");
    expect(human.stdout).toMatch(/├─ .*completed/);
    expect(human.stdout).toContain(`\u2190 ${relaxPath}`);

    const logs = await cli(["logs", out.runId, "demo.lj.relax"], { cwd: dir });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/==> .* attempt 1 completed stdout/);
    expect(logs.stdout).toMatch(/relaxed 3 atoms in \d+ steps: E = -3\.0000000000/);
    expect(logs.stdout).not.toContain("static: 3 atoms");
    const missing = await cli(["logs", out.runId, "nope*"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No job in run .* matches "nope\*"/);
  });

  it("example 02: when one relaxation fails the other completes; exit code 1", async () => {
    const dir = tempDir();
    const r = await cli(["run", example("02-parallel.ts", "twoRelaxations"), "--set", "fail=dimer", "--json"], { cwd: dir });
    expect(r.code).toBe(1);
    const out = json(r);
    expect(out.state).toBe("failed");
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0].callPath).toContain("dimer");
    expect(out.failures[0].error.message).toMatch(/did not converge in 1 steps/);
    const show = json(await cli(["show", out.runId, "--json"], { cwd: dir }));
    const byPath = Object.fromEntries(show.jobs.map((j: { callPath: string; state: string }) => [j.callPath, j.state]));
    expect(Object.entries(byPath).find(([p]) => p.includes("tetramer"))?.[1]).toBe("completed");
    expect(Object.entries(byPath).find(([p]) => p.includes("dimer") && !p.includes("tetramer"))?.[1]).toBe("failed");
    // Human output names the failed job and where its stderr is.
    const human = await cli(["run", example("02-parallel.ts", "twoRelaxations"), "--set", "fail=tetramer"], { cwd: dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/1 failed job:/);
    expect(human.stdout).toMatch(/tetramer.*demo\.lj\.relax, attempt 1.*failed: .*did not converge/);
    expect(human.stdout).toMatch(/latticework show /);
  });

  it("example 03: the number of jobs is decided at run time; the sum matches a direct lattice sum", async () => {
    const dir = tempDir();
    const r = await cli(["run", example("03-dynamic.ts", "fanOut"), "--set", "cutoff=2.6", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r);
    const direct = directLatticeSum(2 ** (1 / 6), 2.6);
    expect(out.output.shells).toBe(direct.shells);
    expect(out.output.neighbours).toBe(direct.neighbours);
    expect(Math.abs(out.output.energyPerAtom - direct.energy)).toBeLessThan(1e-12 * Math.abs(direct.energy));
    const show = json(await cli(["show", out.runId, "--json"], { cwd: dir }));
    expect(show.jobs.filter((j: { name: string }) => j.name === "demo.fcc.shell-energy")).toHaveLength(direct.shells);
  });

  it("show: sub-flows are nested trees with their own jobs", async () => {
    const dir = tempDir();
    const r = await cli(["run", `${FIXTURES}#withSubflow`, "--set", `file=${join(dir, "marks")}`, "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).output).toEqual({ outer: "outer", inner: ["OK", "F"] });
    const show = json(await cli(["show", json(r).runId, "--json"], { cwd: dir }));
    expect(show.jobs.map((j: { name: string }) => j.name)).toEqual(["test.mark"]);
    expect(show.subflows).toHaveLength(1);
    expect(show.subflows[0]).toMatchObject({ name: "test.flaky", state: "completed", parentRunId: show.runId });
    expect(show.subflows[0].jobs.map((j: { name: string }) => j.name).sort()).toEqual(["test.fail-unless", "test.mark"]);
    const human = await cli(["show", json(r).runId], { cwd: dir });
    expect(human.stdout).toMatch(/sub-flow \S+ {2}test\.flaky {2}completed/);
    expect(human.stdout).toMatch(/\u2502 {2}\u251c\u2500 |\u2514\u2500 /);
    // logs covers sub-flow jobs too
    const logs = await cli(["logs", json(r).runId, "test.fail-unless"], { cwd: dir });
    expect(logs.stdout).toMatch(/==> .*test\.fail-unless/);
    const bad = await cli(["runs", "--limit", "0", "--state", "done"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--limit "0" must be a positive whole number\. --state "done" is not a state/);
  });

  it("builds the input from --input and --set (dotted keys, JSON values)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "in.json"), JSON.stringify({ a: 1, nested: { keep: true, n: 0 } }));
    const r = await cli(
      ["run", `${FIXTURES}#group.inner.echo`, "--input", "in.json", "--set", "nested.n=2.5", "--set", "name=Cu", "--set", "list=[1,2]", "--set", "s=\"7\"", "--json"],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).output).toEqual({ a: 1, nested: { keep: true, n: 2.5 }, name: "Cu", list: [1, 2], s: "7" });
  });

  it("rejects bad input before running anything, listing every field", async () => {
    const dir = tempDir();
    const r = await cli(["run", `${FIXTURES}#strict`, "--set", "count=1.5"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INPUT_INVALID/);
    expect(r.stderr).toMatch(/- count: /);
    expect(r.stderr).toMatch(/- label: /);
    const runs = await cli(["runs", "--json"], { cwd: dir });
    expect(json(runs)).toEqual([]);
    const badSet = await cli(["run", `${FIXTURES}#echo`, "--set", "novalue"], { cwd: dir });
    expect(badSet.code).toBe(2);
    expect(badSet.stderr).toMatch(/--set "novalue": expected key=value/);
  });

  it("explains bad targets: missing file, missing export, no #export, unknown executor", async () => {
    const dir = tempDir();
    const missing = await cli(["run", "./nowhere/flows.ts#relax"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot find target file .*nowhere\/flows\.ts/);
    const noExport = await cli(["run", `${FIXTURES}#relaxx`], { cwd: dir });
    expect(noExport.code).toBe(2);
    expect(noExport.stderr).toMatch(/flows\.ts has no export "relaxx"; it has: chain, echo, failUnless, flaky, group, mark, strict, withSubflow\./);
    const noHash = await cli(["run", "relax"], { cwd: dir });
    expect(noHash.code).toBe(2);
    expect(noHash.stderr).toMatch(/has no "#<export>" part/);
    const pkg = await cli(["run", "@latticework/not-installed#x"], { cwd: dir });
    expect(pkg.code).toBe(2);
    expect(pkg.stderr).toMatch(/Cannot find package "@latticework\/not-installed"/);
    const ex = await cli(["run", `${FIXTURES}#echo`, "--executor", "hpc"], { cwd: dir });
    expect(ex.code).toBe(2);
    expect(ex.stderr).toMatch(/--executor "hpc" is not defined\. Defined executors: local/);
    const usage = await cli(["run"], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'target'/);
  });

  it("reports every config mistake at once, with paths and the file name", async () => {
    const dir = tempDir();
    const file = join(dir, "latticework.config.json");
    writeFileSync(
      file,
      JSON.stringify({
        storre: { dir: "x" },
        executors: {
          local: { adapter: "@latticework/adapter-local", options: { workers: 0 } },
          hpc: { adapter: "@latticework/adapter-missing", options: {} },
        },
        defaultExecutor: "cluster",
        rules: [{ job: "emt.*", executor: "gpu" }],
      }),
    );
    const r = await cli(["run", `${FIXTURES}#echo`], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`[config] ${file} has 5 problems`);
    expect(r.stderr).toMatch(/\(root\): .*storre/);
    expect(r.stderr).toMatch(/executors\.local\.options\.workers: /);
    expect(r.stderr).toMatch(/executors\.hpc\.adapter: Cannot find package "@latticework\/adapter-missing"/);
    expect(r.stderr).toMatch(/defaultExecutor: unknown executor "cluster"/);
    expect(r.stderr).toMatch(/rules\.0\.executor: unknown executor "gpu"/);
  });

  it("uses named flows, the store dir and executors from the config", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "latticework.config.json"),
      JSON.stringify({
        store: { dir: "state" },
        executors: { fast: { adapter: "@latticework/adapter-local", options: { workers: 1 } } },
        defaultExecutor: "fast",
        flows: { hello: `${FIXTURES}#echo` },
      }),
    );
    const r = await cli(["run", "hello", "--set", "x=1", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r);
    expect(out.output).toEqual({ x: 1 });
    const show = json(await cli(["show", out.runId, "--json", "--store", join(dir, "state")], { cwd: tempDir() }));
    expect(show.jobs[0].executor).toBe("fast");
    const notFound = await cli(["show", "no-such-run"], { cwd: dir });
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toMatch(/RUN_NOT_FOUND.*No run "no-such-run" in the store at .*state/);
  });
});
