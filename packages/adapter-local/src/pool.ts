import type { ExecutorContext, TaskOutcome, TaskSpec } from "@latticework/core";
import type { LocalOptions } from "./options.js";
import type { CancelReason, ChildMessage } from "./protocol.js";
import type { RunTaskFn } from "./runner.js";
import { TaskIO } from "./task-io.js";
import { WorkerProcess, type WorkerStart } from "./worker-process.js";
import { broken, crashed, lost, stopped } from "./outcomes.js";
import { TaskQueue } from "./task-queue.js";
import { DeadlineWatch } from "./deadline-watch.js";

/** One submitted attempt, as the pool tracks it. */
export interface Entry {
  readonly spec: TaskSpec;
  readonly id: string;
  readonly cpus: number;
  readonly inProcess: boolean;
  readonly exclusive: boolean;
  status: "queued" | "sent" | "done";
  lane: Lane | null;
  /** Absolute time (epoch ms) after which the task is stopped. */
  deadline: number | null;
  cancelReason: CancelReason | null;
  killTimer: NodeJS.Timeout | null;
  /** In-process tasks: their abort controller and whether they still hold slots. */
  ac: AbortController | null;
  holdsSlots: boolean;
  resolve(outcome: TaskOutcome): void;
  /** Entries of the signal this one listens on (shared by every task given that signal). */
  listeners: Set<Entry> | null;
}

/** Tasks that run one after another in one worker, holding `cpus` slots while any remain. */
interface Lane {
  readonly id: number;
  readonly worker: WorkerProcess;
  readonly cpus: number;
  readonly entries: Entry[];
}

/**
 * The scheduling core of the local executor: a FIFO queue, slot accounting (a task takes
 * `coresOf(resources)` slots), lanes on persistent workers with prefetch for short jobs, one timer
 * for all deadlines, cooperative cancel with a grace period, then a kill of the worker's process
 * group, and crash handling with worker replacement.
 */
