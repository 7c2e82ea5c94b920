import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ExecutorShell } from "../src/executor-shell.js";
import { BaseExecutor, NO_CAPABILITIES } from "../src/executor-base.js";
import { MemoryRunStore } from "../src/store/memory-store.js";
import { createEventBus } from "../src/events-bus.js";
import { Deadlines } from "../src/runtime/deadlines.js";
import { backoffDelay, resolveRetryPolicy, shouldRetry } from "../src/retry.js";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { defineFlow } from "../src/define-flow.js";
import { noopLogger } from "../src/logger.js";
import { flaky, mark, boom } from "./fixtures/runtime-demo.js";
import { lines, tempDir } from "./runtime-helpers.js";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ExecutorCapabilities, ExecutorContext, Submission } from "../src/executor.js";
import type { TaskOutcome, TaskSpec } from "../src/task.js";
import type { Runtime } from "../src/runtime-types.js";
import type { LatticeworkEvent } from "../src/events.js";

/** A scripted executor: each submit takes the next planned outcome. Fake, for shell unit tests. */
class Scripted extends BaseExecutor {
  readonly name = "scripted";
  override readonly capabilities: ExecutorCapabilities;
  starts = 0;
  disposes = 0;
  cancels: string[] = [];
  submitted: TaskSpec[] = [];
  constructor(
    readonly plan: (TaskOutcome | "hang")[],
    caps: Partial<ExecutorCapabilities> = {},
  ) {
    super();
    this.capabilities = { ...NO_CAPABILITIES, ...caps };
  }
  override async start(ctx: ExecutorContext): Promise<void> {
    await super.start(ctx);
    this.starts++;
  }
  async submit(task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    this.submitted.push(task);
    const next = this.plan.shift() ?? { state: "completed", output: { ok: true } };
    const outcome =
      next === "hang"
        ? new Promise<TaskOutcome>((resolve) =>
            signal.addEventListener("abort", () => resolve({ state: "cancelled", error: { code: "CANCELLED", message: "killed" } }), { once: true }),
          )
        : Promise.resolve(next);
    return { nativeId: `n-${task.taskId}`, outcome };
  }
  override async cancel(nativeId: string): Promise<void> {
    this.cancels.push(nativeId);
  }
  override async dispose(): Promise<void> {
    this.disposes++;
  }
}

function shellFor(exec: Scripted) {
  const store = new MemoryRunStore();
  const bus = createEventBus();
  const events: LatticeworkEvent[] = [];
  bus.on((e) => events.push(e));
  const deadlines = new Deadlines();
  const shell = new ExecutorShell("s1", exec, { context: { logger: noopLogger, events: bus, stateDir: "/tmp/unused" }, store, bus, deadlines });
  return { shell, store, events, deadlines };
}

function call(over: Partial<Parameters<ExecutorShell["execute"]>[0]> = {}, timeoutMs: number | null = null): Parameters<ExecutorShell["execute"]>[0] {
  return {
    taskId: (a) => `k-${a}`,
    spec: (attempt, taskId) => ({
      v: 1, taskId, runId: "r1", callKey: "k", job: "j", module: "/m.js", input: {}, resources: {}, workdir: "/tmp/w", env: {}, attempt,
      deadline: timeoutMs ? Date.now() + timeoutMs : null, timeoutMs, tags: [], plugins: [],
    }),
    retry: resolveRetryPolicy(0),
    firstAttempt: 1,
    track: () => () => {},
    cancelled: () => false,
    ...over,
  };
}

const failed = (code = "JOB_FAILED", extra: object = {}): TaskOutcome => ({ state: "failed", error: { code, message: `failed with ${code}`, ...extra } });

