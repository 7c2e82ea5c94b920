import { describe, it } from "vitest";
import { testExecutor } from "@latticework/testing";
import { SlurmExecutor } from "../src/slurm-executor.js";
import { SlurmPilotExecutor } from "../src/pilot/pilot-executor.js";
import { scratch, testbedAvailable } from "./helpers.js";

// The shared conformance suite, on the real testbed (local transport). Time-outs are enforced by
// the runtime shell (capabilities.timeouts is false: SLURM's own walltime is tested separately).
if (testbedAvailable()) {
  testExecutor("slurm per-job (testbed)", () => new SlurmExecutor({ pollMs: 500, maxPollMs: 2000 }, "conf-perjob"), { caseTimeoutMs: 120_000, workRoot: scratch("lw conf") });
  testExecutor(
    "slurm pilot (testbed)",
    () => new SlurmPilotExecutor({ pollMs: 500, pilot: { nodesPerBlock: 2, maxBlocks: 1, idleTimeoutSeconds: 20, heartbeatSeconds: 1 } }, "conf-pilot"),
    { caseTimeoutMs: 90_000, workRoot: scratch("lw confp") },
  );
} else {
  describe("executor conformance on the SLURM testbed", () => {
    it.skip("needs the testbed: bash testbed/up.sh && source testbed/env.sh", () => {});
  });
}
