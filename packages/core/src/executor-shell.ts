import type { Executor, ExecutorCapabilities, ExecutorContext, Submission } from "./executor.js";
import type { TaskError, TaskOutcome, TaskSpec } from "./task.js";
import type { AttemptRecord, RunStore } from "./store/run-store.js";
import type { LatticeworkEvent, RunState } from "./events.js";
import type { EventBus } from "./events-bus.js";
import type { Deadlines } from "./runtime/deadlines.js";
import { LatticeworkError } from "./errors.js";
import { backoffDelay, shouldRetry, type ResolvedRetryPolicy } from "./retry.js";

/** How long an executor gets to settle an attempt after it was cancelled or timed out. */
const SETTLE_GRACE_MS = 30_000;
/**
 * Attempts of executors that cannot re-attach after a crash get their store row when they end (one
 * row write instead of three), or once they have been running this long (so `latticework show`
 * from another process sees long jobs as running).
 */
export const ATTEMPT_VISIBLE_AFTER_MS = 1000;

/** An attempt whose row is not written yet (see {@link ATTEMPT_VISIBLE_AFTER_MS}). */
interface Unwritten {
  readonly rec: AttemptRecord;
  readonly at: number;
}

type Failed = Exclude<TaskOutcome, { state: "completed" }>;

/** Something the run can abort: an AbortController, or the shell's handle on one attempt. */
export interface Abortable {
  abort(reason?: unknown): void;
}

/** Where a call's attempts come from and go to: everything the shell needs besides the executor. */
export interface ShellCall {
  /** Builds the TaskSpec for an attempt (attempt number and task id given). */
  spec(attempt: number, taskId: string): TaskSpec;
  /** Task id for an attempt (deterministic: call key + attempt). */
  taskId(attempt: number): string;
  retry: ResolvedRetryPolicy;
  /** Number of the first new attempt (previous attempts are kept in the store). */
  firstAttempt: number;
  /** Re-attach to this earlier attempt first (only when the executor can attach). */
  attach?: { nativeId: string; attempt: number; taskId: string };
  /** Register an attempt (anything with `abort(reason)`) with the run so run cancellation aborts it. Returns untrack. */
  track(attempt: Abortable): () => void;
  /** True once the run was cancelled: no new attempts. */
  cancelled(): boolean;
  /**
   * The run's signal (aborted when the run is cancelled). Attempts that need no signal of their
   * own (no time-out enforced by the shell) hand this one to the executor instead of creating an
   * AbortController each; they are still aborted one by one through `track`.
   */
  signal?: AbortSignal;
  /** Random source for jitter (tests). */
  random?: () => number;
}

/** The result of all attempts of a call. */
export interface ShellResult {
  outcome: TaskOutcome;
  attempt: number;
  taskId: string;
}

/**
 * The runtime's wrapper around every {@link Executor}: it owns the invariants so adapters only
 * execute. Start once (lazily, on the first submit), dispose once, refuse work after dispose
 * (EXECUTOR_DISPOSED), time-outs for executors that do not enforce them (abort + cancel at the
 * deadline, reported as `timed-out`), AbortSignal threading, retries with exponential back-off and
 * jitter, one attempt row per attempt in the store, and an event for every transition.
 */
export class ExecutorShell {
  readonly #executor: Executor;
  readonly #name: string;
  readonly #ctx: ExecutorContext;
  readonly #store: RunStore;
  readonly #bus: EventBus;
  readonly #deadlines: Deadlines;
  #started: Promise<void> | undefined;
  #disposed: Promise<void> | undefined;
  /** Attempts allowed in flight at once (from `capabilities.maxConcurrency`), else Infinity. */
  readonly #window: number;
  #inFlight = 0;
  #waiting: (() => void)[] = [];
  #waitHead = 0;
  /** Attempts started but not yet in the store, oldest first (Map keeps insertion order). */
  readonly #unwritten = new Map<string, Unwritten>();
  #sweepTimer: NodeJS.Timeout | undefined;

  /** `name` is the key the executor is registered under (what the store and routing rules use). */
  constructor(name: string, executor: Executor, deps: { context: ExecutorContext; store: RunStore; bus: EventBus; deadlines: Deadlines }) {
    this.#name = name;
    this.#executor = executor;
    this.#ctx = deps.context;
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#deadlines = deps.deadlines;
    const max = executor.capabilities.maxConcurrency;
    // Keep the executor's queue full enough to pipeline (several tasks per slot), but do not build
    // specs, attempt rows and signals for 100,000 calls that would only wait inside the executor.
    this.#window = max !== undefined && max > 0 ? Math.max(256, max * 8) : Infinity;
  }

