import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alive, BIN, cli, FIXTURES, json, lines, REPO, startCli, tempDir, waitFor } from "./helpers.js";

describe("cancel, resume, retry (real processes)", () => {
  it("`cancel` from a second process stops a run in flight; the run ends cancelled with exit code 1", async () => {
    const dir = tempDir();
    const marks = join(dir, "marks.txt");
    const started = join(dir, "started.txt");
    const input = { file: marks, gate: join(dir, "never-opened"), startedFile: started };
    writeFileSync(join(dir, "in.json"), JSON.stringify(input));
    const run = startCli(["run", `${FIXTURES}#chain`, "--input", "in.json", "--run-id", "run-to-cancel", "--json"], { cwd: dir });
    await waitFor(() => lines(started).length > 0, "job B to start", undefined, run);
    const c = await cli(["cancel", "run-to-cancel", "--wait", "120"], { cwd: dir });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/Cancel requested for run run-to-cancel \(orchestrator pid \d+/);
    expect(c.stdout).toMatch(/ended: cancelled/);
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(json(r).state).toBe("cancelled");
    expect(lines(marks)).toEqual(["A"]);
    const again = await cli(["cancel", "run-to-cancel"], { cwd: dir });
    expect(again.stdout).toMatch(/already ended \(cancelled\)/);
  });

  it("Ctrl-C (SIGINT) cancels the run: recorded as cancelled, exit code 1, resumable", async () => {
    const dir = tempDir();
    const marks = join(dir, "marks.txt");
    const started = join(dir, "started.txt");
    const gate = join(dir, "gate");
    writeFileSync(join(dir, "in.json"), JSON.stringify({ file: marks, gate, startedFile: started }));
    const run = startCli(["run", `${FIXTURES}#chain`, "--input", "in.json", "--run-id", "interrupted", "--json"], { cwd: dir });
    const jobPid = Number(await waitFor(() => lines(started)[0], "job B to start", undefined, run));
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(json(r).state).toBe("cancelled");
    expect(r.stderr).toMatch(/SIGINT: cancelling the run/);
    await waitFor(() => !alive(jobPid), `job B's process ${jobPid} to be killed`, 60_000);
    writeFileSync(gate, "open");
    const resumed = await cli(["resume", "interrupted", "--json"], { cwd: dir });
    expect(resumed.code, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
    expect(lines(marks).sort()).toEqual(["A", "B", "C"]);
  });

  it("SIGKILL of the orchestrator mid-flow, then `resume`: every job's side effect happens exactly once", async () => {
    const dir = tempDir();
    const marks = join(dir, "marks.txt");
    const started = join(dir, "started.txt");
    const gate = join(dir, "gate");
    writeFileSync(join(dir, "in.json"), JSON.stringify({ file: marks, gate, startedFile: started }));
    const run = startCli(["run", `${FIXTURES}#chain`, "--input", "in.json", "--run-id", "crashy", "--json"], { cwd: dir });
    const jobPid = Number(await waitFor(() => lines(started)[0], "job B to start", undefined, run));
    run.child.kill("SIGKILL");
    const killed = await run.done;
    expect(killed.signal).toBe("SIGKILL");
    // The job B process belonged to the dead orchestrator; it must not live on and finish B behind our back.
    await waitFor(() => !alive(jobPid), `job B's process ${jobPid} to exit after its orchestrator was killed`, 60_000);
    expect(lines(marks)).toEqual(["A"]);
    const before = json(await cli(["show", "crashy", "--json"], { cwd: dir }));
    expect(before.state).not.toBe("completed");

    writeFileSync(gate, "open");
    const resumed = await cli(["resume", "crashy", "--json"], { cwd: dir });
    expect(resumed.code, `${resumed.stderr}\n${resumed.stdout}`).toBe(0);
    const out = json(resumed);
    expect(out).toMatchObject({ runId: "crashy", state: "completed", output: { last: "C" } });
    expect(lines(marks).sort()).toEqual(["A", "B", "C"]);
    const show = json(await cli(["show", "crashy", "--json"], { cwd: dir }));
    expect(show.state).toBe("completed");
    expect(show.jobs.map((j: { state: string }) => j.state)).toEqual(["completed", "completed", "completed"]);
  });

  it("`cancel` of a run whose orchestrator died marks it cancelled directly", async () => {
    const dir = tempDir();
    const started = join(dir, "started.txt");
    writeFileSync(join(dir, "in.json"), JSON.stringify({ file: join(dir, "marks"), gate: join(dir, "gate"), startedFile: started }));
    const run = startCli(["run", `${FIXTURES}#chain`, "--input", "in.json", "--run-id", "orphan", "--json"], { cwd: dir });
    await waitFor(() => lines(started)[0], "job B to start", undefined, run);
    run.child.kill("SIGKILL");
    await run.done;
    const c = await cli(["cancel", "orphan"], { cwd: dir });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/had no live orchestrator; marked cancelled/);
    const show = json(await cli(["show", "orphan", "--json"], { cwd: dir }));
    expect(show.state).toBe("cancelled");
    expect(show.error.message).toMatch(/latticework resume orphan/);
  });

  it("`retry` re-runs only the failed job of a finished run", async () => {
    const dir = tempDir();
    const marks = join(dir, "marks.txt");
    const okFile = join(dir, "ok");
    const first = await cli(["run", `${FIXTURES}#flaky`, "--set", `file=${marks}`, "--set", `okFile=${okFile}`, "--run-id", "flaky-1", "--json"], { cwd: dir });
    expect(first.code).toBe(1);
    expect(json(first).failures[0].error.message).toMatch(/not yet/);
    expect(lines(marks)).toEqual(["OK"]);
    const logs = await cli(["logs", "flaky-1", "test.fail-unless", "--stream", "stderr"], { cwd: dir });
    expect(logs.stdout).toMatch(/failing on purpose/);
    writeFileSync(okFile, "");
    const retried = await cli(["retry", "flaky-1", "--json"], { cwd: dir });
    expect(retried.code, `${retried.stderr}\n${retried.stdout}`).toBe(0);
    expect(json(retried).output).toEqual({ tags: ["OK", "F"] });
    expect(lines(marks).sort()).toEqual(["F", "OK"]);
    const show = json(await cli(["show", "flaky-1", "--json"], { cwd: dir }));
    const flakyJob = show.jobs.find((j: { name: string }) => j.name === "test.fail-unless");
    expect(flakyJob.attempts).toBeGreaterThanOrEqual(2);
    const runs = json(await cli(["runs", "--json", "--state", "completed"], { cwd: dir }));
    expect(runs.map((r: { runId: string }) => r.runId)).toEqual(["flaky-1"]);
  });
});

