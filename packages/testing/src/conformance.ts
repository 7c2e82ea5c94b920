import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LatticeworkError, noopLogger } from "@latticework/core";
import type { Executor, ExecutorContext, LatticeworkEvent, TaskOutcome, TaskSpec } from "@latticework/core";
import { makeTaskSpec, type TaskRequest } from "./make-task.js";
import { childPids, handleCounts, isAlive, sleep, waitFor, waitForExit } from "./processes.js";
import { retryThroughRuntime } from "./runtime-case.js";

/** Options of {@link testExecutor}. */
export interface TestExecutorOptions {
  /** Where task workdirs go. Remote executors need a directory both sides see. Default: a fresh temp dir. */
  workRoot?: string;
  /** Module path the worker imports for the fixture jobs (default: this package's dist/fixtures/jobs.js). */
  fixturesModule?: string;
  /** Adjust every TaskSpec the suite builds (env, plugins, resources for a site). */
  makeTask?: (spec: TaskSpec) => TaskSpec;
  /** Time limit per case in ms (default 30 000; raise it for batch schedulers). */
  caseTimeoutMs?: number;
  /** Time-out given to the time-out case's task, ms (default 1500). */
  taskTimeoutMs?: number;
  /**
   * Whether cancel/time-out must kill work that ignores its AbortSignal (default true). Set false
   * for in-process executors, which can only stop jobs that cooperate.
   */
  killsProcessTree?: boolean;
  /** Check pids on this machine (default: `!capabilities.remote`). */
  localPids?: boolean;
  /** Case names to skip, e.g. ["retry through a runtime"]; say why in your test file. */
  skip?: readonly string[];
  /** Context passed to `start` (default: no-op logger, collected events, a temp state dir). */
  context?: Partial<ExecutorContext>;
}

type Factory = () => Executor | Promise<Executor>;

/**
 * The conformance suite every executor runs (vitest). Registers a `describe` block with one `it`
 * per contract rule; capability-gated cases skip when the executor says it cannot do that.
 *
 * @example
 * ```ts
 * import { testExecutor } from "@latticework/testing";
 * import { local } from "@latticework/adapter-local";
 * testExecutor("local", () => local({ workers: 2, killGraceMs: 500 }));
 * ```
 */