  #acquire(): Promise<void> | undefined {
    if (this.#inFlight < this.#window) {
      this.#inFlight++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    if (this.#waitHead < this.#waiting.length) {
      const next = this.#waiting[this.#waitHead] as () => void;
      this.#waiting[this.#waitHead++] = undefined as unknown as () => void;
      if (this.#waitHead > 1024 && this.#waitHead * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#waitHead);
        this.#waitHead = 0;
      }
      next(); // the slot passes straight to the next waiter
    } else {
      this.#inFlight--;
    }
  }

  /** Registered name of the executor. */
  get name(): string {
    return this.#name;
  }
  get capabilities(): ExecutorCapabilities {
    return this.#executor.capabilities;
  }
  /** True after `dispose` was called. */
  get disposed(): boolean {
    return this.#disposed !== undefined;
  }

  /** Start the executor once; later calls return the same promise. */
  start(): Promise<void> {
    if (this.#disposed) return Promise.reject(this.#disposedError());
    this.#started ??= Promise.resolve().then(() => this.#executor.start(this.#ctx));
    return this.#started;
  }

  /** Dispose once (only if it was started). Later calls return the same promise. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      if (!this.#started) return;
      await this.#started.catch(() => {});
      await this.#executor.dispose();
    })();
    return this.#disposed;
  }

  #disposedError(): LatticeworkError {
    return new LatticeworkError("EXECUTOR_DISPOSED", `Executor "${this.name}" was disposed (the runtime was closed); create a new runtime to run more work.`);
  }

  #emit(event: LatticeworkEvent): void {
    this.#bus.emit(event);
  }

  /** The executor reported an attempt as running (`task.running`): record it. */
  noteRunning(taskId: string, at: number): void {
    const u = this.#unwritten.get(taskId);
    if (u) {
      u.rec.state = "running";
      u.rec.startedAt = at;
    } else this.#store.updateAttempt(taskId, { state: "running", startedAt: at });
  }

  /** The executor reported why an attempt waits (`task.waiting`, e.g. a SLURM pending reason). */
  noteWaiting(taskId: string, reason: string): void {
    const u = this.#unwritten.get(taskId);
    if (!u) return this.#store.updateAttempt(taskId, { note: reason });
    // A scheduler note is only worth having while it is visible: write the attempt now.
    u.rec.note = reason;
    this.#writeNow(taskId, u);
  }

  #writeNow(taskId: string, u: Unwritten): void {
    this.#unwritten.delete(taskId);
    this.#store.createAttempt(u.rec);
    this.#store.updateCall(u.rec.runId, u.rec.callKey, { state: "submitted", attempts: u.rec.attempt, executor: this.#name });
  }

  /** Write the rows of attempts that have been going for {@link ATTEMPT_VISIBLE_AFTER_MS}. */
  #sweep(): void {
    this.#sweepTimer = undefined;
    const now = Date.now();
    for (const [taskId, u] of this.#unwritten) {
      if (u.at + ATTEMPT_VISIBLE_AFTER_MS > now) {
        this.#armSweep(u.at + ATTEMPT_VISIBLE_AFTER_MS - now);
        return;
      }
      this.#writeNow(taskId, u);
    }
  }

  #armSweep(ms = ATTEMPT_VISIBLE_AFTER_MS): void {
    if (this.#sweepTimer) return;
    this.#sweepTimer = setTimeout(() => this.#sweep(), ms);
    this.#sweepTimer.unref();
  }

  /**
   * Run every attempt of a call (re-attach first when asked), retrying failures per policy. A call
   * waiting for a slot holds only a queued resolver (no suspended async frame): with 100,000
   * pending calls that is most of the orchestrator's memory.
   */
  execute(call: ShellCall): Promise<ShellResult> {
    if (this.#inFlight < this.#window) {
      this.#inFlight++;
      return this.#execute(call);
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(() => this.#execute(call));
  }

  /** The attempts of a call; entered holding a slot for the first attempt. */
  async #execute(call: ShellCall): Promise<ShellResult> {
    let attempt = call.firstAttempt;
    let attach = call.attach && this.capabilities.attach && this.#executor.attach ? call.attach : undefined;
    if (attach) attempt = attach.attempt;
    const lastAllowed = call.firstAttempt + call.retry.retries;
    for (let holding = true; ; holding = false) {
      const taskId = attach ? attach.taskId : call.taskId(attempt);
      if (!holding) {
        const wait = this.#acquire();
        if (wait) await wait;
      }
      // Built after a slot is free: the deadline counts from submission, not from queueing.
      const spec = call.spec(attempt, taskId);
      let outcome: TaskOutcome;
      try {
        outcome = call.cancelled() ? cancelledOutcome("Run cancelled before the attempt started") : await this.#attempt(spec, call, attach?.nativeId);
      } finally {
        this.#release();
      }
      attach = undefined;
      if (outcome.state === "completed") return { outcome, attempt, taskId };
      if (attempt >= lastAllowed || call.cancelled() || !shouldRetry(call.retry, outcome)) return { outcome, attempt, taskId };
      const delayMs = backoffDelay(call.retry, attempt - call.firstAttempt + 1, call.random);
      if (this.#bus.active) this.#emit({ type: "task.retrying", runId: spec.runId, taskId, job: spec.job, attempt: attempt + 1, delayMs, at: Date.now() });
      await this.#sleep(delayMs, call);
      attempt++;
    }
  }

  async #sleep(ms: number, call: ShellCall): Promise<void> {
    if (ms <= 0) return;
    const ctrl = new AbortController();
    const untrack = call.track(ctrl);
    await new Promise<void>((resolve) => {
      const entry = this.#deadlines.add(Date.now() + ms, resolve);
      ctrl.signal.addEventListener("abort", () => {
        entry.cancel();
        resolve();
      }, { once: true });
    });
    untrack();
  }

  /** One attempt: store row, submit (or attach), time-out, abort, outcome. Never throws. */
  async #attempt(spec: TaskSpec, call: ShellCall, attachNativeId: string | undefined): Promise<TaskOutcome> {
    const store = this.#store;
    const now = Date.now();
    const name = this.#name;
    // An executor that can re-attach needs the attempt (and its native id) in the store at once:
    // `resume` after a crash finds it there. Any other attempt is written when it ends, unless it
    // runs long enough to be worth showing as running (see #sweep).
    let unwritten: Unwritten | undefined;
    if (!attachNativeId) {
      const rec: AttemptRecord = {
        taskId: spec.taskId, runId: spec.runId, callKey: spec.callKey, attempt: spec.attempt, job: spec.job, executor: name, state: "pending",
        nativeId: null, workdir: spec.workdir, stdoutPath: null, stderrPath: null, note: null, error: null, submittedAt: null, startedAt: null, endedAt: null,
      };
      if (this.capabilities.attach) store.createAttempt(rec);
      else {
        unwritten = { rec, at: now };
        this.#unwritten.set(spec.taskId, unwritten);
        this.#armSweep();
      }
    }
    if (!unwritten) store.updateCall(spec.runId, spec.callKey, { state: "submitted", attempts: spec.attempt, executor: name });
    if (this.#bus.active) this.#emit({ type: "task.pending", runId: spec.runId, taskId: spec.taskId, job: spec.job, callKey: spec.callKey, attempt: spec.attempt, executor: name, at: now });

    // Every abort of this attempt goes through `handle` (run cancel, time-out), so the shell reacts
    // without an event listener per attempt; the executor still gets a real AbortSignal: its own
    // when the shell enforces a time-out, else the run's (shared by every attempt of the run).
    const ownDeadline = !this.capabilities.timeouts && spec.deadline !== null;
    const ctrl = ownDeadline || !call.signal || this.capabilities.sharedSignal !== true ? new AbortController() : undefined;
    const signal = ctrl ? ctrl.signal : (call.signal as AbortSignal);
    const handle = new AttemptHandle(ctrl);
    const untrack = call.track(handle);
    let timedOut = false;
    let submission: Submission | undefined;
    const deadline =
      ownDeadline
        ? this.#deadlines.add(spec.deadline as number, () => {
            timedOut = true;
            handle.abort(new LatticeworkError("TIMEOUT", `Job "${spec.job}" exceeded its time-out of ${spec.timeoutMs} ms`));
          })
        : undefined;
    let outcome: TaskOutcome;
    try {
      if (this.#disposed) throw this.#disposedError();
      await this.start();
      if (handle.aborted) throw handle.reason;
      submission = attachNativeId
        ? await (this.#executor.attach as NonNullable<Executor["attach"]>).call(this.#executor, attachNativeId, spec, signal)
        : await this.#executor.submit(spec, signal);
      const nativeId = submission.nativeId;
      if (unwritten && this.#unwritten.has(spec.taskId)) {
        const rec = unwritten.rec;
        if (rec.state === "pending") rec.state = "submitted";
        rec.nativeId = nativeId;
        rec.submittedAt = Date.now();
      } else store.updateAttempt(spec.taskId, { state: "submitted", nativeId, submittedAt: Date.now() });
      if (this.#bus.active) this.#emit({ type: "task.submitted", runId: spec.runId, taskId: spec.taskId, job: spec.job, nativeId, executor: name, at: Date.now() });
      outcome = await this.#settle(submission.outcome, handle, nativeId);
    } catch (err) {
      outcome = handle.aborted ? cancelledOutcome(reasonText(handle.reason)) : failedOutcome(err, this.name);
    } finally {
      deadline?.cancel();
      untrack();
    }
    if (timedOut && outcome.state !== "completed") {
      outcome = {
        state: "timed-out",
        error: { ...outcome.error, code: "TIMEOUT", message: `Job "${spec.job}" exceeded its time-out of ${spec.timeoutMs} ms and was stopped`, retryable: false },
        ...(outcome.startedAt !== undefined ? { startedAt: outcome.startedAt } : {}),
        endedAt: outcome.endedAt ?? Date.now(),
      };
    }
    const error = outcome.state === "completed" ? null : outcome.error;
    const logs = error ?? (outcome as Extract<TaskOutcome, { state: "completed" }>);
    if (unwritten && this.#unwritten.delete(spec.taskId)) {
      // Never written: one row with the whole attempt.
      const rec = unwritten.rec;
      rec.state = outcome.state;
      rec.error = error;
      rec.endedAt = outcome.endedAt ?? Date.now();
      if (outcome.startedAt !== undefined) rec.startedAt = outcome.startedAt;
      if (logs.stdoutPath) rec.stdoutPath = logs.stdoutPath;
      if (logs.stderrPath) rec.stderrPath = logs.stderrPath;
      store.createAttempt(rec);
    } else {
      const patch: Partial<AttemptRecord> = { state: outcome.state, error, endedAt: outcome.endedAt ?? Date.now() };
      if (outcome.startedAt !== undefined) patch.startedAt = outcome.startedAt;
      if (logs.stdoutPath) patch.stdoutPath = logs.stdoutPath;
      if (logs.stderrPath) patch.stderrPath = logs.stderrPath;
      store.updateAttempt(spec.taskId, patch);
    }
    if (this.#bus.active) {
      const ended = { type: "task.ended", runId: spec.runId, taskId: spec.taskId, job: spec.job, attempt: spec.attempt, state: outcome.state as RunState, at: Date.now() } as Extract<LatticeworkEvent, { type: "task.ended" }>;
      if (error) ended.error = error;
      this.#emit(ended);
    }
    return outcome;
  }

  /**
   * Wait for the outcome. Once the attempt's signal aborts (cancel, time-out), also ask the executor
   * to cancel by native id, and give it a grace period to settle the outcome.
   */
  #settle(outcome: Promise<TaskOutcome>, handle: AttemptHandle, nativeId: string): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve) => {
      let grace: { cancel(): void } | undefined;
      const onAbort = (): void => {
        void Promise.resolve()
          .then(() => this.#executor.cancel(nativeId))
          .catch(() => {});
        grace = this.#deadlines.add(Date.now() + SETTLE_GRACE_MS, () =>
          resolve(cancelledOutcome(`${reasonText(handle.reason)}; executor "${this.name}" did not confirm within ${SETTLE_GRACE_MS / 1000} s`)),
        );
      };
      if (handle.aborted) onAbort();
      else handle.onAbort = onAbort;
      const settle = (o: TaskOutcome): void => {
        grace?.cancel();
        handle.onAbort = undefined;
        resolve(o);
      };
      outcome.then(settle, (err: unknown) => settle(failedOutcome(err, this.name)));
    });
  }
}

/** The shell's handle on one attempt: aborted by run cancel or time-out (idempotent). */
class AttemptHandle implements Abortable {
  aborted = false;
  reason: unknown = undefined;
  onAbort: (() => void) | undefined = undefined;
  readonly #ctrl: AbortController | undefined;
  constructor(ctrl: AbortController | undefined) {
    this.#ctrl = ctrl;
  }
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#ctrl?.abort(reason);
    this.onAbort?.();
  }
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "Cancelled";
}

/** A `cancelled` outcome with a CANCELLED error. */
export function cancelledOutcome(message: string): Failed {
  return { state: "cancelled", error: { code: "CANCELLED", message }, endedAt: Date.now() };
}

/** A `failed` outcome for an error thrown by the executor itself (not by the job). */
export function failedOutcome(err: unknown, executor: string): Failed {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = LatticeworkError.is(e) ? e.code : "EXECUTOR_ERROR";
  const error: TaskError = { code, message: `[${executor}] ${e.message}`, name: e.name };
  if (e.stack) error.stack = e.stack;
  if (LatticeworkError.is(e) && e.details["retryable"] === true) error.retryable = true;
  return { state: "failed", error, endedAt: Date.now() };
}