export class Pool {
  readonly #o: LocalOptions;
  readonly #ctx: ExecutorContext;
  readonly #start: WorkerStart | null;
  readonly #runner: RunTaskFn | null;
  readonly #workers: (WorkerProcess | null)[] = [];
  readonly #queue = new TaskQueue<Entry>();
  readonly #entries = new Map<string, Entry>();
  readonly #lanes = new Map<number, Lane>();
  readonly #ewma = new Map<string, number>();
  readonly #deadlines = new DeadlineWatch<Entry>((e) => {
    this.#stop(e, "timeout");
    this.#pump();
  });
  readonly #bySignal = new WeakMap<AbortSignal, Set<Entry>>();
  #free: number;
  #laneSeq = 0;
  #disposing = false;
  #broken: string | null = null;

  constructor(o: LocalOptions, ctx: ExecutorContext, start: WorkerStart | null, runner: RunTaskFn | null) {
    this.#o = o;
    this.#ctx = ctx;
    this.#start = start;
    this.#runner = runner;
    this.#free = o.cores;
  }

  /** Start the workers and wait until each has loaded its runner. */
  async start(): Promise<void> {
    if (this.#start) for (let i = 0; i < this.#o.workers; i++) this.#spawn(i);
    await Promise.all(this.#workers.map((w) => w?.ready));
  }

  /** Resolves when every current worker has started (replacements included). */
  async whenReady(): Promise<void> {
    await Promise.all(this.#workers.map((w) => (w && !w.exited ? w.ready.catch(() => {}) : undefined)));
  }

  /** Pids of the live workers (for diagnostics and tests). */
  workerPids(): number[] {
    return this.#workers.filter((w): w is WorkerProcess => !!w && !w.exited).map((w) => w.pid);
  }

  /** Queue one attempt; the returned promise settles exactly once with its outcome. */
  submit(spec: TaskSpec, cpus: number, inProcess: boolean, signal: AbortSignal): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve) => {
      const isolate = this.#o.isolate;
      const e: Entry = {
        spec, id: spec.taskId, cpus, inProcess,
        exclusive: !inProcess && (isolate === "always" || (isolate === "timeouts" && (spec.timeoutMs != null || spec.deadline != null))),
        status: "queued", lane: null, deadline: null, cancelReason: null, killTimer: null, ac: null, holdsSlots: false, resolve, listeners: null,
      };
      if (this.#broken) return resolve(broken(this.#broken));
      if (this.#entries.has(e.id)) return resolve(broken(`[local] Task id ${e.id} is already in flight; each attempt needs its own taskId.`));
      this.#entries.set(e.id, e);
      if (signal.aborted) return this.#stop(e, "cancel");
      this.#listen(signal, e);
      // The runtime's deadline is absolute (time queued counts); without one, the time-out runs from dispatch.
      if (spec.deadline != null) this.#deadlines.add(e, spec.deadline);
      this.#queue.push(e);
      this.#pump();
    });
  }

  /** One abort listener per distinct signal (runtimes may share a signal across many tasks). */
  #listen(signal: AbortSignal, e: Entry): void {
    let set = this.#bySignal.get(signal);
    if (!set) {
      const entries = (set = new Set<Entry>());
      this.#bySignal.set(signal, entries);
      signal.addEventListener("abort", () => {
        this.#bySignal.delete(signal);
        for (const x of [...entries]) this.#stop(x, "cancel");
      }, { once: true });
    }
    set.add(e);
    e.listeners = set;
  }

  /** Stop one attempt (idempotent; unknown or finished ids are ignored). */
  cancel(id: string): void {
    const e = this.#entries.get(id);
    if (e) this.#stop(e, "cancel");
  }

  /** Cancel everything, stop the workers (gracefully, then by SIGKILL of their process groups). */
  async dispose(): Promise<void> {
    this.#disposing = true;
    this.#deadlines.clear();
    for (const e of [...this.#entries.values()]) {
      if (e.status === "queued" || e.inProcess) {
        e.ac?.abort(new Error("Executor disposed"));
        this.#settle(e, stopped("cancel", "Cancelled: the executor was disposed"));
      }
    }
    const live = this.#workers.filter((w): w is WorkerProcess => !!w && !w.exited);
    for (const w of live) {
      w.killedFor = "dispose";
      w.send({ t: "shutdown" });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(live.map((w) => w.whenExited())), new Promise((r) => (timer = setTimeout(r, this.#o.killGraceMs)))]);
    clearTimeout(timer);
    for (const w of live) if (!w.exited) w.killTree();
    await Promise.all(live.map((w) => w.whenExited()));
    for (const e of [...this.#entries.values()]) this.#settle(e, stopped("cancel", "Cancelled: the executor was disposed"));
  }

  #spawn(index: number): void {
    const w = new WorkerProcess(index, this.#start!, { message: (w, m) => this.#onMessage(w, m), exit: (w, c, s) => this.#onExit(w, c, s) });
    this.#workers[index] = w;
  }

  #pump(): void {
    for (let e = this.#queue.peek(); e; e = this.#queue.peek()) {
      if (e.status !== "queued") {
        this.#queue.shift();
        continue;
      }
      if (e.inProcess) {
        if (this.#free < e.cpus) break;
        this.#queue.shift();
        this.#runInProcess(e);
        continue;
      }
      if (this.#free >= e.cpus) {
        const w = this.#pickWorker(e.exclusive);
        if (w) {
          this.#queue.shift();
          this.#openLane(w, e);
          continue;
        }
      }
      const lane = this.#pickLane(e);
      if (!lane) break;
      this.#queue.shift();
      lane.entries.push(e);
      this.#send(lane, e);
    }
  }

  #pickWorker(exclusive: boolean): WorkerProcess | null {
    let best: WorkerProcess | null = null;
    for (const w of this.#workers) {
      if (!w || w.exited || w.exclusive || w.killedFor) continue;
      if (exclusive ? w.lanes.size > 0 : w.lanes.size >= this.#o.maxTasksPerWorker) continue;
      // prefer workers that finished starting, then the least loaded
      if (!best || (w.isReady && !best.isReady) || (w.isReady === best.isReady && w.lanes.size < best.lanes.size)) best = w;
    }
    return best;
  }

  /** A lane to queue a short job behind (prefetch), or null. */
  #pickLane(e: Entry): Lane | null {
    if (e.exclusive || e.spec.timeoutMs != null || e.spec.deadline != null) return null;
    const ms = this.#ewma.get(e.spec.job);
    if (ms === undefined || ms > this.#o.shortTaskMs) return null;
    let best: Lane | null = null;
    for (const lane of this.#lanes.values()) {
      if (lane.cpus !== e.cpus || lane.entries.length >= this.#o.prefetch || lane.worker.exclusive || lane.worker.killedFor) continue;
      if (!best || lane.entries.length < best.entries.length) best = lane;
    }
    return best;
  }

  #openLane(w: WorkerProcess, e: Entry): void {
    const lane: Lane = { id: ++this.#laneSeq, worker: w, cpus: e.cpus, entries: [e] };
    this.#lanes.set(lane.id, lane);
    w.lanes.add(lane.id);
    if (e.exclusive) w.exclusive = e.id;
    this.#free -= e.cpus;
    this.#send(lane, e);
    this.#running(e);
  }

  #send(lane: Lane, e: Entry): void {
    e.status = "sent";
    e.lane = lane;
    // Sent without a placement: the worker adds the local one (localhost, coresOf(resources) slots).
    lane.worker.sendRun(lane.id, e.spec);
  }

  /** The task is (about to be) executing: report it and start its clock. */
  #running(e: Entry): void {
    if (e.spec.timeoutMs != null && e.spec.deadline == null) this.#deadlines.add(e, Date.now() + e.spec.timeoutMs);
    this.#ctx.events.emit({ type: "task.running", runId: e.spec.runId, taskId: e.id, job: e.spec.job, at: Date.now(), host: "localhost" });
  }

  /** A task queued behind another in its lane became the lane's head (it is starting in the worker). */
  #promoted(e: Entry): void {
    if (e.spec.timeoutMs != null || e.spec.deadline != null) this.#running(e);
  }

  #runInProcess(e: Entry): void {
    e.status = "sent";
    e.holdsSlots = true;
    this.#free -= e.cpus;
    const ac = (e.ac = new AbortController());
    this.#running(e);
    let io: TaskIO | undefined;
    const run = async (): Promise<TaskOutcome> => {
      io = new TaskIO(e.spec.workdir, this.#o.logLevel);
      return this.#runner!(e.spec, { logger: io.logger, signal: ac.signal });
    };
    run()
      .catch((err: unknown): TaskOutcome => broken(`[local] Could not run the task in-process: ${(err as Error)?.message ?? String(err)}`))
      .then((outcome) => {
        if (io) {
          outcome = io.annotate(outcome);
          io.close();
        }
        this.#releaseInProcess(e);
        this.#settle(e, outcome);
        this.#pump();
      });
  }

  #releaseInProcess(e: Entry): void {
    if (!e.holdsSlots) return;
    e.holdsSlots = false;
    this.#free += e.cpus;
  }

  #onMessage(w: WorkerProcess, m: ChildMessage): void {
    if (m.t === "fatal") {
      this.#ctx.logger.error("[local] worker could not start", { worker: w.index, message: m.message });
      return;
    }
    if (m.t !== "done") return;
    let recycle = false;
    for (const [id, outcome, ms, dirty] of m.items) {
      if (dirty) recycle = true;
      const e = this.#entries.get(id);
      if (!e || e.status === "done" || !e.lane) continue;
      const prev = this.#ewma.get(e.spec.job);
      this.#ewma.set(e.spec.job, prev === undefined ? ms : prev * 0.8 + ms * 0.2);
      const lane = e.lane;
      const i = lane.entries.indexOf(e);
      if (i >= 0) lane.entries.splice(i, 1);
      this.#settle(e, outcome);
      if (lane.entries.length === 0) this.#closeLane(lane);
      // A prefetched (short) task starts now; its deadline clock would be the only thing to start
      // (they have none), and a "running" store write per millisecond-long task is not worth it.
      else if (i === 0) this.#promoted(lane.entries[0]!);
    }
    if (recycle && !w.killedFor && !this.#disposing) {
      // A job was stopped while running; its code or programs may live on. Kill them all.
      w.killedFor = "recycle";
      w.killTree();
    }
    this.#pump();
  }

  #closeLane(lane: Lane): void {
    if (!this.#lanes.delete(lane.id)) return;
    lane.worker.lanes.delete(lane.id);
    this.#free += lane.cpus;
  }

  #onExit(w: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#workers[w.index] === w) this.#workers[w.index] = null;
    const heads: { e: Entry; ambiguous: boolean }[] = [];
    const requeue: Entry[] = [];
    for (const id of w.lanes) {
      const lane = this.#lanes.get(id);
      if (!lane) continue;
      this.#closeLane(lane);
      lane.entries.forEach((e, i) => (i === 0 ? heads.push({ e, ambiguous: lane.entries.length > 1 }) : requeue.push(e)));
    }
    w.lanes.clear();
    w.exclusive = null;
    for (const { e, ambiguous } of heads) {
      if (e.cancelReason) this.#settle(e, stopped(e.cancelReason, `${e.cancelReason === "timeout" ? "Timed out" : "Cancelled"}; the job did not stop within killGraceMs (${this.#o.killGraceMs} ms), so its process tree was killed`));
      else if (this.#disposing || w.killedFor === "dispose") this.#settle(e, stopped("cancel", "Cancelled: the executor was disposed"));
      else if (w.killedFor === "recycle") this.#settle(e, lost("The worker running this job was killed to stop another job that was cancelled or timed out; retry it (to avoid this, set the `isolate` option to \"always\")", code, signal));
      else if (ambiguous) this.#settle(e, lost("The worker running this job died while this job or one queued behind it ran; retry it", code, signal));
      else this.#settle(e, crashed(code, signal, heads.length > 1));
    }
    for (const e of requeue.reverse()) {
      if (e.status === "done") continue;
      if (e.cancelReason) {
        this.#settle(e, stopped(e.cancelReason, "Stopped before it started"));
        continue;
      }
      e.status = "queued";
      e.lane = null;
      this.#queue.unshift(e);
    }
    if (this.#disposing) return;
    if (!w.isReady && !w.killedFor) {
      this.#broken = `[local] A replacement worker could not start (it ${signal ? `got signal ${signal}` : `exited with code ${code}`}); see workers.log in the executor's log directory.`;
      this.#ctx.logger.error(this.#broken);
      for (const e of [...this.#entries.values()]) if (e.status === "queued") this.#settle(e, broken(this.#broken));
      return;
    }
    this.#ctx.logger.warn("[local] worker exited; starting a replacement", { worker: w.index, pid: w.pid, code, signal });
    this.#spawn(w.index);
    this.#pump();
  }

  /** Cancel or time-out: cooperative abort first, then after killGraceMs kill the worker's process group. */
  #stop(e: Entry, reason: CancelReason): void {
    if (e.status === "done" || e.cancelReason) return;
    e.cancelReason = reason;
    if (e.status === "queued") {
      this.#settle(e, stopped(reason, reason === "timeout" ? "Timed out before it started (deadline passed while queued)" : "Cancelled before it started"));
      return;
    }
    const grace = this.#o.killGraceMs;
    if (e.inProcess) {
      e.ac?.abort(new Error(reason === "timeout" ? "Timed out" : "Cancelled"));
      e.killTimer = setTimeout(() => {
        this.#ctx.logger.warn("[local] in-process job ignored its AbortSignal; it keeps running in the orchestrator", { job: e.spec.job, taskId: e.id });
        this.#releaseInProcess(e);
        this.#settle(e, stopped(reason, `${reason === "timeout" ? "Timed out" : "Cancelled"}; the in-process job did not stop within killGraceMs (in-process jobs cannot be killed)`));
        this.#pump();
      }, grace);
      return;
    }
    const w = e.lane!.worker;
    w.send({ t: "cancel", ids: [e.id], reason });
    const arm = (): void => {
      if (e.status === "done" || w.exited) return;
      e.killTimer = setTimeout(() => {
        if (e.status === "done" || w.exited) return;
        this.#ctx.logger.warn("[local] job ignored its AbortSignal; killing its worker's process group", { job: e.spec.job, taskId: e.id, pid: w.pid });
        w.killedFor = "recycle";
        w.killTree();
      }, grace);
    };
    // The grace period starts once the worker can act on the cancel (it may still be starting).
    if (w.isReady) arm();
    else void w.ready.then(arm, () => {});
  }

  #settle(e: Entry, outcome: TaskOutcome): void {
    if (e.status === "done") return;
    e.status = "done";
    this.#entries.delete(e.id);
    if (e.deadline !== null) this.#deadlines.delete(e);
    if (e.killTimer) clearTimeout(e.killTimer);
    e.listeners?.delete(e);
    e.listeners = null;
    if (e.cancelReason && outcome.state !== "completed" && outcome.state !== (e.cancelReason === "timeout" ? "timed-out" : "cancelled")) {
      outcome = { ...stopped(e.cancelReason, `${e.cancelReason === "timeout" ? "Timed out" : "Cancelled"} while running`), ...(outcome.startedAt ? { startedAt: outcome.startedAt } : {}) };
    }
    if (e.exclusive && e.lane && e.lane.worker.exclusive === e.id) e.lane.worker.exclusive = null;
    e.resolve(outcome);
  }
}
