import type { AnyFlow } from "./any-flow.js";
import { hostname } from "node:os";
import type { Flow, FlowContext, CallOptions, RunPromise } from "../flow.js";
import type { Job } from "../job.js";
import type { Container } from "../container.js";
import type { Logger } from "../logger.js";
import type { RunState } from "../events.js";
import type { TaskError } from "../task.js";
import type { AttemptRecord, CallRecord } from "../store/run-store.js";
import type { ExecutorRule, FailureSummary, RunResult } from "../runtime-types.js";
import type { RunEnv } from "./env.js";
import type { Abortable } from "../executor-shell.js";
import { LatticeworkError, describeThrown, zodIssues } from "../errors.js";
import { DependencyFailed, containsDeferred, resolveDeferred, toRunPromise, type CallHandle } from "./deferred.js";
import { runJobCall, runSubflowCall, errorOf, type Prepared } from "./calls.js";
import { canonicalJson } from "../canonical.js";
import { createHash } from "node:crypto";
import { callKeyOf } from "./ids.js";

/** Codes of calls recorded without running (their key derives from the code, not the input). */
const EARLY_CODES = ["DEPENDENCY_FAILED", "INPUT_INVALID", "CANCELLED"];

/** How a run replays earlier records: not at all, resume (skip finished work) or retry (re-run failures). */
export type ReplayMode = "new" | "resume" | "retry";

/** Everything that identifies one flow run. */
export interface FlowRunInit {
  runId: string;
  mode: ReplayMode;
  parent?: FlowRun;
  /** Call path of the sub-flow call in the parent ("" for top-level runs). */
  pathPrefix: string;
  parentCallKey?: string;
  runExecutor: string | undefined;
  runRules: readonly ExecutorRule[];
  target: { module: string; exportPath: string } | null;
}

/**
 * One flow run (or one-job run, or sub-flow run): runs the body, tracks every call it starts, and
 * ends only when the body AND all its calls settled. Calls are keyed deterministically, so a replay
 * (resume / retry) finds the records of earlier attempts.
 */
export class FlowRun {
  readonly env: RunEnv;
  readonly init: FlowRunInit;
  readonly runId: string;
  readonly logger: Logger;
  readonly container: Container;
  readonly failures: FailureSummary[] = [];
  readonly #controller = new AbortController();
  readonly #attempts = new Set<Abortable>();
  readonly #children = new Set<FlowRun>();
  readonly #counters = new Map<string, number>();
  #pending = 0;
  #idle: (() => void) | undefined;
  #cancelled = false;
  /** Earlier call records (replay only), by call key. */
  prior: Map<string, CallRecord> | undefined;
  /** Earlier attempts (replay only), by call key, in attempt order. */
  priorAttempts: Map<string, AttemptRecord[]> | undefined;

  constructor(env: RunEnv, init: FlowRunInit) {
    this.env = env;
    this.init = init;
    this.runId = init.runId;
    this.logger = env.logger.child({ runId: init.runId });
    this.container = (init.parent?.container ?? env.container).createChild();
  }

