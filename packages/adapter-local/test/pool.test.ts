import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTaskSpec, waitFor, waitForExit, isAlive } from "@latticework/testing";
import { local, type LocalExecutor } from "../src/index.js";
import { outputOf, runOn, testContext, workRoot } from "./helpers.js";

type Hold = { start: number; end: number; pid: number };

/** Largest number of intervals open at the same time. */
function maxOverlap(xs: { start: number; end: number }[]): number {
  const points = xs.flatMap((x) => [[x.start, 1] as const, [x.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (open += d));
  return max;
}

describe("local pool: slots, persistence, crashes, output capture", () => {
  let ex: LocalExecutor;
  const ctx = testContext();
  beforeAll(async () => {
    ex = local({ workers: 2, cores: 2, killGraceMs: 300 });
    await ex.start(ctx);
  });
  afterAll(() => ex.dispose());

  it("never runs more cores' worth of jobs than `cores` (1-cpu jobs)", async () => {
    const outs = await Promise.all(Array.from({ length: 6 }, () => runOn(ex, { job: "lw-testing.hold", input: { ms: 150 } })));
    const holds = outs.map((o) => outputOf<Hold>(o));
    expect(maxOverlap(holds)).toBe(2);
  });

  it("a 2-cpu job takes both slots: nothing overlaps it", async () => {
    const small = () => runOn(ex, { job: "lw-testing.hold", input: { ms: 120 } });
    const big = runOn(ex, { job: "lw-testing.hold", input: { ms: 200 }, resources: { cpus: 2 } });
    const outs = await Promise.all([small(), small(), big, small(), small()]);
    const holds = outs.map((o) => outputOf<Hold>(o));
    const b = holds[2]!;
    for (const [i, h] of holds.entries()) if (i !== 2) expect(h.end <= b.start || h.start >= b.end, `task ${i} overlaps the 2-cpu job`).toBe(true);
  });

  it("a job needing more cores than exist fails at once with a clear error", async () => {
    const o = await runOn(ex, { job: "lw-testing.echo", input: { text: "x" }, resources: { cpus: 3 } });
    expect(o.state).toBe("failed");
    if (o.state !== "completed") {
      expect(o.error.code).toBe("RESOURCES_UNAVAILABLE");
      expect(o.error.message).toMatch(/needs 3 cores .* has 2 \(option `cores`\)/);
    }
    const multi = await runOn(ex, { job: "lw-testing.echo", input: { text: "x" }, resources: { nodes: 2 } });
    expect(multi.state === "failed" && multi.error.code).toBe("RESOURCES_UNAVAILABLE");
  });

  it("workers are persistent: many tasks run in the same few processes, not the orchestrator", async () => {
    const outs = await Promise.all(Array.from({ length: 30 }, (_, i) => runOn(ex, { job: "lw-testing.echo", input: { text: `${i}` } })));
    const pids = new Set(outs.map((o) => outputOf<{ pid: number }>(o).pid));
    expect(pids.size).toBeLessThanOrEqual(2);
    expect(pids.has(process.pid)).toBe(false);
    for (const pid of pids) expect(ex.workerPids()).toContain(pid);
  });

  it("a job calling process.exit fails with the exit code; the worker is replaced; others are unaffected", async () => {
    const before = ex.workerPids();
    const bystander = runOn(ex, { job: "lw-testing.hold", input: { ms: 400 } });
    const crash = await runOn(ex, { job: "lw-testing.crash", input: { exitCode: 7 } });
    expect(crash.state).toBe("failed");
    if (crash.state !== "completed") {
      expect(crash.error.code).toBe("WORKER_CRASHED");
      expect(crash.error.exitCode).toBe(7);
      expect(crash.error.message).toContain("exited with code 7");
    }
    expect((await bystander).state).toBe("completed");
    await waitFor("a replacement worker", () => (ex.workerPids().length === 2 && ex.workerPids().some((p) => !before.includes(p)) ? true : undefined));
    expect(outputOf<{ text: string }>(await runOn(ex, { job: "lw-testing.echo", input: { text: "ok" } })).text).toBe("ok");
  });

  it("a segfaulting job fails with the signal", async () => {
    const o = await runOn(ex, { job: "lw-testing.crash", input: { signal: "SIGSEGV" } });
    expect(o.state === "failed" && o.error.signal).toBe("SIGSEGV");
  });

  it("time-out of a job that ignores its signal kills the program it started and recycles the worker", async () => {
    await ex.ready(); // replacements of the workers crashed above may still be starting
    const pidFile = join(workRoot, "ignore-timeout.json");
    const o = await runOn(ex, { job: "lw-testing.sleep", input: { seconds: 30, pidFile, cooperative: false }, timeoutMs: 3000 });
    expect(o.state).toBe("timed-out");
    expect(existsSync(pidFile), `the job started before its time-out (${JSON.stringify(o)}; ${ctx.warnings.join(" | ")})`).toBe(true);
    const pids = JSON.parse(readFileSync(pidFile, "utf8")) as { worker: number; program: number };
    expect(await waitForExit(pids.program)).toBe(true);
    expect(await waitForExit(pids.worker)).toBe(true);
    expect(isAlive(process.pid)).toBe(true);
  });

  it("console output and logger lines of a job land in its own stdout.log / stderr.log", async () => {
    const spec = makeTaskSpec({ job: "lw-testing.chatty", input: { out: "to-stdout-123", err: "to-stderr-456" } }, { workRoot });
    const o = await (await ex.submit(spec, new AbortController().signal)).outcome;
    expect(o.state).toBe("completed");
    expect(readFileSync(join(spec.workdir, "stdout.log"), "utf8")).toContain("to-stdout-123");
    const err = readFileSync(join(spec.workdir, "stderr.log"), "utf8");
    expect(err).toContain("to-stderr-456");
    expect(err).toContain("WARN logger line");
    // the completed outcome says where the output is (the runtime records it on the attempt)
    expect(o).toMatchObject({ stdoutPath: join(spec.workdir, "stdout.log"), stderrPath: join(spec.workdir, "stderr.log") });
  });

  it("a job that prints nothing gets no output files and no paths on its outcome", async () => {
    const spec = makeTaskSpec({ job: "lw-testing.noop", input: { i: 1 } }, { workRoot });
    const o = await (await ex.submit(spec, new AbortController().signal)).outcome;
    expect(o.state).toBe("completed");
    expect(o).not.toHaveProperty("stdoutPath");
    expect(o).not.toHaveProperty("stderrPath");
    expect(existsSync(join(spec.workdir, "stdout.log"))).toBe(false);
  });

  it("tasks without a placement run on localhost with one slot per core they take", async () => {
    const o = await runOn(ex, { job: "lw-testing.placement", input: {}, resources: { cpus: 2 } });
    expect(outputOf(o)).toEqual({ hosts: 1, slots: 2 });
  });

  it("reports task.running events", () => {
    expect(ctx.seen.some((e) => e.type === "task.running")).toBe(true);
  });

  it("writes the workers' own log into the state directory, private to the user", () => {
    const log = join(ctx.stateDir, "workers.log");
    expect(existsSync(log)).toBe(true);
  });
});

describe("local pool: in-process job list", () => {
  it("runs listed jobs in the orchestrator and the rest in workers", async () => {
    const ex = local({ workers: 1, inProcess: ["lw-testing.echo"] });
    await ex.start(testContext());
    try {
      const inproc = outputOf<{ pid: number }>(await runOn(ex, { job: "lw-testing.echo", input: { text: "a" } }));
      const pooled = outputOf<{ pid: number }>(await runOn(ex, { job: "lw-testing.hold", input: { ms: 1 } }));
      expect(inproc.pid).toBe(process.pid);
      expect(pooled.pid).not.toBe(process.pid);
    } finally {
      await ex.dispose();
    }
  });
});
