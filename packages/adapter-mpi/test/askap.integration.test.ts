/**
 * The ASKAP failure mode (issue 5, section 5): 50 concurrent sub-flows, each running a 2-node MPI
 * task, inside SLURM pilots, on ONE runtime (one store, one executor, one pilot block of 4 nodes
 * shared by all sub-flows). Zero infrastructure errors: every beam completes, on 2 distinct nodes.
 * Takes a few minutes on the 2-core testbed (2 MPI tasks at a time).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, MemoryRunStore } from "@latticework/core";
import { describe, expect, it } from "vitest";
import { askap } from "./fixtures/askap-flow.js";
import { buildMpiPrograms } from "./fixtures/mpi-programs.js";
import { runMpiTests, runSlurmTests } from "./testbed.js";

const BEAMS = Number(process.env.LW_ASKAP_BEAMS ?? 50);

describe.skipIf(!runSlurmTests || !runMpiTests)("ASKAP-style flow on pilots (testbed)", () => {
  it(`${BEAMS} concurrent sub-flows, each a 2-node MPI task, zero infrastructure errors`, { timeout: 900_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), "lw-askap-"));
    const { hello } = buildMpiPrograms(join(root, "bin"));
    const { SlurmPilotExecutor } = await import("@latticework/adapter-slurm");
    const pilot = new SlurmPilotExecutor(
      { pollMs: 500, pilot: { nodesPerBlock: 4, maxBlocks: 1, walltimeSeconds: 1800, idleTimeoutSeconds: 30, drainSeconds: 30, heartbeatSeconds: 1, heartbeatTimeoutSeconds: 60 } },
      "askap-pilot",
    );
    const rt = createRuntime({ store: new MemoryRunStore(), executors: { pilot }, workRoot: join(root, "work"), workerPlugins: ["@latticework/adapter-mpi"] });
    try {
      const res = await rt.run(askap, { program: hello, beams: BEAMS });
      expect(res.state, JSON.stringify(res).slice(0, 3000)).toBe("completed");
      const beams = (res.output as { beams: { beam: number; ok: boolean; hosts: string[] }[] }).beams;
      expect(beams).toHaveLength(BEAMS);
      expect(beams.filter((b) => !b.ok)).toEqual([]);
      expect(beams.every((b) => new Set(b.hosts).size === 2)).toBe(true);
      expect(pilot.blocksSubmitted).toBe(1);
    } finally {
      await rt.close();
    }
  });
});