  get mode(): ReplayMode {
    return this.init.mode;
  }
  get cancelled(): boolean {
    return this.#cancelled;
  }
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stop the run: abort the flow signal, every in-flight attempt and every sub-flow. */
  cancel(reason: string): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#controller.abort(new LatticeworkError("CANCELLED", reason));
    for (const c of this.#attempts) c.abort(new LatticeworkError("CANCELLED", reason));
    for (const child of this.#children) child.cancel(reason);
  }

  /** One call settled (shared by every call instead of a closure per call). */
  readonly #callSettled = (): void => {
    if (--this.#pending === 0 && this.#idle) this.#idle();
  };
  /** `track`, bound once (shared by every call of the run instead of a closure per call). */
  readonly trackAttempt = (controller: Abortable): (() => void) => this.track(controller);
  /** `cancelled`, as a function bound once (shared by every call of the run). */
  readonly isCancelled = (): boolean => this.#cancelled;

  /** Register an attempt (or a back-off wait); it is aborted when the run is cancelled. */
  track(controller: Abortable): () => void {
    if (this.#cancelled) controller.abort(new LatticeworkError("CANCELLED", "Run cancelled"));
    this.#attempts.add(controller);
    return () => this.#attempts.delete(controller);
  }

  /** Record a failed job (here and in every ancestor run). */
  reportFailure(f: FailureSummary): void {
    this.failures.push(f);
    this.init.parent?.reportFailure(f);
  }

  addChild(child: FlowRun): () => void {
    this.#children.add(child);
    if (this.#cancelled) child.cancel("Parent run cancelled");
    return () => this.#children.delete(child);
  }

  #nextPath(label: string): string {
    const n = this.#counters.get(label) ?? 0;
    this.#counters.set(label, n + 1);
    return `${this.init.pathPrefix}/${label}#${n}`;
  }

  #track<T>(callPath: string, work: (handle: CallHandle) => Promise<T>): RunPromise<T> {
    const handle = { callPath, callKey: undefined } as { callPath: string; callKey: string | undefined; promise: Promise<unknown> };
    this.#pending++;
    const promise = work(handle);
    handle.promise = promise;
    // Also marks the promise as handled: a failed call nobody awaits is recorded, not thrown.
    promise.then(this.#callSettled, this.#callSettled);
    return toRunPromise(promise, handle);
  }

  /**
   * Resolve a call's deferred inputs, validate them against `schema`, and compute its key. Returns
   * a failure (recorded as a failed call that never ran) when a dependency failed, the input is
   * invalid, or the run was cancelled.
   */
  async prepare(handle: CallHandle, kind: "job" | "flow", name: string, schema: Flow["input"], raw: unknown): Promise<Prepared> {
    let input = raw;
    const fail = (code: string, message: string, details?: Record<string, unknown>): Prepared & { ok: false } => ({
      ok: false,
      error: { code, message, ...(details ? { details } : {}) },
      callKey: callKeyOf(this.runId, handle.callPath, name, `!${code}`),
    });
    let deps: Awaited<ReturnType<typeof resolveDeferred>>["deps"] = [];
    if (containsDeferred(raw)) {
      try {
        ({ value: input, deps } = await resolveDeferred(raw));
      } catch (err) {
        if (!(err instanceof DependencyFailed)) return fail(LatticeworkError.is(err) ? err.code : "INPUT_INVALID", describeThrown(err).message);
        const dep = err;
        return fail("DEPENDENCY_FAILED", `Not run: its input needs "${dep.callPath}", which failed (${describeThrown(dep.cause).message.split("\n")[0]})`, {
          dependency: dep.callPath,
        });
      }
    }
    if (this.#cancelled) return { ...fail("CANCELLED", "Not run: the run was cancelled"), cancelled: true };
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error);
      return fail("INPUT_INVALID", `Input of ${kind} "${name}" is invalid (nothing was submitted):\n${issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n")}`, { issues });
    }
    let canon: string;
    try {
      canon = canonicalJson(input);
    } catch (err) {
      return fail("INPUT_INVALID", `Input of ${kind} "${name}": ${(err as Error).message}`);
    }
    const inputHash = createHash("sha256").update(canon).digest("hex");
    const callKey = callKeyOf(this.runId, handle.callPath, name, inputHash);
    handle.callKey = callKey;
    if (this.prior) this.#supersedeEarlyFailures(handle.callPath, name, callKey);
    for (const d of deps) {
      if (d.handle?.callKey) this.env.store.addEdge({ runId: this.runId, fromKey: d.handle.callKey, toKey: callKey, path: d.path });
    }
    return { ok: true, input, parsed: parsed.data, canon, inputHash, callKey };
  }

  /**
   * On replay, a call that now got a real key may have been recorded earlier under an early-failure
   * key (its dependency failed, it was cancelled before running): mark that record superseded so
   * `show` does not list a stale failure next to the call that ran.
   */
  #supersedeEarlyFailures(callPath: string, name: string, callKey: string): void {
    for (const code of EARLY_CODES) {
      const key = callKeyOf(this.runId, callPath, name, `!${code}`);
      const rec = this.prior?.get(key);
      if (rec && rec.error?.code !== "SUPERSEDED") {
        this.env.store.updateCall(this.runId, key, {
          state: "cancelled",
          error: { code: "SUPERSEDED", message: `Replaced by a later run of this call (key ${callKey})`, details: { previous: rec.error } },
        });
        this.prior?.delete(key);
      }
    }
  }

  /** The FlowContext handed to the body. */
  context(): FlowContext {
    const self = this;
    const ctx: FlowContext = {
      runId: this.runId,
      logger: this.logger,
      signal: this.signal,
      run(job, input, options) {
        if (!job || (job as { kind?: unknown }).kind !== "job") {
          throw new LatticeworkError("INPUT_INVALID", "f.run(job, input): the first argument must be a job made with defineJob (for flows use f.subflow)");
        }
        const path = self.#nextPath(options?.label ?? job.name);
        return self.#track(path, (h) => runJobCall(self, h, job, input, options ?? {})) as never;
      },
      subflow(flow, input, options) {
        if (!flow || (flow as { kind?: unknown }).kind !== "flow") {
          throw new LatticeworkError("INPUT_INVALID", "f.subflow(flow, input): the first argument must be a flow made with defineFlow (for jobs use f.run)");
        }
        const path = self.#nextPath(options?.label ?? flow.name);
        return self.#track(path, (h) => runSubflowCall(self, h, flow, input, options ?? {})) as never;
      },
      map(job, inputs, options) {
        if (!Array.isArray(inputs)) throw new LatticeworkError("INPUT_INVALID", "f.map(job, inputs): `inputs` must be an array");
        return Promise.all(inputs.map((i) => ctx.run(job, i, options)));
      },
    };
    return ctx;
  }

