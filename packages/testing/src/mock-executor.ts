import { BaseExecutor, LatticeworkError, NO_CAPABILITIES, runTask, toTaskError, zodIssues } from "@latticework/core";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ExecutorCapabilities, Job, Logger, Submission, TaskOutcome, TaskSpec } from "@latticework/core";
import type { z } from "zod";

/** What a mock implementation learns about the call it replaces. */
export interface MockCall {
  readonly attempt: number;
  readonly runId: string;
  readonly taskId: string;
  /** Aborts when the runtime cancels or times out the call. */
  readonly signal: AbortSignal;
}

/** A replacement implementation for one job (see {@link mockJob}). */
export interface JobMock {
  readonly job: string;
  /** The job's output schema (mock results are validated like real ones). */
  readonly output: z.ZodType;
  run(input: unknown, call: MockCall): unknown;
}

/** One task the test runtime executed, mocked or real, in submission order. */
export interface RecordedCall {
  readonly job: string;
  readonly input: unknown;
  readonly attempt: number;
  readonly runId: string;
  readonly taskId: string;
  readonly mocked: boolean;
  /** How it ended (set once it did). */
  outcome?: TaskOutcome;
}

/**
 * Replace a job's implementation in a test runtime. The mock gets the validated input; what it
 * returns is validated against the job's output schema; what it throws fails the call like a real
 * failure (so retries and failure isolation behave as in production).
 *
 * @example
 * ```ts
 * const fakeRelax = mockJob(emt.relax, (input) => ({ ...cannedResult, atoms: input.atoms }));
 * const { result, calls } = await runFlow(relaxThenStatic, input, { mocks: [fakeRelax] });
 * ```
 */
export function mockJob<I extends z.ZodType, O extends z.ZodType>(job: Job<I, O>, impl: (input: z.output<I>, call: MockCall) => z.input<O> | Promise<z.input<O>>): JobMock {
  return Object.freeze({ job: job.name, output: job.output, run: impl as (input: unknown, call: MockCall) => unknown });
}

/**
 * An in-process executor for tests: runs mocked jobs through their mock, everything else through
 * core's `runTask` in this process, and records every call.
 */
export class MockingExecutor extends BaseExecutor {
  readonly name: string;
  override readonly capabilities: ExecutorCapabilities = { ...NO_CAPABILITIES, cancel: true };
  /** Every task run so far, in submission order. */
  readonly calls: RecordedCall[] = [];
  readonly #mocks: Map<string, JobMock>;
  readonly #running = new Map<string, AbortController>();
  #disposed = false;

  constructor(mocks: readonly JobMock[] = [], name = "test") {
    super();
    this.name = name;
    this.#mocks = new Map(mocks.map((m) => [m.job, m]));
  }

  async submit(task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    if (this.#disposed) throw new LatticeworkError("EXECUTOR_DISPOSED", `[test] Executor "${this.name}" was disposed.`);
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    this.#running.set(task.taskId, ac);
    const mock = this.#mocks.get(task.job);
    const call: RecordedCall = { job: task.job, input: task.input, attempt: task.attempt, runId: task.runId, taskId: task.taskId, mocked: !!mock };
    this.calls.push(call);
    const stdoutPath = join(task.workdir, "stdout.log");
    const stderrPath = join(task.workdir, "stderr.log");
    const outcome = (mock ? this.#runMock(mock, task, ac.signal) : runTask(task, { signal: ac.signal, logger: fileLogger(stdoutPath, stderrPath, {}) })).then((o) => {
      signal.removeEventListener("abort", onAbort);
      this.#running.delete(task.taskId);
      if (o.state !== "completed") {
        try {
          mkdirSync(task.workdir, { recursive: true, mode: 0o700 });
          appendFileSync(stdoutPath, "", { mode: 0o600 });
          appendFileSync(stderrPath, "", { mode: 0o600 });
        } catch {
          // keep the paths even if the directory cannot be made
        }
        o = { ...o, error: { ...o.error, stdoutPath: o.error.stdoutPath ?? stdoutPath, stderrPath: o.error.stderrPath ?? stderrPath } };
      }
      call.outcome = o;
      return o;
    });
    return { nativeId: task.taskId, outcome };
  }

  override async cancel(nativeId: string): Promise<void> {
    this.#running.get(nativeId)?.abort(new Error("Cancelled"));
  }

  override async dispose(): Promise<void> {
    this.#disposed = true;
    for (const ac of this.#running.values()) ac.abort(new Error("Executor disposed"));
  }

  async #runMock(mock: JobMock, task: TaskSpec, signal: AbortSignal): Promise<TaskOutcome> {
    const startedAt = Date.now();
    try {
      const raw = await mock.run(task.input, { attempt: task.attempt, runId: task.runId, taskId: task.taskId, signal });
      const parsed = await mock.output.safeParseAsync(raw);
      if (!parsed.success) {
        const list = zodIssues(parsed.error).map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
        return { state: "failed", error: { code: "OUTPUT_INVALID", message: `Mock of job "${task.job}" returned output that does not match the job's schema: ${list}` }, startedAt, endedAt: Date.now() };
      }
      return { state: "completed", output: parsed.data, startedAt, endedAt: Date.now() };
    } catch (e) {
      const error = toTaskError(e, "JOB_FAILED");
      const state = error.code === "CANCELLED" ? "cancelled" : error.code === "TIMEOUT" ? "timed-out" : "failed";
      return { state, error, startedAt, endedAt: Date.now() };
    }
  }
}

/** Job logger lines to <workdir>/stdout.log (debug, info) and stderr.log (warn, error). */
function fileLogger(out: string, err: string, bound: Record<string, unknown>): Logger {
  const line = (file: string, level: string, msg: string, fields?: Record<string, unknown>): void => {
    const all = { ...bound, ...fields };
    try {
      appendFileSync(file, `${new Date().toISOString()} ${level} ${msg}${Object.keys(all).length ? ` ${JSON.stringify(all)}` : ""}\n`, { mode: 0o600 });
    } catch {
      // the workdir may not exist yet (runTask makes it after validating input)
    }
  };
  return {
    debug: () => {},
    info: (m, f) => line(out, "INFO", m, f),
    warn: (m, f) => line(err, "WARN", m, f),
    error: (m, f) => line(err, "ERROR", m, f),
    child: (f) => fileLogger(out, err, { ...bound, ...f }),
  };
}