describe("ExecutorShell", () => {
  it("starts once lazily, disposes once, refuses work after dispose", async () => {
    const exec = new Scripted([]);
    const { shell } = shellFor(exec);
    expect(exec.starts).toBe(0);
    const [a, b] = await Promise.all([shell.execute(call()), shell.execute(call({ taskId: (n) => `x-${n}` }))]);
    expect(a.outcome.state).toBe("completed");
    expect(b.outcome.state).toBe("completed");
    expect(exec.starts).toBe(1);
    await Promise.all([shell.dispose(), shell.dispose()]);
    expect(exec.disposes).toBe(1);
    const after = await shell.execute(call());
    expect(after.outcome.state).toBe("failed");
    expect(after.outcome.state !== "completed" && after.outcome.error.code).toBe("EXECUTOR_DISPOSED");
    expect(exec.submitted).toHaveLength(2);
  });

  it("never disposes an executor that was never started", async () => {
    const exec = new Scripted([]);
    const { shell } = shellFor(exec);
    await shell.dispose();
    expect(exec.disposes).toBe(0);
  });

  it("retries failures with one attempt row per attempt", async () => {
    const exec = new Scripted([failed(), failed(), { state: "completed", output: 1 }]);
    const { shell, store, events } = shellFor(exec);
    const res = await shell.execute(call({ retry: resolveRetryPolicy({ retries: 3, delayMs: 1, jitter: 0 }) }));
    expect(res.outcome.state).toBe("completed");
    expect(res.attempt).toBe(3);
    const attempts = await store.listAttempts("r1");
    expect(attempts.map((a) => [a.attempt, a.state, a.nativeId])).toEqual([
      [1, "failed", "n-k-1"],
      [2, "failed", "n-k-2"],
      [3, "completed", "n-k-3"],
    ]);
    expect(events.filter((e) => e.type === "task.retrying").map((e) => (e as { attempt: number }).attempt)).toEqual([2, 3]);
  });

  it("stops after the retry budget and honours retryIf", async () => {
    const exec = new Scripted([failed(), failed(), failed()]);
    const { shell } = shellFor(exec);
    const res = await shell.execute(call({ retry: resolveRetryPolicy({ retries: 1, delayMs: 0 }) }));
    expect(res.attempt).toBe(2);
    const exec2 = new Scripted([failed("JOB_FAILED", { name: "ValueError" }), failed()]);
    const seen: string[] = [];
    const r2 = await shellFor(exec2).shell.execute(call({ retry: resolveRetryPolicy({ retries: 5, delayMs: 0, retryIf: (e) => (seen.push(e.name ?? ""), e.name !== "ValueError") }) }));
    expect(r2.attempt).toBe(1);
    expect(seen).toEqual(["ValueError"]);
  });

  it("retries lost/retryable attempts even when retryIf says no; never retries invalid input", async () => {
    const lost: TaskOutcome = { state: "lost", error: { code: "LOST", message: "node died" } };
    const exec = new Scripted([lost, failed("JOB_FAILED", { retryable: true, schedulerState: "PREEMPTED" }), { state: "completed", output: 2 }]);
    const res = await shellFor(exec).shell.execute(call({ retry: resolveRetryPolicy({ retries: 2, delayMs: 0, retryIf: () => false }) }));
    expect(res.outcome.state).toBe("completed");
    const exec2 = new Scripted([failed("INPUT_INVALID")]);
    expect((await shellFor(exec2).shell.execute(call({ retry: resolveRetryPolicy(3) }))).attempt).toBe(1);
  });

  it("times out executors without their own time-outs: aborts, cancels and reports timed-out", async () => {
    const exec = new Scripted(["hang"]);
    const { shell, store } = shellFor(exec);
    const res = await shell.execute(call({}, 50));
    expect(res.outcome.state).toBe("timed-out");
    expect(res.outcome.state !== "completed" && res.outcome.error.code).toBe("TIMEOUT");
    expect(exec.cancels).toEqual(["n-k-1"]);
    expect((await store.listAttempts("r1"))[0]?.state).toBe("timed-out");
  });

  it("leaves time-outs to executors that enforce them", async () => {
    const exec = new Scripted([{ state: "completed", output: 1 }], { timeouts: true });
    const res = await shellFor(exec).shell.execute(call({}, 1));
    expect(exec.submitted[0]?.deadline).toBeTypeOf("number");
    expect(exec.submitted[0]?.timeoutMs).toBe(1);
    expect(res.outcome.state).toBe("completed");
  });

  it("aborting a tracked attempt cancels the work", async () => {
    const exec = new Scripted(["hang"]);
    const { shell } = shellFor(exec);
    let ctrl: { abort(reason?: unknown): void } | undefined;
    const p = shell.execute(call({ track: (c) => ((ctrl = c), () => {}) }));
    await sleep(20);
    ctrl?.abort(new Error("stop"));
    const res = await p;
    expect(res.outcome.state).toBe("cancelled");
    expect(exec.cancels).toEqual(["n-k-1"]);
  });
});

