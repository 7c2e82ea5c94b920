/**
 * LAMMPS and Quantum ESPRESSO recipes on the real testbed through adapter-slurm's per-job executor:
 * each job gets a 2-node allocation, adapter-mpi (a worker plugin) builds the mpirun host list from
 * SLURM_JOB_NODELIST, and the result equals a 1-rank local run of the same input.
 * adapter-slurm is loaded dynamically: recipes never import an adapter.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createRuntime, defineFlow, SqliteRunStore, type Job, type Runtime } from "@latticework/core";
import { bulk } from "../src/build/bulk.js";
import { lammps } from "../src/engines/lammps.js";
import { qe } from "../src/engines/qe.js";
import type { RecipeOutput } from "../src/jobs/output-schema.js";
import { maxAbsDiff, runEngineJob } from "./engines-helpers.js";

const slurmUp = (() => {
  if (!process.env.SLURM_CONF) return false;
  try {
    execFileSync("sinfo", ["-h"], { stdio: "pipe", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();
if (!slurmUp && process.env.CI === "true") throw new Error("CI=true but the SLURM testbed is not up: run `bash testbed/up.sh && source testbed/env.sh` first");
if (!slurmUp) console.warn("[recipes] LAMMPS/QE-through-SLURM tests skipped: run `bash testbed/up.sh && source testbed/env.sh` first (as root)");

// Testbed-only MPI transport settings (emulated nodes share one host), passed per call, never adapter defaults.
const TESTBED_MPI_ENV = { OMPI_MCA_btl: "tcp,self", OMPI_MCA_btl_tcp_if_include: "lo", OMPI_MCA_oob_tcp_if_include: "lo", OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" };

describe.runIf(slurmUp)("LAMMPS and QE recipes through per-job SLURM, 2 ranks on 2 nodes", () => {
  let rt: Runtime;
  beforeAll(async () => {
    const { SlurmExecutor } = await import("@latticework/adapter-slurm");
    const dir = mkdtempSync(join(tmpdir(), "lw-engines-slurm-"));
    rt = createRuntime({
      store: new SqliteRunStore({ dir: join(dir, "store") }),
      executors: { hpc: new SlurmExecutor({ pollMs: 500 }, "hpc") },
      defaultExecutor: "hpc",
      workRoot: join(dir, "work"),
      workerPlugins: ["@latticework/adapter-mpi"],
    });
  });
  afterAll(async () => {
    await rt?.close();
  });

  /** Run one engine job on the SLURM executor with a 2-node, 2-rank allocation. */
  async function onTwoNodes(job: Job, input: Record<string, unknown>): Promise<{ output: RecipeOutput; workdir: string }> {
    const flow = defineFlow({
      name: `test.${job.name}-slurm`,
      input: z.object({}),
      async run(_, f) {
        return f.run(job, input, { resources: { nodes: 2, ranksPerNode: 1, ranks: 2 }, env: TESTBED_MPI_ENV });
      },
    });
    const res = await rt.run(flow, {});
    expect(res.state, JSON.stringify(res.failures).slice(0, 2000)).toBe("completed");
    const attempts = await rt.store.listAttempts(res.runId);
    return { output: res.output as RecipeOutput, workdir: attempts[0]!.workdir! };
  }

  it("lammps.static: same energy and forces as a local 1-rank run; the hostfile lists both nodes", { timeout: 300_000 }, async () => {
    const atoms = bulk("Cu", { cubic: true }).repeat([3, 3, 3]);
    atoms.rattle(0.05, 3);
    const local = await runEngineJob("lammps", "lammps.static", { atoms: atoms.toJSON() });
    const { output, workdir } = await onTwoNodes(lammps.static, { atoms: atoms.toJSON() });
    expect(output.results.energy).toBeCloseTo(local.output.results.energy, 8);
    expect(maxAbsDiff(output.results.forces.flat(), local.output.results.forces.flat())).toBeLessThan(1e-8);
    expect((output.parameters as { ranks: number }).ranks).toBe(2);
    const hosts = readFileSync(join(workdir, "lmp.hostfile"), "utf8").trim().split("\n");
    expect(hosts).toHaveLength(2);
    expect(new Set(hosts.map((h) => h.split(" ")[0])).size).toBe(2);
  });

  it("qe.static (Si, pw.x): same energy as a local 1-rank run", { timeout: 300_000 }, async () => {
    const input = { atoms: bulk("Si", { a: 5.43 }).toJSON(), ecutwfc: 18, kpts: [2, 2, 2], smearing: null };
    const local = await runEngineJob("qe", "qe.static", input);
    expect(local.outcome.state, JSON.stringify(local.outcome).slice(0, 1500)).toBe("completed");
    const { output, workdir } = await onTwoNodes(qe.static, input);
    expect(Math.abs(output.results.energy - local.output.results.energy)).toBeLessThan(1e-5);
    expect(readFileSync(join(workdir, "pw.out"), "utf8")).toMatch(/running on\s+2 processors/);
  });
});
