import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { shJoin, shQuote } from "../src/shell-quote.js";
import { compressNodelist, expandNodelist } from "../src/nodelist.js";
import { describePendingReason, normalizeState, outcomeFromSlurm, phaseOf } from "../src/states.js";
import { isTransientSlurmError, parseSbatchParsable, slurmErrorMessage } from "../src/parsers/sbatch.js";
import { parseSqueue, squeueArgv } from "../src/parsers/squeue.js";
import { parseSacct } from "../src/parsers/sacct.js";
import { parseScontrolJob } from "../src/parsers/scontrol.js";
import { parseSlurmOptions } from "../src/options.js";

const NASTY = ["a b", "it's", "$(touch /tmp/pwned)", "`id`", "x\ny", "semi;colon", "back\\slash", "dq\"", "*", "~", "", "-n", "tab\tz", "ünï"];

describe("shQuote", () => {
  it("round-trips nasty values through a real shell without executing them", () => {
    for (const v of NASTY) {
      const out = execFileSync("/bin/sh", ["-c", `printf '%s' ${shQuote(v)}`]).toString();
      expect(out).toBe(v);
    }
    const argv = execFileSync("/bin/sh", ["-c", `for a in ${shJoin(NASTY)}; do printf '[%s]' "$a"; done`]).toString();
    expect(argv).toBe(NASTY.map((v) => `[${v}]`).join(""));
  });
  it("rejects NUL bytes", () => {
    expect(() => shQuote("a\0b")).toThrow(/NUL/);
  });
});

describe("nodelist", () => {
  it("expands ranges, lists, padding and several groups", () => {
    expect(expandNodelist("node[1-3,5]")).toEqual(["node1", "node2", "node3", "node5"]);
    expect(expandNodelist("gpu[01-03],login1")).toEqual(["gpu01", "gpu02", "gpu03", "login1"]);
    expect(expandNodelist("r[1-2]n[1-2]")).toEqual(["r1n1", "r1n2", "r2n1", "r2n2"]);
    expect(expandNodelist("node4")).toEqual(["node4"]);
    expect(expandNodelist("")).toEqual([]);
    expect(expandNodelist("(null)")).toEqual([]);
  });
  it("compresses back", () => {
    expect(compressNodelist(["node1", "node2", "node3", "node5"])).toBe("node[1-3,5]");
    expect(compressNodelist(["gpu01", "gpu02", "login1"])).toBe("gpu[01-02],login1");
    expect(compressNodelist(["node2"])).toBe("node2");
    expect(compressNodelist(["alpha", "node3", "node4"])).toBe("alpha,node[3-4]");
    for (const l of ["node[1-4]", "n[001-010,100]", "a1,b[2-3]"]) expect(compressNodelist(expandNodelist(l))).toBe(l);
  });
  it("reports malformed lists", () => {
    expect(() => expandNodelist("node[1-")).toThrow(/Cannot parse node list/);
    expect(() => expandNodelist("node[3-1]")).toThrow(/descending/);
    expect(() => expandNodelist("node[a]")).toThrow(/bad range/);
  });
});

describe("states", () => {
  it("normalises compact and decorated states", () => {
    expect(normalizeState("CA")).toEqual({ state: "CANCELLED" });
    expect(normalizeState("CANCELLED by 0")).toEqual({ state: "CANCELLED", by: "0" });
    expect(normalizeState("COMPLETED+")).toEqual({ state: "COMPLETED" });
    expect(phaseOf("PENDING")).toBe("pending");
    expect(phaseOf("COMPLETING")).toBe("running");
    expect(phaseOf("TO")).toBe("terminal");
    expect(phaseOf("SOMETHING_NEW")).toBe("running");
  });
  it("keeps terminal states distinct", () => {
    const o = (state: string, extra: object = {}) => outcomeFromSlurm({ jobId: "7", state, ...extra });
    expect(o("TIMEOUT")).toMatchObject({ state: "timed-out", error: { code: "TIMEOUT", schedulerState: "TIMEOUT" } });
    expect(o("OUT_OF_MEMORY")).toMatchObject({ state: "failed", error: { schedulerState: "OUT_OF_MEMORY", retryable: false } });
    expect(o("NODE_FAIL")).toMatchObject({ state: "lost", error: { schedulerState: "NODE_FAIL", retryable: true } });
    expect(o("PREEMPTED")).toMatchObject({ state: "lost", error: { retryable: true } });
    expect(o("BOOT_FAIL")).toMatchObject({ state: "lost", error: { retryable: true } });
    expect(o("DEADLINE")).toMatchObject({ state: "timed-out", error: { schedulerState: "DEADLINE" } });
    const c = o("CANCELLED by 1000");
    expect(c).toMatchObject({ state: "cancelled", error: { code: "CANCELLED", details: { cancelledBy: "1000" } } });
    expect(c.state !== "completed" && c.error.message).toMatch(/by uid 1000/);
    const f = o("FAILED", { exitCode: "3:0" });
    expect(f).toMatchObject({ state: "failed", error: { exitCode: 3 } });
    expect(f.state !== "completed" && f.error.message).toMatch(/exit code 3/);
  });
  it("describes pending reasons", () => {
    expect(describePendingReason("Resources")).toMatch(/nodes/);
    expect(describePendingReason("(Priority)")).toMatch(/^Priority/);
    expect(describePendingReason("Weird")).toBe("Weird");
  });
});

