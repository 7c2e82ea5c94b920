import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SqliteRunStore, createRuntime, workerNodeArgs } from "@latticework/core";
import { SlurmExecutor } from "../src/slurm-executor.js";
import { scratch, testbedAvailable } from "./helpers.js";

const enabled = testbedAvailable();
const CHILD = fileURLToPath(new URL("./fixtures/orchestrator.ts", import.meta.url));

describe.runIf(enabled)("fault: SIGKILL of the orchestrator, then resume", () => {
  it("re-attaches to the running SLURM job; nothing is resubmitted", async () => {
    const storeDir = scratch("lw restart");
    const child = spawn(process.execPath, [...workerNodeArgs(), CHILD, storeDir], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (d: Buffer) => {
        buf += d.toString();
        const m = /SUBMITTED (\S+) (\S+)/.exec(buf);
        if (m) resolve(m[0]);
      });
      child.on("exit", (c) => reject(new Error(`orchestrator exited early (${c})`)));
    });
    // Let the store record the attempt's native id (writes are batched per tick).
    await new Promise((r) => setTimeout(r, 1500));
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const [, runId] = line.split(" ");
    const hpc = new SlurmExecutor({ pollMs: 500 }, "hpc");
    const rt = createRuntime({ store: new SqliteRunStore({ dir: storeDir }), executors: { hpc }, defaultExecutor: "hpc", workRoot: `${storeDir}/work` });
    const res = await rt.resume(runId!);
    expect(res.state).toBe("completed");
    expect(res.output).toEqual({ slept: 8 });
    expect(hpc.commands.sbatchCalls).toBe(0);
    await rt.close();
  }, 120_000);
});
