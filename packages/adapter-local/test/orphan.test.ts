import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { waitForExit } from "@latticework/testing";

describe("local pool: orchestrator killed with SIGKILL", () => {
  it("its workers and the programs their jobs started die with it", async () => {
    const script = fileURLToPath(new URL("./fixtures/orchestrator.ts", import.meta.url));
    const orch = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
    const pids = await new Promise<{ worker: number; program: number }>((resolve, reject) => {
      let buf = "";
      orch.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        const line = buf.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve(JSON.parse(line) as { worker: number; program: number });
      });
      orch.once("exit", (code) => reject(new Error(`orchestrator exited early (${code})`)));
    });
    orch.kill("SIGKILL");
    expect(await waitForExit(pids.worker, 10_000), `worker ${pids.worker} gone`).toBe(true);
    expect(await waitForExit(pids.program, 10_000), `program ${pids.program} gone`).toBe(true);
  });
});
