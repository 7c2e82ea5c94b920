import { posix } from "node:path";
import {
  LatticeworkError,
  TaskOutcomeSchema,
  noopLogger,
  type Executor,
  type ExecutorCapabilities,
  type ExecutorContext,
  type Logger,
  type Submission,
  type TaskOutcome,
  type TaskSpec,
} from "@latticework/core";
import { parseSlurmOptions, type ResolvedSlurmOptions, type SlurmOptions } from "./options.js";
import { renderBatchScript, slurmJobName, taskFiles, workerCommand, workerNodeArgsFor } from "./sbatch-script.js";
import { SlurmCommands, SubmitRejectedError } from "./slurm-commands.js";
import { describePendingReason, normalizeState, outcomeFromSlurm, phaseOf } from "./states.js";

/** States in which SLURM itself killed the job (the worker's own "cancelled" outcome is not the cause). */
const SCHEDULER_KILLS = new Set(["TIMEOUT", "DEADLINE", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL"]);
import { expandNodelist } from "./nodelist.js";
import type { SqueueRow } from "./parsers/squeue.js";
import { createTransport, type TransportHooks } from "./transports/create-transport.js";
import type { SlurmTransport } from "./transports/slurm-transport.js";
import { localWorkerCommand } from "./worker-paths.js";
import { mapPath, stageSpec } from "./staging.js";
import { sleep } from "./util.js";

interface Tracked {
  jobId: string;
  task: TaskSpec;
  files: ReturnType<typeof taskFiles>;
  resolve: (o: TaskOutcome) => void;
  done: boolean;
  reason?: string;
  running: boolean;
  missing: number;
  graceTerminal: number;
  cancelRequested: boolean;
}

/** Hooks that cannot live in a JSON config. */
export interface SlurmHooks extends TransportHooks {
  /** Use this transport instead of building one from the options (tests, embedding). */
  transport?: SlurmTransport;
}

/**
 * Per-job SLURM executor: one `sbatch` per task attempt. Specs are staged to a shared directory,
 * ALL jobs are polled with one squeue call per cycle (with back-off), success is decided from
 * the outcome file the worker writes, and jobs that vanish are resolved (outcome file, scontrol,
 * sacct, else `lost`), never left hanging.
 */
export class SlurmExecutor implements Executor {
  readonly name: string;
  readonly capabilities: ExecutorCapabilities;
  readonly options: ResolvedSlurmOptions;
  readonly #hooks: SlurmHooks;
  #log: Logger = noopLogger;
  #ctx: ExecutorContext | undefined;
  #transport: SlurmTransport | undefined;
  #cmd: SlurmCommands | undefined;
  #worker: { entry: string; nodeArgs: string[]; configured: boolean } | undefined;
  readonly #tracked = new Map<string, Tracked>();
  readonly #queued = new Map<string, string>();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #rearm: ((ms: number) => void) | undefined;
  #sleepUntil = 0;
  /** A job was submitted or attached since the last poll started. */
  #fresh = false;
  #stopped = false;

  constructor(options: SlurmOptions = {}, name = "slurm", hooks: SlurmHooks = {}) {
    this.options = parseSlurmOptions(options);
    this.name = name;
    this.#hooks = hooks;
    this.capabilities = Object.freeze({ cancel: true, attach: true, mpi: true, remote: this.options.ssh !== undefined, timeouts: false });
  }

  /** The commands helper (sbatch/squeue counters), available after start. */
  get commands(): SlurmCommands {
    if (!this.#cmd) throw new LatticeworkError("EXECUTOR_ERROR", `[slurm] executor "${this.name}" is not started`);
    return this.#cmd;
  }

  async start(ctx: ExecutorContext): Promise<void> {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ executor: this.name });
    this.#transport = this.#hooks.transport ?? (await createTransport(this.options, { ...this.#hooks, logger: this.#log }));
    this.#cmd = new SlurmCommands(this.#transport, this.options, this.#log);
    const local = await localWorkerCommand();
    this.#worker = { entry: this.options.remote.workerEntry ?? local.entry, nodeArgs: this.options.remote.nodeArgs ?? local.nodeArgs, configured: this.options.remote.nodeArgs !== undefined };
    // Jobs already in the queue under our tags (an orchestrator that died right after sbatch, before
    // its store recorded the job id): a resubmission of the same task attempt adopts them instead.
    try {
      const prefix = slurmJobName(this.options.jobNamePrefix, this.name, "");
      for (const r of await this.#cmd.squeue()) if (r.name.startsWith(prefix) && phaseOf(r.state) !== "terminal") this.#queued.set(r.name, r.jobId);
    } catch (e) {
      this.#log.warn("[slurm] could not list queued jobs at start", { error: String((e as Error)?.message ?? e) });
    }
    if ("connect" in this.#transport && typeof this.#transport.connect === "function") await (this.#transport.connect as () => Promise<void>)();
  }

  #dirOf(task: TaskSpec): string {
    const root = this.options.remote.workRoot;
    return root ? posix.join(root, this.name, task.runId, task.taskId) : task.workdir;
  }

  async submit(task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    if (this.#stopped) throw new LatticeworkError("EXECUTOR_DISPOSED", `[slurm] Executor "${this.name}" was disposed; create a new one to submit more work.`);
    const cmd = this.commands;
    const dir = this.#dirOf(task);
    const files = taskFiles(dir);
    const spec: TaskSpec = { ...task, workdir: dir, outcomePath: files.outcome, module: mapPath(task.module, this.options.remote.pathMap) };
    await stageSpec(cmd.transport, files.spec, spec);
    const jobName = slurmJobName(this.options.jobNamePrefix, this.name, task.taskId);
    const script = renderBatchScript({
      jobName,
      resources: task.resources,
      options: this.options,
      workdir: dir,
      command: workerCommand(this.options.remote.node, workerNodeArgsFor(spec.module, this.#worker!.nodeArgs, this.#worker!.configured ? this.#worker!.nodeArgs : undefined), this.#worker!.entry, files.spec),
      stdoutPath: files.stdout,
      stderrPath: files.stderr,
      exitCodePath: files.exitCode,
      description: `task ${task.taskId} (job ${task.job}, attempt ${task.attempt})`,
    });
    await cmd.transport.writeFile(files.script, script, 0o700);
    let jobId: string;
    try {
      const adopted = this.#queued.get(jobName);
      this.#queued.delete(jobName);
      jobId = adopted ?? (await cmd.sbatch(files.script, dir, jobName));
    } catch (e) {
      const err = e as Error;
      return {
        nativeId: `unsubmitted:${task.taskId}`,
        outcome: Promise.resolve({
          state: "failed",
          error: { code: LatticeworkError.is(e) ? e.code : "EXECUTOR_ERROR", message: err.message, retryable: !(e instanceof SubmitRejectedError), details: { jobName } },
          endedAt: Date.now(),
        }),
      };
    }
    return { nativeId: jobId, outcome: this.#track(jobId, task, files, signal) };
  }

  async attach(nativeId: string, task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    if (this.#stopped) throw new LatticeworkError("EXECUTOR_DISPOSED", `[slurm] Executor "${this.name}" was disposed.`);
    this.commands;
    return { nativeId, outcome: this.#track(nativeId, task, taskFiles(this.#dirOf(task)), signal) };
  }

  #track(jobId: string, task: TaskSpec, files: ReturnType<typeof taskFiles>, signal: AbortSignal): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve) => {
      const t: Tracked = { jobId, task, files, resolve, done: false, running: false, missing: 0, graceTerminal: 0, cancelRequested: false };
      this.#tracked.set(jobId, t);
      const onAbort = () => {
        t.cancelRequested = true;
        void this.cancel(jobId);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
      this.#ctx?.events.emit({ type: "task.submitted", runId: task.runId, taskId: task.taskId, job: task.job, nativeId: jobId, executor: this.name, at: Date.now() });
      this.#ensureLoop();
    });
  }

  /**
   * Start the poll loop, or make its next poll come within `pollMs` (a burst of submissions
   * does not turn into a burst of squeue calls competing with the sbatch calls).
   */
  #ensureLoop(): void {
    this.#fresh = true;
    if (this.#sleepUntil - Date.now() > this.options.pollMs) this.#rearm?.(this.options.pollMs);
    if (this.#loop || this.#stopped) return;
    this.#loop = this.#pollLoop().finally(() => {
      this.#loop = undefined;
      // Work may have arrived between the loop's last check and now.
      if (this.#tracked.size > 0 && !this.#stopped) this.#ensureLoop();
    });
  }

  /**
   * Poll cadence: `pollMs` after anything changed or was submitted, then backing off by 1.5x while
   * nothing changes: up to `maxPollMs` while every job is pending, but to at most 3 x pollMs while
   * some job runs (a running job's end is what users wait for; one squeue for all jobs is cheap).
   */
  async #pollLoop(): Promise<void> {
    let interval = this.options.pollMs;
    while (!this.#stopped && this.#tracked.size > 0) {
      this.#fresh = false;
      await new Promise<void>((r) => {
        let t = setTimeout(r, interval);
        this.#sleepUntil = Date.now() + interval;
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
        this.#rearm = (ms) => {
          clearTimeout(t);
          t = setTimeout(r, ms);
          this.#sleepUntil = Date.now() + ms;
        };
      });
      this.#wake = this.#rearm = undefined;
      this.#sleepUntil = 0;
      if (this.#stopped) break;
      let changed = false;
      try {
        changed = await this.pollOnce();
      } catch (e) {
        // Controller or connection trouble: never a job failure; back off and try again.
        this.#log.warn("[slurm] status poll failed; will retry", { error: String((e as Error)?.message ?? e) });
      }
      const running = [...this.#tracked.values()].some((t) => t.running);
      const cap = running ? Math.min(this.options.maxPollMs, 3 * this.options.pollMs) : this.options.maxPollMs;
      interval = changed || this.#fresh ? this.options.pollMs : Math.min(cap, Math.round(interval * 1.5));
    }
  }

  /** One status cycle: one squeue call for all tracked jobs. Returns whether anything changed. */
  async pollOnce(): Promise<boolean> {
    if (this.#tracked.size === 0) return false;
    const rows = new Map<string, SqueueRow>();
    for (const r of await this.commands.squeue()) rows.set(r.jobId, r);
    let changed = false;
    await Promise.all(
      [...this.#tracked.values()].map(async (t) => {
        const row = rows.get(t.jobId);
        if (!row) {
          t.missing++;
          // Gone from squeue (MinJobAge passed, or controller restarted): resolve, never hang.
          if (t.missing >= 2 || (await this.#readOutcome(t))) changed = (await this.#finish(t, undefined)) || changed;
          return;
        }
        t.missing = 0;
        const phase = phaseOf(row.state);
        if (phase === "pending") {
          if (row.reason && row.reason !== "None" && row.reason !== t.reason) {
            t.reason = row.reason;
            changed = true;
            this.#ctx?.events.emit({ type: "task.waiting", runId: t.task.runId, taskId: t.task.taskId, job: t.task.job, reason: describePendingReason(row.reason), at: Date.now() });
          }
        } else if (phase === "running") {
          if (!t.running) {
            t.running = true;
            changed = true;
            const host = expandNodelist(row.nodes)[0];
            this.#ctx?.events.emit({ type: "task.running", runId: t.task.runId, taskId: t.task.taskId, job: t.task.job, at: Date.now(), ...(host ? { host } : {}) });
          }
        } else {
          changed = (await this.#finish(t, row)) || changed;
        }
      }),
    );
    return changed;
  }

  async #readOutcome(t: Tracked): Promise<TaskOutcome | undefined> {
    const text = await this.commands.transport.readFile(t.files.outcome).catch(() => undefined);
    if (!text) return undefined;
    try {
      return TaskOutcomeSchema.parse(JSON.parse(text));
    } catch {
      return undefined;
    }
  }

  async #finish(t: Tracked, row: SqueueRow | undefined): Promise<boolean> {
    if (t.done) return false;
    const cmd = this.commands;
    const written = await this.#readOutcome(t);
    const state0 = row?.state;
    if (written) {
      // SLURM signals the worker at walltime/OOM/node failure; the worker then writes "cancelled".
      // The scheduler's reason is the truth users need, unless latticework asked for the cancel.
      const withPaths: TaskOutcome =
        written.state === "completed" ? written : { ...written, error: { stdoutPath: t.files.stdout, stderrPath: t.files.stderr, ...written.error } };
      if (written.state === "completed" && !t.cancelRequested) return this.#settle(t, written);
      const st = normalizeState(state0 ?? (await cmd.scontrol(t.jobId))?.JobState ?? "").state;
      if (t.cancelRequested) {
        // We asked for the cancel: a job SLURM cancelled is cancelled, even if its code returned normally.
        if (st !== "CANCELLED") return this.#settle(t, withPaths);
        return this.#settle(t, { state: "cancelled", error: { code: "CANCELLED", message: `[slurm] Job ${t.jobId} was cancelled by latticework (scancel).`, schedulerState: "CANCELLED", stdoutPath: t.files.stdout, stderrPath: t.files.stderr }, endedAt: Date.now() });
      }
      if (!SCHEDULER_KILLS.has(st)) return this.#settle(t, withPaths);
      const o = outcomeFromSlurm({ jobId: t.jobId, state: st, stdoutPath: t.files.stdout, stderrPath: t.files.stderr });
      if (o.state !== "completed" && written.state !== "completed") o.error.details = { ...o.error.details, workerError: written.error.message };
      return this.#settle(t, o);
    }
    // The worker writes its outcome before the job ends; give a shared filesystem a moment to show it.
    if ((state0 === undefined || phaseOf(state0) === "terminal") && /^(COMPLETED|FAILED)?$/.test(state0 ?? "") && t.graceTerminal < 2 && !t.cancelRequested) {
      t.graceTerminal++;
      return false;
    }
    const sc = await cmd.scontrol(t.jobId);
    const sa = sc ? undefined : await cmd.sacct(t.jobId);
    const state = sc?.JobState ?? row?.state ?? sa?.state;
    const tail = (await cmd.transport.readFile(t.files.stderr).catch(() => undefined))?.slice(-2000);
    const ecText = await cmd.transport.readFile(t.files.exitCode).catch(() => undefined);
    const scriptExit = ecText !== undefined && /^\d+\s*$/.test(ecText) ? Number(ecText.trim()) : undefined;
    if (!state) {
      return this.#settle(t, {
        state: "lost",
        error: {
          code: "LOST",
          message: `[slurm] Job ${t.jobId} left the queue without an outcome file, and neither scontrol nor sacct know it. It may have been purged after a controller restart; the task can be retried.`,
          retryable: true,
          stderrPath: t.files.stderr,
          ...(tail ? { stderrTail: tail } : {}),
          details: { slurmJobId: t.jobId },
        },
        endedAt: Date.now(),
      });
    }
    const reason = sc?.Reason ?? sa?.reason ?? row?.reason;
    const exitCode = sc?.ExitCode ?? sa?.exitCode;
    const o = outcomeFromSlurm({
      jobId: t.jobId,
      state,
      ...(exitCode ? { exitCode } : {}),
      ...(scriptExit !== undefined ? { scriptExit } : {}),
      ...(reason ? { reason } : {}),
      stdoutPath: t.files.stdout,
      stderrPath: t.files.stderr,
      ...(tail ? { stderrTail: tail } : {}),
    });
    if (t.cancelRequested && o.state === "cancelled") o.error.message = `[slurm] Job ${t.jobId} was cancelled by latticework (scancel).`;
    return this.#settle(t, o);
  }

  #settle(t: Tracked, o: TaskOutcome): boolean {
    if (t.done) return false;
    t.done = true;
    this.#tracked.delete(t.jobId);
    t.resolve(o);
    return true;
  }

  async cancel(nativeId: string): Promise<void> {
    if (nativeId.startsWith("unsubmitted:")) return;
    const t = this.#tracked.get(nativeId);
    if (t) t.cancelRequested = true;
    await this.commands.scancel([nativeId]);
    this.#ensureLoop();
  }

  async dispose(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop?.catch(() => {});
    const outstanding = [...this.#tracked.values()];
    if (outstanding.length > 0 && this.options.cancelOnDispose && this.#cmd) {
      await this.#cmd.scancel(outstanding.map((t) => t.jobId)).catch(() => {});
    }
    for (const t of outstanding) {
      this.#settle(t, { state: "cancelled", error: { code: "CANCELLED", message: `[slurm] Executor "${this.name}" was disposed while job ${t.jobId} was in flight${this.options.cancelOnDispose ? " (scancel sent)" : " (job left running; resume re-attaches)"}.` }, endedAt: Date.now() });
    }
    await this.#transport?.close();
    await sleep(0);
  }
}