describe("ExecutorShell back-pressure", () => {
  it("keeps at most max(256, 8 x maxConcurrency) attempts inside a bounded executor; the rest wait, then all run", async () => {
    let inside = 0;
    let peak = 0;
    class Bounded extends BaseExecutor {
      readonly name = "bounded";
      override readonly capabilities = { ...NO_CAPABILITIES, maxConcurrency: 2 };
      async submit(task: TaskSpec): Promise<Submission> {
        inside++;
        peak = Math.max(peak, inside);
        const outcome = sleep(1).then((): TaskOutcome => {
          inside--;
          return { state: "completed", output: task.attempt };
        });
        return { nativeId: task.taskId, outcome };
      }
    }
    const { shell, store } = shellFor(new Bounded() as unknown as Scripted);
    const results = await Promise.all(Array.from({ length: 700 }, (_, i) => shell.execute(call({ taskId: (a) => `t${i}-${a}` }))));
    expect(results.every((r) => r.outcome.state === "completed")).toBe(true);
    expect(peak).toBe(256);
    expect(await store.listAttempts("r1")).toHaveLength(700);
  });
});

describe("retry policy", () => {
  it("backs off exponentially with bounded jitter", () => {
    const p = resolveRetryPolicy({ retries: 5, delayMs: 100, maxDelayMs: 1000, jitter: 0.5 });
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a, () => 0.5))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(p, 1, () => 0)).toBe(50);
    expect(backoffDelay(p, 1, () => 1)).toBe(150);
    const samples = Array.from({ length: 200 }, () => backoffDelay(p, 2));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...samples)).toBeLessThanOrEqual(300);
    expect(new Set(samples).size).toBeGreaterThan(10);
  });
  it("rejects bad policies listing every problem", () => {
    expect(() => resolveRetryPolicy({ retries: -1, jitter: 2, delayMs: -5 })).toThrow(/retries[\s\S]*delayMs[\s\S]*jitter/);
  });
  it("never retries cancellations", () => {
    expect(shouldRetry(resolveRetryPolicy(3), { state: "cancelled", error: { code: "CANCELLED", message: "x" } })).toBe(false);
  });
});

describe("runtime retries and time-outs (in-process worker)", () => {
  let rt: Runtime | undefined;
  afterEach(async () => rt?.close());

  it("a flaky job succeeds on its third attempt; every attempt is kept", async () => {
    const store = new MemoryRunStore();
    rt = createRuntime({ store, executors: { local: inProcessExecutor() } });
    const flow = defineFlow({
      name: "t.retrying",
      input: z.object({ key: z.string() }),
      async run({ key }, f) {
        return f.run(flaky, { key, failTimes: 2 }, { retry: { retries: 3, delayMs: 5 } });
      },
    });
    const res = await rt.run(flow, { key: `k${Math.random()}` });
    expect(res.state).toBe("completed");
    expect(res.output).toEqual({ attempts: 3 });
    const attempts = await store.listAttempts(res.runId);
    expect(attempts.map((a) => a.state)).toEqual(["failed", "failed", "completed"]);
    expect(attempts[0]?.error?.message).toContain("transient #1");
    const call = (await store.listCalls(res.runId))[0];
    expect(call?.attempts).toBe(3);
  });

  it("a failed job reports its final attempt in the run's failures", async () => {
    rt = createRuntime({ store: new MemoryRunStore(), executors: { local: inProcessExecutor() } });
    const flow = defineFlow({ name: "t.fails", input: z.object({}), run: async (_i, f) => f.run(boom, { msg: "x" }, { retry: { retries: 2, delayMs: 1 } }) });
    const res = await rt.run(flow, {});
    expect(res.failures).toHaveLength(1);
    expect(res.failures[0]).toMatchObject({ job: "t.boom", attempt: 3, state: "failed" });
  });

  it("a time-out really stops the work (the job never reaches its side effect)", async () => {
    const log = join(tempDir(), "log");
    rt = createRuntime({ store: new MemoryRunStore(), executors: { local: inProcessExecutor() } });
    const res = await rt.run(mark, { id: "late", ms: 400, log }, {});
    expect(res.state).toBe("completed");
    const flow = defineFlow({ name: "t.timeout", input: z.object({ log: z.string() }), run: async ({ log }, f) => f.run(mark, { id: "never", ms: 400, log }, { timeout: 60 }) });
    const r2 = await rt.run(flow, { log });
    expect(r2.state).toBe("failed");
    expect(r2.failures[0]).toMatchObject({ state: "timed-out", error: { code: "TIMEOUT" } });
    await sleep(500);
    expect(lines(log)).toEqual(["late"]);
  });
});