describe("sbatch output", () => {
  it("parses --parsable with and without cluster and warnings", () => {
    expect(parseSbatchParsable("42\n")).toEqual({ jobId: "42" });
    expect(parseSbatchParsable("42;cluster1\n")).toEqual({ jobId: "42", cluster: "cluster1" });
    expect(parseSbatchParsable("sbatch: warning: something\n1234\n")).toEqual({ jobId: "1234" });
    expect(() => parseSbatchParsable("garbage")).toThrow(LatticeworkError);
  });
  it("classifies transient controller errors", () => {
    expect(isTransientSlurmError("sbatch: error: Batch job submission failed: Socket timed out on send/recv operation")).toBe(true);
    expect(isTransientSlurmError("sbatch: error: Slurm temporarily unable to accept job, sleeping and retrying")).toBe(true);
    expect(isTransientSlurmError("sbatch: error: Batch job submission failed: Resource temporarily unavailable")).toBe(true);
    expect(isTransientSlurmError("sbatch: error: Batch job submission failed: Invalid partition name specified")).toBe(false);
    expect(slurmErrorMessage("sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n")).toMatch(/Invalid account/);
  });
});

describe("squeue/sacct/scontrol parsing", () => {
  it("builds one squeue call for all jobs", () => {
    const argv = squeueArgv();
    expect(argv).toContain("--me");
    expect(argv).toContain("--states=all");
  });
  it("parses rows, keeping separators inside names", () => {
    const rows = parseSqueue("12|PENDING|Resources||lw.hpc.a|b\n13|RUNNING|None|node[1-2]|x\nwarning line\n");
    expect(rows).toEqual([
      { jobId: "12", state: "PENDING", reason: "Resources", nodes: "", name: "lw.hpc.a|b" },
      { jobId: "13", state: "RUNNING", reason: "None", nodes: "node[1-2]", name: "x" },
    ]);
  });
  it("parses sacct rows and drops steps", () => {
    expect(parseSacct("5|TIMEOUT|0:0|None|node1\n5.batch|CANCELLED|0:15||node1\n")).toEqual([{ jobId: "5", state: "TIMEOUT", exitCode: "0:0", reason: "None", nodes: "node1" }]);
  });
  it("parses scontrol key=value, values with spaces", () => {
    const [j] = parseScontrolJob("JobId=9 JobName=a b UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 NodeList=node1");
    expect(j).toMatchObject({ JobId: "9", JobName: "a b", JobState: "FAILED", ExitCode: "1:0", NodeList: "node1" });
    expect(parseScontrolJob("slurm_load_jobs error: Invalid job id specified")).toEqual([]);
  });
});

describe("options", () => {
  it("reports every mistake at once, prefixed", () => {
    try {
      parseSlurmOptions({ partition: "a b", account: "$(x)", pollMs: -1, bogus: 1, pilot: { minBlocks: 3, maxBlocks: 1 }, environment: { "1BAD": "x" } });
      expect.unreachable();
    } catch (e) {
      expect(LatticeworkError.is(e, "CONFIG_INVALID")).toBe(true);
      const msg = (e as Error).message;
      expect(msg).toMatch(/^\[slurm\]/);
      for (const k of ["partition", "account", "pollMs", "bogus", "environment"]) expect(msg).toContain(k);
    }
  });
  it("requires remote.workRoot with ssh", () => {
    expect(() => parseSlurmOptions({ ssh: { host: "h", username: "u" } })).toThrow(/remote\.workRoot/);
  });
  it("fills defaults", () => {
    const o = parseSlurmOptions({});
    expect(o.mode).toBe("per-job");
    expect(o.pilot.maxBlocks).toBe(1);
    expect(o.commands.sbatch).toBe("sbatch");
  });
});
