import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSqueue } from "../src/parsers/squeue.js";
import { parseScontrolJob } from "../src/parsers/scontrol.js";
import { parseSbatchParsable } from "../src/parsers/sbatch.js";
import { expandNodelist } from "../src/nodelist.js";
import { outcomeFromSlurm, phaseOf } from "../src/states.js";
import { renderSlurmScript, renderBatchScript } from "../src/sbatch-script.js";
import { parseSlurmOptions } from "../src/options.js";

const fx = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("parsers on outputs recorded from the testbed's SLURM 22.05", () => {
  it("squeue: pending reasons, running node lists, terminal states, names with spaces", () => {
    const rows = parseSqueue(fx("squeue-after-cancel.txt"));
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(by["lw.rec.cancel me"]).toMatchObject({ state: "CANCELLED" });
    expect(by["lw.rec.pend"]).toMatchObject({ state: "PENDING", reason: "Resources" });
    expect(phaseOf(by["lw.rec.pend"]!.state)).toBe("pending");
    expect(expandNodelist(by["lw.rec.long"]!.nodes)).toEqual(["node1", "node2", "node3", "node4"]);
    expect(by["lw.rec.fail"]).toMatchObject({ state: "FAILED", reason: "NonZeroExitCode" });
  });
  it("scontrol: FAILED with exit code 3 maps to a failed outcome carrying it", () => {
    const [j] = parseScontrolJob(fx("scontrol-failed.txt"));
    expect(j).toMatchObject({ JobState: "FAILED", ExitCode: "3:0", NodeList: "node1", JobName: "lw.rec.fail" });
    expect(outcomeFromSlurm({ jobId: j!.JobId!, state: j!.JobState!, exitCode: j!.ExitCode! })).toMatchObject({ state: "failed", error: { exitCode: 3 } });
    const [c] = parseScontrolJob(fx("scontrol-cancelled.txt"));
    expect(c).toMatchObject({ JobName: "lw.rec.cancel me", JobState: "CANCELLED", WorkDir: "/tmp/rec" });
    expect(parseScontrolJob(fx("scontrol-invalid.txt"))).toEqual([]);
    expect(parseScontrolJob(fx("scontrol-completed.txt"))[0]).toMatchObject({ JobState: "COMPLETED", BatchHost: "node1" });
  });
  it("sbatch --parsable", () => {
    expect(parseSbatchParsable(fx("sbatch-parsable.txt"))).toEqual({ jobId: "1" });
  });
});

describe("script rendering", () => {
  const o = parseSlurmOptions({
    partition: "debug", account: "chem", qos: "normal", constraint: "ib&haswell", reservation: "r1", exclusive: true,
    extraDirectives: ["--gres=gpu:1"], skipDirectives: ["--mem", "-c"], prologue: ["module load openmpi"], epilogue: ["echo done"],
    environment: { OMP_PLACES: "cores", TRICKY: "a'b $(c) `d`\nline2" },
  });
  const script = renderBatchScript({
    jobName: "lw.hpc.t1", resources: { nodes: 2, ranks: 8, ranksPerNode: 4, cpusPerRank: 2, memoryMb: 1000, walltimeSeconds: 3725, gpus: 1 }, options: o,
    workdir: "/scratch/with space/it's", command: ["node", "--import", "file:///x/tsx.mjs", "/w/main.js", "/scratch/with space/it's/spec.json"],
    stdoutPath: "/scratch/with space/it's/slurm.out", stderrPath: "/scratch/with space/100%/err", exitCodePath: "/scratch/with space/it's/exit-code",
  });
  it("renders directives from resources and site options, skipping what the site rejects", () => {
    for (const d of ["--nodes=2", "--ntasks=8", "--ntasks-per-node=4", "--time=0-01:02:05", "--gpus-per-node=1", "--partition=debug", "--account=chem", "--qos=normal", "--reservation=r1", "--exclusive", "--gres=gpu:1"]) {
      expect(script).toContain(`#SBATCH ${d}\n`);
    }
    expect(script).toContain(`#SBATCH --constraint="ib&haswell"\n`);
    expect(script).not.toContain("--mem");
    expect(script).not.toContain("--cpus-per-task");
    expect(script).toContain(`#SBATCH --output="/scratch/with space/it's/slurm.out"`);
    expect(script).toContain(`#SBATCH --error="/scratch/with space/100%%/err"`);
    expect(script.indexOf("module load openmpi")).toBeLessThan(script.indexOf("cd '/scratch"));
    expect(script.trimEnd().endsWith('exit "$lw_status"')).toBe(true);
  });
  it("quotes every user value in the body (bash -n parses it; values survive)", async () => {
    const { execFileSync } = await import("node:child_process");
    execFileSync("bash", ["-n"], { input: script });
    const envLine = script.split("\n").filter((l) => l.startsWith("export TRICKY=") || !l.startsWith("#")).join("\n");
    expect(envLine).toContain("export TRICKY='a'\\''b $(c) `d`");
    const exports = script.slice(script.indexOf("export OMP_PLACES"), script.indexOf("\nnode "));
    const out = execFileSync("bash", ["-c", `${exports}\nprintf '%s' "$TRICKY"`]).toString();
    expect(out).toBe("a'b $(c) `d`\nline2");
  });
  it("renderSlurmScript prints what a job would get, and rejects bad options all at once", () => {
    const s = renderSlurmScript({ job: { name: "emt.relax", resources: { cpus: 4, walltimeSeconds: 600 } }, options: { partition: "debug" }, executorName: "hpc" });
    expect(s).toContain("#SBATCH --cpus-per-task=4");
    expect(s).toContain("#SBATCH --job-name=lw.hpc.preview");
    expect(() => renderSlurmScript({ job: { name: "x" }, options: { partition: "a;b", qos: "$(x)" } })).toThrow(/partition[\s\S]*qos/);
    expect(() => renderSlurmScript({ job: { name: "x" }, options: { extraDirectives: ["--a\n--b"] } })).toThrow(/one line/);
  });
});