  async #loadPrior(): Promise<boolean> {
    const store = this.env.store;
    const existing = await store.getRun(this.runId);
    if (!existing) return false;
    const calls = await store.listCalls(this.runId);
    this.prior = new Map(calls.map((c) => [c.callKey, c]));
    const attempts = await store.listAttempts(this.runId);
    this.priorAttempts = new Map();
    for (const a of attempts) {
      let list = this.priorAttempts.get(a.callKey);
      if (!list) this.priorAttempts.set(a.callKey, (list = []));
      list.push(a);
    }
    for (const list of this.priorAttempts.values()) list.sort((a, b) => a.attempt - b.attempt);
    return true;
  }

  /** Run the body (a flow, or a single job) to the end, record the outcome, never throw. */
  async execute(target: AnyFlow | Job, rawInput: unknown, options: Record<string, unknown>): Promise<RunResult> {
    const { store, bus } = this.env;
    const now = Date.now();
    const parentRunId = this.init.parent?.runId ?? null;
    const existed = this.mode !== "new" && (await this.#loadPrior());
    const live = { state: "running" as RunState, ownerPid: process.pid, ownerHost: hostname(), startedAt: now, endedAt: null, error: null, cancelRequested: false };
    if (existed) store.updateRun(this.runId, live);
    else {
      store.createRun({
        runId: this.runId, name: target.name, kind: target.kind, target: this.init.target, input: rawInput, parentRunId,
        parentCallKey: this.init.parentCallKey ?? null, executor: this.init.runExecutor ?? null, options, output: null, createdAt: now, ...live,
      });
    }
    this.env.register(this.runId, this, !this.init.parent);
    if (bus.active) bus.emit({ type: "run.started", runId: this.runId, flow: target.name, ...(parentRunId ? { parentRunId } : {}), at: now });
    this.logger.info(existed ? (this.mode === "retry" ? "run retried" : "run resumed") : "run started", { name: target.name, kind: target.kind, ...(parentRunId ? { parentRunId } : {}) });

    let output: unknown;
    let bodyError: unknown;
    let bodyFailed = false;
    try {
      if (target.kind === "job") {
        output = await this.context().run(target, rawInput as never, {});
      } else {
        const parsed = target.input.safeParse(rawInput);
        if (!parsed.success) throw new LatticeworkError("INPUT_INVALID", `Input of flow "${target.name}" is invalid:\n${zodIssues(parsed.error).map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n")}`);
        output = await target.run(parsed.data, this.context());
        if (containsDeferred(output)) output = (await resolveDeferred(output)).value;
      }
    } catch (err) {
      bodyFailed = true;
      bodyError = err;
    }
    if (this.#pending > 0) await new Promise<void>((resolve) => (this.#idle = resolve));

    let state: RunState;
    let error: TaskError | null = null;
    if (this.#cancelled) {
      state = "cancelled";
      error = { code: "CANCELLED", message: describeThrown(this.#controller.signal.reason).message };
    } else if (bodyFailed || this.failures.length > 0) {
      state = "failed";
      error = this.failures.length > 0 && (!bodyFailed || LatticeworkError.is(bodyError, "JOB_FAILED") || LatticeworkError.is(bodyError, "DEPENDENCY_FAILED") || LatticeworkError.is(bodyError, "FLOW_FAILED"))
        ? { code: "FLOW_FAILED", message: `${this.failures.length} job(s) failed: ${this.failures.slice(0, 5).map((f) => `${f.callPath} (${f.error.code}: ${f.error.message.split("\n")[0]})`).join("; ")}${this.failures.length > 5 ? "; ..." : ""}` }
        : errorOf(bodyError, "FLOW_FAILED");
    } else {
      state = "completed";
      if (target.kind === "flow" && target.output) {
        const parsed = target.output.safeParse(output);
        if (!parsed.success) {
          state = "failed";
          error = { code: "OUTPUT_INVALID", message: `Output of flow "${target.name}" is invalid:\n${zodIssues(parsed.error).map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n")}` };
        } else output = parsed.data;
      }
    }
    const endedAt = Date.now();
    store.updateRun(this.runId, { state, output: state === "completed" ? (output ?? null) : null, error, endedAt, ownerPid: null, ownerHost: null });
    if (!this.init.parent) await store.flush().catch((err: unknown) => this.logger.error("store flush failed", { error: describeThrown(err).message }));
    this.env.unregister(this.runId);
    (state === "completed" ? this.logger.info : this.logger.warn).call(this.logger, "run ended", { state, durationMs: endedAt - now, failures: this.failures.length });
    if (bus.active) bus.emit({ type: "run.ended", runId: this.runId, state, at: endedAt, ...(error ? { error } : {}) });
    return { runId: this.runId, state, output: state === "completed" ? output : undefined, error, failures: [...this.failures] };
  }
}