describe("progress display on a real pseudo-terminal", () => {
  function inPty(command: string, env: Record<string, string>): string {
    // util-linux `script` gives the CLI a real pty; stty sets a size so lines are not cut at 20 columns.
    const r = spawnSync("script", ["-qfec", `stty cols 120 rows 40; ${command}`, "/dev/null"], {
      encoding: "utf8",
      env: { ...process.env, TERM: "xterm-256color", ...env },
      timeout: 120_000,
    });
    if (r.error) throw r.error;
    return r.stdout;
  }

  it("redraws in place with per-job counts, colours unless NO_COLOR", () => {
    const dir = tempDir();
    const cmd = `cd ${dir} && ${process.execPath} ${BIN} run ${join(REPO, "packages/cli/test/fixtures/demo-examples/03-dynamic.ts")}#fanOut`;
    const colour = inPty(cmd, {});
    expect(colour).toContain("\u001b[?25l"); // cursor hidden while live
    expect(colour).toMatch(/\u001b\[\d+F\u001b\[0J/); // moved up and cleared: redraw in place
    expect(colour).toMatch(/demo\.fcc\.shell-energy\s+\S+ \d+\/\d+/);
    expect(colour).toContain("\u001b[32m"); // green for completed
    expect(colour).toContain("\u001b[?25h"); // cursor restored
    // eslint-disable-next-line no-control-regex
    expect(colour.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")).toMatch(/\u2713 run \S+ completed/);

    const plain = inPty(cmd, { NO_COLOR: "1" });
    expect(plain).toMatch(/\u001b\[\d+F\u001b\[0J/);
    expect(plain).not.toMatch(/\u001b\[3\dm/);
    expect(plain).toMatch(/demo\.fcc\.shell-energy/);
  });
});

describe("help", () => {
  it("lists every command", async () => {
    const r = await cli(["--help"], { cwd: tempDir() });
    expect(r.code).toBe(0);
    for (const c of ["run", "runs", "show", "logs", "cancel", "resume", "retry", "slurm"]) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    expect(readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
  });
});
