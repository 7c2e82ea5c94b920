import { afterEach, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { MemoryRunStore } from "../src/store/memory-store.js";
import { BaseExecutor } from "../src/executor-base.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import { createContainer } from "../src/container.js";
import { TOKENS } from "../src/tokens.js";
import { add, serial } from "./fixtures/runtime-demo.js";
import type { Runtime } from "../src/runtime-types.js";
import type { Submission } from "../src/executor.js";
import type { TaskOutcome, TaskSpec } from "../src/task.js";
import type { LatticeworkEvent } from "../src/events.js";
import type { AttemptRecord } from "../src/store/run-store.js";
import { ATTEMPT_VISIBLE_AFTER_MS } from "../src/executor-shell.js";

let rt: Runtime | undefined;
afterEach(async () => rt?.close());

describe("events and attempt rows", () => {
  it("emits every transition of a run, in order", async () => {
    rt = createRuntime({ store: new MemoryRunStore(), executors: { local: inProcessExecutor() } });
    const seen: LatticeworkEvent[] = [];
    rt.events.on((e) => seen.push(e));
    const res = await rt.run(serial, { x: 1 });
    expect(seen.map((e) => e.type)).toEqual(["run.started", "task.pending", "task.submitted", "task.ended", "task.pending", "task.submitted", "task.ended", "run.ended"]);
    expect(seen.every((e) => e.runId === res.runId)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ type: "run.ended", state: "completed" });
  });

  it("executors report running/waiting through their context; the runtime updates attempt rows", async () => {
    let rows: AttemptRecord[] = [];
    const store = new MemoryRunStore();
    class Reporting extends BaseExecutor {
      readonly name = "reporting";
      async submit(task: TaskSpec): Promise<Submission> {
        const events = this.context?.events;
        const outcome = (async (): Promise<TaskOutcome> => {
          await sleep(5);
          events?.emit({ type: "task.waiting", runId: task.runId, taskId: task.taskId, job: task.job, reason: "Priority", at: Date.now() });
          await sleep(5);
          rows.push(...(await store.listAttempts(task.runId)));
          events?.emit({ type: "task.running", runId: task.runId, taskId: task.taskId, job: task.job, at: 12345, host: "n1" });
          await sleep(5);
          rows.push(...(await store.listAttempts(task.runId)));
          return { state: "completed", output: { sum: 3 } };
        })();
        return { nativeId: "job-7", outcome };
      }
    }
    rt = createRuntime({ store, executors: { hpc: new Reporting() } });
    const res = await rt.run(add, { a: 1, b: 2 });
    expect(res.output).toEqual({ sum: 3 });
    expect(rows[0]).toMatchObject({ state: "submitted", nativeId: "job-7", note: "Priority", executor: "hpc" });
    expect(rows[1]).toMatchObject({ state: "running", startedAt: 12345 });
    const [final] = await store.listAttempts(res.runId);
    expect(final).toMatchObject({ state: "completed", nativeId: "job-7" });
    rows = [];
  });

  it("an executor without attach gets one attempt row per short attempt, written when it ends", async () => {
    const writes: string[] = [];
    class CountingStore extends MemoryRunStore {
      override createAttempt(a: AttemptRecord): void {
        writes.push(`create:${a.state}`);
        super.createAttempt(a);
      }
      override updateAttempt(taskId: string, patch: Partial<AttemptRecord>): void {
        writes.push(`update:${patch.state ?? "-"}`);
        super.updateAttempt(taskId, patch);
      }
    }
    const store = new CountingStore();
    class Quick extends BaseExecutor {
      readonly name = "quick";
      async submit(task: TaskSpec): Promise<Submission> {
        this.context?.events.emit({ type: "task.running", runId: task.runId, taskId: task.taskId, job: task.job, at: 777, host: "h" });
        return { nativeId: `q-${task.taskId}`, outcome: Promise.resolve({ state: "completed", output: { sum: 3 }, startedAt: 700, stdoutPath: "/w/stdout.log" }) };
      }
    }
    rt = createRuntime({ store, executors: { quick: new Quick() } });
    const res = await rt.run(add, { a: 1, b: 2 });
    expect(res.state).toBe("completed");
    expect(writes).toEqual(["create:completed"]);
    const [a] = await store.listAttempts(res.runId);
    expect(a).toMatchObject({ state: "completed", nativeId: expect.stringMatching(/^q-/), startedAt: 700, stdoutPath: "/w/stdout.log", stderrPath: null, executor: "quick", attempt: 1 });
    const [call] = await store.listCalls(res.runId);
    expect(call).toMatchObject({ state: "completed", attempts: 1, executor: "quick" });
  });

  it("a long attempt of an executor without attach shows up as running while it runs", async () => {
    const store = new MemoryRunStore();
    let seen: AttemptRecord[] = [];
    class Slow extends BaseExecutor {
      readonly name = "slow";
      async submit(task: TaskSpec): Promise<Submission> {
        this.context?.events.emit({ type: "task.running", runId: task.runId, taskId: task.taskId, job: task.job, at: 4242, host: "h" });
        const outcome = (async (): Promise<TaskOutcome> => {
          expect(await store.listAttempts(task.runId)).toEqual([]);
          await sleep(ATTEMPT_VISIBLE_AFTER_MS + 300);
          seen = await store.listAttempts(task.runId);
          return { state: "failed", error: { code: "JOB_FAILED", message: "boom", stderrPath: "/w/stderr.log" } };
        })();
        return { nativeId: "slow-1", outcome };
      }
    }
    rt = createRuntime({ store, executors: { slow: new Slow() } });
    const res = await rt.run(add, { a: 1, b: 2 });
    expect(res.state).toBe("failed");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ state: "running", startedAt: 4242, nativeId: "slow-1" });
    const all = await store.listAttempts(res.runId);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: "failed", stderrPath: "/w/stderr.log", error: { code: "JOB_FAILED" } });
    expect((await store.listCalls(res.runId))[0]).toMatchObject({ state: "failed", attempts: 1 });
  });

  it("one DI child container per runtime with core tokens registered; the parent is never written", () => {
    const parent = createContainer();
    const store = new MemoryRunStore();
    rt = createRuntime({ store, executors: { local: inProcessExecutor() }, container: parent });
    expect(rt.container.resolve(TOKENS.RunStore)).toBe(store);
    expect(rt.container.resolve(TOKENS.Launchers).names()).toContain("direct");
    expect(rt.container.resolve(TOKENS.Events)).toBe(rt.events);
    expect(parent.isRegistered(TOKENS.RunStore)).toBe(false);
  });
});
