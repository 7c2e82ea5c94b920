import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryRunStore, SqliteRunStore, createRuntime } from "@latticework/core";
import type { Executor, ExecutorRule, Flow, Job, RunOptions, RunResult, Runtime } from "@latticework/core";
import { MockingExecutor, type JobMock, type RecordedCall } from "./mock-executor.js";

/** Options of {@link createTestRuntime} and {@link runFlow}. */
export interface TestRuntimeOptions {
  /** Jobs to replace (see `mockJob`). */
  mocks?: readonly JobMock[];
  /** Extra executors (e.g. `local()` to test real worker processes); jobs still default to the in-process "test" one unless `defaultExecutor` says otherwise. */
  executors?: Record<string, Executor>;
  defaultExecutor?: string;
  rules?: readonly ExecutorRule[];
  /** "memory" (default) or "sqlite" (a real SQLite store in a temp directory, or in `dir`). */
  store?: "memory" | "sqlite";
  /** Directory for the store, artifacts and workdirs (default: a fresh temp dir). */
  dir?: string;
}

/** A runtime for tests, with the recorded calls. Close it when done. */
export interface TestRuntime {
  readonly runtime: Runtime;
  /** Every task run by the in-process "test" executor, in submission order. */
  readonly calls: RecordedCall[];
  /** The directory holding the store and workdirs. */
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * A runtime for unit-testing flows: an in-process executor named "test" (mocks applied, calls
 * recorded), a memory (or temp SQLite) store, work directories in a temp dir.
 *
 * @example
 * ```ts
 * const t = createTestRuntime({ mocks: [mockJob(fetchData, () => ({ rows: 3 }))] });
 * const result = await t.runtime.run(myFlow, { n: 2 });
 * expect(t.calls.map((c) => c.job)).toEqual(["fetch-data", "summarise"]);
 * await t.close();
 * ```
 */
export function createTestRuntime(options: TestRuntimeOptions = {}): TestRuntime {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "lw-test-runtime-"));
  const executor = new MockingExecutor(options.mocks ?? []);
  const store = options.store === "sqlite" ? new SqliteRunStore({ dir: join(dir, "store") }) : new MemoryRunStore({ dir: join(dir, "store") });
  const runtime = createRuntime({
    store,
    executors: { test: executor, ...(options.executors ?? {}) },
    defaultExecutor: options.defaultExecutor ?? "test",
    ...(options.rules ? { rules: options.rules } : {}),
    workRoot: join(dir, "work"),
  });
  return { runtime, calls: executor.calls, dir, close: () => runtime.close() };
}

/**
 * Run a flow (or a job) once in a fresh test runtime and close it.
 *
 * @example
 * ```ts
 * const { result, calls } = await runFlow(pipeline, { items: 3 }, { mocks: [mockJob(slowStep, () => ({ ok: true }))] });
 * expect(result.state).toBe("completed");
 * expect(calls.filter((c) => c.job === "slow-step")).toHaveLength(3);
 * ```
 */
export async function runFlow<T>(target: Flow<any, T> | Job, input: unknown, options: TestRuntimeOptions & { run?: RunOptions } = {}): Promise<{ result: RunResult<T>; calls: RecordedCall[]; dir: string }> {
  const t = createTestRuntime(options);
  try {
    const result = (await t.runtime.run(target as Flow<any, T>, input, options.run)) as RunResult<T>;
    return { result, calls: t.calls, dir: t.dir };
  } finally {
    await t.close();
  }
}
