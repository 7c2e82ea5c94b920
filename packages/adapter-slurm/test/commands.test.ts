import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TransportError, type ExecOptions, type ExecResult } from "@latticework/core";
import { SlurmCommands, SubmitRejectedError } from "../src/slurm-commands.js";
import { parseSlurmOptions } from "../src/options.js";
import type { SlurmTransport } from "../src/transports/slurm-transport.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/** A scripted fake transport (error paths only; the real thing is tested on the testbed). */
function fake(script: (argv: readonly string[]) => ExecResult | Error): SlurmTransport & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    id: "fake", connectionCount: 0, commandCount: 0, calls,
    async exec(argv: readonly string[], _o?: ExecOptions) {
      calls.push([...argv]);
      const r = script(argv);
      if (r instanceof Error) throw r;
      return r;
    },
    async writeFile() {}, async readFile() { return undefined; }, async mkdirp() {}, async close() {},
    async list() { return []; }, async rename() { return true; }, async remove() {},
  };
}

const opts = parseSlurmOptions({ commandRetries: 4, commandRetryBaseMs: 1 });

describe("SlurmCommands", () => {
  it("retries 'Socket timed out' and 'Resource temporarily unavailable' without failing the job", async () => {
    let n = 0;
    const t = fake((argv) => {
      if (argv[0] === "squeue") return { stdout: "", stderr: "", exitCode: 0 };
      n++;
      if (n === 1) return { stdout: "", stderr: "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation", exitCode: 1 };
      if (n === 2) return { stdout: "", stderr: "sbatch: error: Batch job submission failed: Resource temporarily unavailable", exitCode: 1 };
      return { stdout: "77\n", stderr: "", exitCode: 0 };
    });
    expect(await new SlurmCommands(t, opts).sbatch("/s", "/d", "lw.x.t1")).toBe("77");
    // Before each resubmission the tag was looked up in squeue.
    expect(t.calls.filter((c) => c[0] === "squeue")).toHaveLength(2);
  });

  it("adopts a job accepted before the connection dropped instead of submitting again", async () => {
    let sbatches = 0;
    const t = fake((argv) => {
      if (argv[0] === "sbatch") {
        sbatches++;
        return new TransportError("TRANSPORT_ERROR", "connection closed while running sbatch", { details: { ambiguous: true } });
      }
      return { stdout: "91|PENDING|Priority||lw.x.t2\n", stderr: "", exitCode: 0 };
    });
    expect(await new SlurmCommands(t, opts).sbatch("/s", "/d", "lw.x.t2")).toBe("91");
    expect(sbatches).toBe(1);
  });

  it("surfaces sbatch's own message for a bad partition, once (recorded from the testbed)", async () => {
    const stderr = fixture("sbatch-invalid-partition.stderr").replace(/exit=.*\n?/, "");
    const t = fake(() => ({ stdout: "", stderr, exitCode: 1 }));
    await expect(new SlurmCommands(t, opts).sbatch("/s", "/d", "n")).rejects.toSatisfy((e: unknown) => e instanceof SubmitRejectedError && /Invalid partition name specified/.test((e as Error).message));
    expect(t.calls).toHaveLength(1);
  });

  it("gives up on a controller that stays unreachable, with the last error", async () => {
    const t = fake(() => ({ stdout: "", stderr: "squeue: error: Unable to contact slurm controller (connect failure)", exitCode: 1 }));
    await expect(new SlurmCommands(t, opts).squeue()).rejects.toThrow(/Unable to contact slurm controller/);
    expect(t.calls).toHaveLength(5);
  });

  it("detects that sacct is off (recorded message) and stops asking", async () => {
    const stderr = fixture("sacct-failed.stderr").replace(/exit=.*\n?/, "");
    const t = fake(() => ({ stdout: "", stderr, exitCode: 1 }));
    const c = new SlurmCommands(t, opts);
    expect(await c.sacct("5")).toBeUndefined();
    expect(await c.sacct("6")).toBeUndefined();
    expect(t.calls).toHaveLength(1);
  });
});
