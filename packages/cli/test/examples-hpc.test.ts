import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bulk, EMT } from "@latticework/recipes";
import { REPO, tempDir } from "./helpers.js";

// examples/04-slurm.ts and 05-mpi.ts need the project's testbed (real slurmctld/slurmd, sshd, OpenMPI,
// LAMMPS). They run here exactly as their headers tell users to run them: `node --import tsx <file> [args]`.
const testbed = process.env.LATTICEWORK_TESTBED === "1" && !!process.env.SLURM_CONF && existsSync(process.env.SLURM_CONF);
if (!testbed && process.env.CI === "true") throw new Error("CI=true but the testbed is not up: run `bash testbed/up.sh && source testbed/env.sh` before the tests");
if (!testbed) console.warn("[cli] examples 04/05 skipped: run `bash testbed/up.sh && source testbed/env.sh` (as root) to enable them");

const TSX = fileURLToPath(import.meta.resolve("tsx/esm"));

function runExample(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, join(REPO, "examples", file), ...args], { cwd: tempDir(), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOME: tempDir() } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same EMT energies computed in this process: SLURM must not change a single bit of physics. */
function localEnergies(): Map<number, number> {
  return new Map([-0.02, -0.01, 0, 0.01, 0.02].map((s) => [s, new EMT().calculate(bulk("Cu", { cubic: true, a: 3.59 * (1 + s) })).energy]));
}

describe.runIf(testbed)("examples/04-slurm.ts and 05-mpi.ts on the testbed", { timeout: 180_000 }, () => {
  for (const args of [[], ["pilot", "ssh"]]) {
    it(`04-slurm ${args.join(" ") || "per-job"}: five strains completed, energies equal a local EMT run, minimum at strain 0`, async () => {
      const r = await runExample("04-slurm.ts", args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.startsWith("completed ")).toBe(true);
      const rows = JSON.parse(r.stdout.slice("completed ".length)) as { strain: number; energy: number }[];
      const ref = localEnergies();
      expect(rows).toHaveLength(5);
      for (const row of rows) expect(Math.abs(row.energy - ref.get(row.strain)!)).toBeLessThan(1e-12);
      expect(rows.reduce((a, b) => (b.energy < a.energy ? b : a)).strain).toBe(0);
    });
  }

  it("05-mpi: LAMMPS on 2 MPI ranks per job, lattice scan minimum at a = 3.61 A, E = -3.5399 eV/atom", async () => {
    const r = await runExample("05-mpi.ts", []);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { points: { a: number; energyPerAtom: number }[]; best: { a: number; energyPerAtom: number } };
    expect(out.points).toHaveLength(5);
    expect(out.best.a).toBe(3.61);
    expect(out.best.energyPerAtom).toBeCloseTo(-3.5399, 4);
  });
});
