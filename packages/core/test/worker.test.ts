import { mkdtempSync, rmSync, statSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createContainer } from "../src/container.js";
import type { TaskSpecInput, TaskOutcome } from "../src/task.js";
import { TaskSpecSchema } from "../src/task.js";
import { runTask, resolveOutcomeOutput } from "../src/worker/run-task.js";
import { resolveJob } from "../src/worker/resolve-job.js";
import { writeArtifact } from "../src/store/artifacts.js";

const JOBS = fileURLToPath(new URL("./fixtures/worker-jobs.ts", import.meta.url));
const PLUGIN = fileURLToPath(new URL("./fixtures/worker-plugin.ts", import.meta.url));
const NOT_PLUGIN = fileURLToPath(new URL("./fixtures/not-a-plugin.ts", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "lw-worker-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function spec(job: string, input: unknown, extra: Partial<TaskSpecInput> = {}): TaskSpecInput {
  n++;
  return { v: 1, taskId: `t${n}`, runId: "run-1", callKey: `k${n}`, job, module: JOBS, input, workdir: join(root, `w${n}`), attempt: 1, ...extra };
}

function failed(o: TaskOutcome): Extract<TaskOutcome, { error: unknown }> {
  if (o.state === "completed") throw new Error(`expected a failure, got ${JSON.stringify(o)}`);
  return o;
}

describe("runTask", () => {
  it("runs a job and returns its validated output", async () => {
    const o = await runTask(spec("fx.add", { a: 2, b: 40 }));
    expect(o).toMatchObject({ state: "completed", output: { sum: 42 } });
    expect(typeof o.startedAt).toBe("number");
  });

  it("finds jobs nested in plain exported objects", async () => {
    expect(await runTask(spec("fx.mul", { a: 6, b: 7 }))).toMatchObject({ state: "completed", output: { product: 42 } });
  });

  it("unknown job name: JOB_NOT_FOUND naming the module and the jobs it exports", async () => {
    const o = failed(await runTask(spec("fx.addd", { a: 1, b: 2 })));
    expect(o.state).toBe("failed");
    expect(o.error.code).toBe("JOB_NOT_FOUND");
    expect(o.error.message).toContain('"fx.addd"');
    expect(o.error.message).toContain(JOBS);
    expect(o.error.message).toContain('"fx.add"');
    expect(o.error.message).toContain('"fx.mul"');
  });

  it("a module that cannot be imported: JOB_NOT_FOUND saying why", async () => {
    const o = failed(await runTask(spec("fx.add", {}, { module: join(root, "missing.ts") })));
    expect(o.error.code).toBe("JOB_NOT_FOUND");
    expect(o.error.message).toMatch(/could not be imported/);
  });

  it("invalid input: INPUT_INVALID listing every bad field, job not run", async () => {
    const o = failed(await runTask(spec("fx.add", { a: "one", b: null })));
    expect(o.error.code).toBe("INPUT_INVALID");
    expect(o.error.message).toMatch(/- a: /);
    expect(o.error.message).toMatch(/- b: /);
    expect(o.error.details?.issues).toHaveLength(2);
  });

  it("invalid output: OUTPUT_INVALID listing the fields", async () => {
    const o = failed(await runTask(spec("fx.bad-output", {})));
    expect(o.error.code).toBe("OUTPUT_INVALID");
    expect(o.error.message).toContain("fx.bad-output");
    expect(o.error.message).toMatch(/- energy: /);
    expect(o.error.message).toMatch(/- forces: /);
  });

  it("a thrown string: JOB_THREW_NON_ERROR with the value described", async () => {
    const o = failed(await runTask(spec("fx.throws-string", {})));
    expect(o.error).toMatchObject({ code: "JOB_THREW_NON_ERROR", name: "NonError" });
    expect(o.error.message).toContain("disk full");
    expect(o.error.details).toMatchObject({ value: "disk full", type: "string" });
  });

  it("a thrown plain object: JOB_THREW_NON_ERROR with its JSON", async () => {
    const o = failed(await runTask(spec("fx.throws-object", {})));
    expect(o.error.code).toBe("JOB_THREW_NON_ERROR");
    expect(o.error.details?.value).toEqual({ reason: "bad", count: 3 });
  });

  it("a thrown Error: JOB_FAILED with name, message and stack", async () => {
    const o = failed(await runTask(spec("fx.throws-error", { message: "lattice constant negative" })));
    expect(o.error).toMatchObject({ code: "JOB_FAILED", name: "RangeError", message: "lattice constant negative" });
    expect(o.error.stack).toContain("worker-jobs.ts");
  });

  it("a thrown LatticeworkError keeps its code", async () => {
    const o = failed(await runTask(spec("fx.throws-coded", {})));
    expect(o.error).toMatchObject({ code: "NOT_SUPPORTED", message: "this job refuses politely" });
  });

  it("time-out: timed-out even when the job ignores its signal", async () => {
    const o = failed(await runTask(spec("fx.hangs", {}, { timeoutMs: 100 })));
    expect(o.state).toBe("timed-out");
    expect(o.error.code).toBe("TIMEOUT");
    expect(o.error.message).toMatch(/time-out of 100 ms/);
  });

  it("the job definition's timeout applies when the spec has none", async () => {
    const o = failed(await runTask(spec("fx.with-timeout", {})));
    expect(o.state).toBe("timed-out");
  });

  it("a deadline already past: timed-out without running", async () => {
    const o = failed(await runTask(spec("fx.waits", { ms: 10 }, { deadline: Date.now() - 1000 })));
    expect(o.state).toBe("timed-out");
    expect(o.error.message).toMatch(/deadline/);
  });

  it("cancel through opts.signal: cancelled, and the job saw its signal abort", async () => {
    const ac = new AbortController();
    const p = runTask(spec("fx.waits", {}), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const o = failed(await p);
    expect(o.state).toBe("cancelled");
    expect(o.error.code).toBe("CANCELLED");
  });

  it("cancel through opts.signal while a time-out is also armed: cancelled, not timed-out", async () => {
    const ac = new AbortController();
    const p = runTask(spec("fx.waits", {}, { timeoutMs: 60_000 }), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const o = failed(await p);
    expect(o.state).toBe("cancelled");
    expect(o.error.message).toMatch(/was cancelled/);
  });

  it("trustedSpec: a complete spec from the runtime runs without re-validation, same outcome", async () => {
    const full = TaskSpecSchema.parse(spec("fx.add", { a: 2, b: 3 }));
    const checked = await runTask(full);
    const trusted = await runTask(full, { trustedSpec: true });
    expect(trusted.state).toBe("completed");
    expect(trusted.state === "completed" && trusted.output).toEqual(checked.state === "completed" && checked.output);
  });

  it("already-aborted signal: cancelled before start", async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await runTask(spec("fx.add", { a: 1, b: 1 }), { signal: ac.signal })).state).toBe("cancelled");
  });

  it("an invalid spec: PARSE_ERROR listing the problems (never throws)", async () => {
    const o = failed(await runTask({ v: 2, job: "" } as unknown as TaskSpecInput));
    expect(o.error.code).toBe("PARSE_ERROR");
    expect(o.error.message).toMatch(/taskId/);
    expect(o.error.message).toMatch(/workdir/);
  });

  it("builds the context: workdir created 0700, attempt, ids, placement from resources", async () => {
    const s = spec("fx.context", {}, { attempt: 3 });
    const o = await runTask(s);
    expect(o).toMatchObject({
      state: "completed",
      output: { workdir: s.workdir, attempt: 3, runId: "run-1", taskId: s.taskId, jobName: "fx.context", slots: 3, host: "localhost", cpus: 3 },
    });
    expect(statSync(s.workdir).mode & 0o777).toBe(0o700);
  });

  it("uses the spec's placement and resources when given", async () => {
    const o = await runTask(spec("fx.context", {}, { resources: { cpus: 8 }, placement: { hosts: [{ host: "node07", slots: 8 }], source: "pilot" } }));
    expect(o).toMatchObject({ state: "completed", output: { slots: 8, host: "node07", cpus: 8 } });
  });

  it("ctx.launch runs a program in the workdir with the spec's env, arguments untouched", async () => {
    const s = spec("fx.shell", { script: 'printf "%s|%s|%s" "$1" "$GREETING" "$(pwd)"', args: ["a b; $HOME"] }, { env: { GREETING: "hi" } });
    const o = await runTask(s);
    expect(o).toMatchObject({ state: "completed", output: { stdout: `a b; $HOME|hi|${s.workdir}`, exitCode: 0 } });
    expect(existsSync(join(s.workdir, "sh.stdout"))).toBe(true);
  });

  it("ctx.launch with ranks > 1 and no MPI plugin: NOT_SUPPORTED naming adapter-mpi", async () => {
    const o = failed(await runTask(spec("fx.shell", { script: "true", ranks: 4 }), { container: createContainer() }));
    expect(o.error.code).toBe("NOT_SUPPORTED");
    expect(o.error.message).toContain("@latticework/adapter-mpi");
  });

  it("a failing launched program: LAUNCH_FAILED with exit code and stderr tail", async () => {
    const o = failed(await runTask(spec("fx.shell", { script: "echo boom-on-stderr >&2; exit 3" })));
    expect(o.error).toMatchObject({ code: "LAUNCH_FAILED", exitCode: 3 });
    expect(o.error.stderrTail).toContain("boom-on-stderr");
    expect(o.error.stderrPath).toMatch(/sh\.stderr$/);
  });

  it("time-out kills programs the job launched", async () => {
    const s = spec("fx.shell", { script: "echo $$ > pid; exec sleep 30" }, { timeoutMs: 3000 });
    const o = failed(await runTask(s));
    expect(o.state).toBe("timed-out");
    const pid = Number(readFileSync(join(s.workdir, "pid"), "utf8"));
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
  });

  it("worker plugins: registerWorker runs once per container and its launchers are used", async () => {
    const container = createContainer();
    const plugin = (await import(PLUGIN)) as { registrations: number };
    const before = plugin.registrations;
    const o1 = await runTask(spec("fx.shell", { script: "true", ranks: 4 }, { plugins: [PLUGIN] }), { container });
    const o2 = await runTask(spec("fx.shell", { script: "true", ranks: 2 }, { plugins: [PLUGIN] }), { container });
    expect(o1).toMatchObject({ state: "completed", output: { stdout: "fake-mpirun 4\n" } });
    expect(o2).toMatchObject({ state: "completed", output: { stdout: "fake-mpirun 2\n" } });
    expect(plugin.registrations - before).toBe(1);
  });

  it("a plugin without registerWorker, or that does not exist: CONFIG_INVALID", async () => {
    const o1 = failed(await runTask(spec("fx.add", { a: 1, b: 1 }, { plugins: [NOT_PLUGIN] }), { container: createContainer() }));
    expect(o1.error.code).toBe("CONFIG_INVALID");
    expect(o1.error.message).toContain("registerWorker");
    const o2 = failed(await runTask(spec("fx.add", { a: 1, b: 1 }, { plugins: ["@latticework/no-such-plugin"] }), { container: createContainer() }));
    expect(o2.error.code).toBe("CONFIG_INVALID");
    expect(o2.error.message).toContain("@latticework/no-such-plugin");
  });

  it("makes output JSON-safe: typed arrays to arrays, Dates to strings, undefined dropped", async () => {
    const o = await runTask(spec("fx.odd-output", { kind: "typed" }));
    expect(o).toEqual(expect.objectContaining({ state: "completed", output: { positions: [1.5, 2.5], at: "1970-01-01T00:00:00.000Z" } }));
  });

  it("output that cannot be JSON (BigInt): OUTPUT_INVALID with its path", async () => {
    const o = failed(await runTask(spec("fx.odd-output", { kind: "bigint" })));
    expect(o.error.code).toBe("OUTPUT_INVALID");
    expect(o.error.message).toContain("n.big");
  });

  it("reads input from an artifact and puts a big output in one", async () => {
    const dir = join(root, "artifacts");
    const digest = await writeArtifact(dir, JSON.stringify({ n: 40_000 }));
    const o = await runTask(spec("fx.big", undefined, { inputRef: { artifact: digest, dir } }));
    if (o.state !== "completed") throw new Error(JSON.stringify(o));
    expect(o.output).toBeNull();
    expect(o.outputRef?.dir).toBe(dir);
    const out = (await resolveOutcomeOutput(o)) as { values: number[] };
    expect(out.values).toHaveLength(40_000);
    expect(out.values[39_999]).toBe(39_999.5);
    const small = await runTask(spec("fx.big", undefined, { inputRef: { artifact: await writeArtifact(dir, '{"n":3}'), dir } }));
    expect(small).toMatchObject({ state: "completed", output: { values: [0.5, 1.5, 2.5] } });
  });

  it("big outputs go to the artifact dir named by the spec's LATTICEWORK_ARTIFACT_DIR", async () => {
    const dir = join(root, "artifacts-env");
    const o = await runTask(spec("fx.big", { n: 40_000 }, { env: { LATTICEWORK_ARTIFACT_DIR: dir } }));
    if (o.state !== "completed") throw new Error(JSON.stringify(o));
    expect(o.outputRef?.dir).toBe(dir);
    expect(((await resolveOutcomeOutput(o)) as { values: number[] }).values).toHaveLength(40_000);
  });

  it("a missing input artifact is a clear failure", async () => {
    const o = failed(await runTask(spec("fx.add", undefined, { inputRef: { artifact: "a".repeat(64), dir: join(root, "nowhere") } })));
    expect(o.error.code).toBe("STORE_ERROR");
    expect(o.error.message).toMatch(/missing/);
  });
});

describe("resolveJob", () => {
  it("caches modules and returns the same job object", async () => {
    const a = await resolveJob(JOBS, "fx.add");
    const b = await resolveJob(`file://${JOBS}`, "fx.add");
    expect(a.name).toBe("fx.add");
    expect(a.kind).toBe("job");
    expect(b).toBe(a);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