export function testExecutor(name: string, factory: Factory, options: TestExecutorOptions = {}): void {
  const workRoot = options.workRoot ?? mkdtempSync(join(tmpdir(), "lw-conformance-"));
  const caseMs = options.caseTimeoutMs ?? 30_000;
  const skip = new Set(options.skip ?? []);
  const events: LatticeworkEvent[] = [];
  const context = (): ExecutorContext => ({
    logger: noopLogger,
    events: { emit: (e) => events.push(e) },
    stateDir: mkdtempSync(join(tmpdir(), "lw-conformance-state-")),
    ...options.context,
  });
  const task = (req: TaskRequest): TaskSpec => {
    const spec = makeTaskSpec(req, { workRoot, ...(options.fixturesModule ? { module: options.fixturesModule } : {}) });
    return options.makeTask ? options.makeTask(spec) : spec;
  };
  const run = async (ex: Executor, req: TaskRequest, signal = new AbortController().signal): Promise<TaskOutcome> => (await ex.submit(task(req), signal)).outcome;
  const pidFile = (): string => join(workRoot, `pids-${Math.random().toString(36).slice(2)}.json`);
  const readPids = (path: string): { worker: number; program: number } | undefined => {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as { worker: number; program: number };
    } catch {
      return undefined;
    }
  };

  describe(`executor conformance: ${name}`, () => {
    let ex: Executor;
    let cooperative = false;
    let localPids = true;
    const caps = () => ex.capabilities;
    const test = (title: string, fn: () => Promise<void>, when: () => boolean = () => true): void => {
      if (skip.has(title)) return void it.skip(`${title} (skipped by the suite options)`, () => {});
      it(title, async (ctx) => {
        if (!when()) return ctx.skip();
        await fn();
      }, caseMs);
    };

    beforeAll(async () => {
      ex = await factory();
      await ex.start(context());
      cooperative = options.killsProcessTree === false;
      localPids = options.localPids ?? !ex.capabilities.remote;
    }, caseMs * 2);
    afterAll(async () => {
      await ex?.dispose();
    }, caseMs * 2);

    test("declares its name and capabilities as data", async () => {
      expect(typeof ex.name).toBe("string");
      expect(ex.name.length).toBeGreaterThan(0);
      for (const k of ["cancel", "attach", "mpi", "remote", "timeouts"] as const) expect(typeof caps()[k], `capabilities.${k}`).toBe("boolean");
      const max = caps().maxConcurrency;
      if (max !== undefined) expect(Number.isInteger(max) && max > 0, "maxConcurrency is a positive integer").toBe(true);
      if (caps().attach) expect(typeof ex.attach, "attach() exists when capabilities.attach").toBe("function");
    });

    test("submit resolves with a native id and a completed outcome holding the validated output", async () => {
      const spec = task({ job: "lw-testing.echo", input: { text: "ab", repeat: 3 } });
      const sub = await ex.submit(spec, new AbortController().signal);
      expect(typeof sub.nativeId).toBe("string");
      expect(sub.nativeId.length).toBeGreaterThan(0);
      const outcome = await sub.outcome;
      expect(outcome.state, JSON.stringify(outcome)).toBe("completed");
      if (outcome.state !== "completed") return;
      const out = outcome.output as { text: string; workdir: string; attempt: number; validated: boolean };
      expect(out.text).toBe("ababab");
      expect(out.validated, "output went through the job's output schema (default filled in)").toBe(true);
      expect(out.workdir).toBe(spec.workdir);
      expect(out.attempt).toBe(1);
    });

    test("many tasks at once each get their own output", async () => {
      const texts = Array.from({ length: 24 }, (_, i) => `task-${i}-`);
      const outcomes = await Promise.all(texts.map((text) => run(ex, { job: "lw-testing.echo", input: { text } })));
      expect(outcomes.map((o) => (o.state === "completed" ? (o.output as { text: string }).text : o.state))).toEqual(texts);
    });

    test("a job that throws fails with a structured error and its stdout/stderr paths", async () => {
      const outcome = await run(ex, { job: "lw-testing.fail", input: { message: "kaput" } });
      expect(outcome.state).toBe("failed");
      if (outcome.state === "completed") return;
      expect(outcome.error.code).toBe("JOB_FAILED");
      expect(outcome.error.message).toContain("fixture failure: kaput");
      expect(typeof outcome.error.stdoutPath).toBe("string");
      expect(typeof outcome.error.stderrPath).toBe("string");
      if (localPids) {
        expect(existsSync(outcome.error.stdoutPath!), `stdout file ${outcome.error.stdoutPath} exists`).toBe(true);
        expect(existsSync(outcome.error.stderrPath!), `stderr file ${outcome.error.stderrPath} exists`).toBe(true);
      }
    });

    test("a job that throws a non-Error fails with the value in the message", async () => {
      const outcome = await run(ex, { job: "lw-testing.throw-non-error", input: { value: "odd-thing" } });
      expect(outcome.state).toBe("failed");
      if (outcome.state === "completed") return;
      expect(["JOB_FAILED", "JOB_THREW_NON_ERROR"]).toContain(outcome.error.code);
      expect(outcome.error.message).toContain("odd-thing");
    });

    test("an unknown job name fails with JOB_NOT_FOUND", async () => {
      const outcome = await run(ex, { job: "lw-testing.no-such-job", input: {} });
      expect(outcome.state).toBe("failed");
      if (outcome.state !== "completed") expect(outcome.error.code).toBe("JOB_NOT_FOUND");
    });

    test("input failing the job's schema fails with INPUT_INVALID", async () => {
      const outcome = await run(ex, { job: "lw-testing.echo", input: { text: 42 } });
      expect(outcome.state).toBe("failed");
      if (outcome.state !== "completed") expect(outcome.error.code).toBe("INPUT_INVALID");
    });

    test("output failing the job's schema fails with OUTPUT_INVALID", async () => {
      const outcome = await run(ex, { job: "lw-testing.bad-output", input: {} });
      expect(outcome.state).toBe("failed");
      if (outcome.state !== "completed") expect(outcome.error.code).toBe("OUTPUT_INVALID");
    });

    const cancelCase = async (via: "cancel" | "signal"): Promise<void> => {
      const file = pidFile();
      const ac = new AbortController();
      const sub = await ex.submit(task({ job: "lw-testing.sleep", input: { seconds: 60, pidFile: file, cooperative } }), ac.signal);
      const pids = await waitFor("the job to start (pid file)", () => readPids(file), caseMs / 2);
      if (via === "cancel") await ex.cancel(sub.nativeId);
      else ac.abort();
      const outcome = await sub.outcome;
      expect(outcome.state).toBe("cancelled");
      if (localPids) expect(await waitForExit(pids.program), `program ${pids.program} started by the job is gone`).toBe(true);
      await ex.cancel(sub.nativeId); // idempotent after the end
    };
    test("cancel(nativeId) stops a running task: outcome cancelled, its processes gone", () => cancelCase("cancel"), () => caps().cancel);
    test("aborting the submit signal stops a running task the same way", () => cancelCase("signal"), () => caps().cancel);

    test("cancel of an unknown or finished id is a harmless no-op", async () => {
      await ex.cancel("no-such-native-id");
      const sub = await ex.submit(task({ job: "lw-testing.echo", input: { text: "x" } }), new AbortController().signal);
      expect((await sub.outcome).state).toBe("completed");
      await ex.cancel(sub.nativeId);
    });

    test("a task past its time-out ends timed-out and its processes are gone", async () => {
      const file = pidFile();
      const outcome = await run(ex, { job: "lw-testing.sleep", input: { seconds: 60, pidFile: file, cooperative }, timeoutMs: options.taskTimeoutMs ?? 1500 });
      expect(outcome.state).toBe("timed-out");
      const pids = readPids(file);
      if (localPids && pids) expect(await waitForExit(pids.program), `program ${pids.program} is gone`).toBe(true);
    }, () => caps().timeouts);

    test("the executor keeps working after cancels and time-outs", async () => {
      const outcome = await run(ex, { job: "lw-testing.echo", input: { text: "still here" } });
      expect(outcome.state).toBe("completed");
    });

    test("an MPI-shaped task gets a placement with enough slots", async () => {
      const outcome = await run(ex, { job: "lw-testing.placement", resources: { ranks: 2, mpi: true } });
      expect(outcome.state, JSON.stringify(outcome)).toBe("completed");
      if (outcome.state === "completed") expect((outcome.output as { slots: number }).slots).toBeGreaterThanOrEqual(2);
    }, () => caps().mpi && (caps().maxConcurrency ?? 2) >= 2);

    test("attach re-connects a second executor to running work", async () => {
      const second = await factory();
      await second.start(context());
      try {
        const spec = task({ job: "lw-testing.hold", input: { ms: 1500 } });
        const sub = await ex.submit(spec, new AbortController().signal);
        const again = await second.attach!(sub.nativeId, spec, new AbortController().signal);
        const [a, b] = await Promise.all([sub.outcome, again.outcome]);
        expect(b.state).toBe("completed");
        expect(a.state).toBe("completed");
      } finally {
        await second.dispose();
      }
    }, () => caps().attach);

    test("retry through a runtime: a flaky job completes on its second attempt", async () => {
      await retryThroughRuntime(factory, workRoot, task);
    });

    test("dispose cancels outstanding work, releases processes and handles, and refuses later submits", async () => {
      await sleep(50);
      const before = new Set(childPids());
      const handlesBefore = handleCounts();
      const own = await factory();
      await own.start(context());
      const file = pidFile();
      const sub = await own.submit(task({ job: "lw-testing.sleep", input: { seconds: 60, pidFile: file, cooperative } }), new AbortController().signal);
      const pids = await waitFor("the job to start (pid file)", () => readPids(file), caseMs / 2);
      await own.dispose();
      const outcome = await sub.outcome;
      expect(["cancelled", "lost", "failed"]).toContain(outcome.state);
      if (localPids) {
        expect(await waitForExit(pids.program), `program ${pids.program} is gone`).toBe(true);
        if (pids.worker !== process.pid) expect(await waitForExit(pids.worker), `worker ${pids.worker} is gone`).toBe(true);
        const left = await waitFor("child processes to go", () => {
          const now = childPids().filter((p) => !before.has(p));
          return now.length === 0 ? [] : undefined;
        }, 5000).catch(() => childPids().filter((p) => !before.has(p)));
        expect(left, "child processes left after dispose").toEqual([]);
      }
      await sleep(50);
      const after = handleCounts();
      for (const kind of ["ProcessWrap", "PipeWrap", "Timeout"]) {
        expect(after[kind] ?? 0, `${kind} handles after dispose`).toBeLessThanOrEqual(handlesBefore[kind] ?? 0);
      }
      await expect(own.submit(task({ job: "lw-testing.echo", input: { text: "late" } }), new AbortController().signal)).rejects.toSatisfy(
        (e: unknown) => e instanceof LatticeworkError && e.code === "EXECUTOR_DISPOSED",
      );
      await own.dispose(); // a second dispose is harmless
    });

    test("emitted events are well-formed", async () => {
      for (const e of events) {
        expect(typeof e.type).toBe("string");
        expect(typeof e.at).toBe("number");
      }
      expect(isAlive(process.pid)).toBe(true);
    });
  });
}
