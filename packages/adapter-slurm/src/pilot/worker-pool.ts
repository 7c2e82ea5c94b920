/**
 * The pilot's pool of persistent task workers (node processes running pilot-worker.js). This
 * module imports only node built-ins, so the pilot can fork its first workers before it loads
 * anything else.
 *
 * Workers start on demand, not one per slot up front: starting a worker (node + tsx + core) costs
 * ~0.6 s of CPU, and a block's slots can far outnumber the CPUs the pilot really has (or the
 * tasks may be so short that two workers keep up with eight slots). So the pool starts `initial`
 * workers at once, and adds one (at most `maxStarting` starting at a time, at most `max` in all)
 * when tasks are waiting and no worker has come free for `spawnAfterMs` (every worker is busy
 * with something that takes a while). Short tasks thus run on few warm workers; long ones get a
 * worker per slot within a fraction of a second each.
 */
import { fork, type ChildProcess } from "node:child_process";

/** One worker process. `busy` is the task id it runs. */
export interface PoolWorker {
  child: ChildProcess;
  busy: string | undefined;
  ready: boolean;
}

/** How the pool starts and grows. */
export interface WorkerPoolOptions {
  script: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  /** Workers to start right away. */
  initial: number;
  /** Never more workers than this (the block's slots). */
  max: number;
  /** Workers starting at the same time, at most. */
  maxStarting: number;
  /** Tasks waiting while no worker came free for this long make the pool start another. */
  spawnAfterMs: number;
  /** Where workers' stdout goes (default: inherited). A node agent passes a file or its stderr: its own stdout carries its protocol. */
  stdout?: "inherit" | number;
  /** A worker reported a task finished (outcome written). */
  onDone(taskId: string): void;
  /** A worker exited; `taskId` is what it was running, if anything. */
  onExit(taskId: string | undefined, code: number | null, signal: NodeJS.Signals | null): void;
}

interface Waiting {
  taskId: string;
  since: number;
  send: (w: PoolWorker) => void;
}

/** Persistent workers with FIFO hand-out and on-demand growth. */
export class WorkerPool {
  readonly workers: PoolWorker[] = [];
  readonly #o: WorkerPoolOptions;
  readonly #waiting: Waiting[] = [];
  #starting = 0;
  #closed = false;
  /** Last time a worker became ready or free. */
  #lastFree = Date.now();
  /** Workers started so far (for logs and tests). */
  started = 0;

  constructor(o: WorkerPoolOptions) {
    this.#o = o;
    for (let i = 0; i < Math.min(o.initial, o.max); i++) this.#spawn();
  }

  /** Resolves when at least one worker is ready (or none can start). */
  firstReady(): Promise<void> {
    if (this.workers.some((w) => w.ready) || this.workers.length === 0) return Promise.resolve();
    return new Promise((r) => {
      for (const w of this.workers) w.child.once("message", () => r());
      for (const w of this.workers) w.child.once("exit", () => r());
    });
  }

  #spawn(): void {
    if (this.#closed || this.workers.length >= this.#o.max) return;
    const child = fork(this.#o.script, [], { execArgv: this.#o.execArgv, env: this.#o.env, stdio: ["ignore", this.#o.stdout ?? "inherit", "inherit", "ipc"] });
    const w: PoolWorker = { child, busy: undefined, ready: false };
    this.#starting++;
    this.started++;
    child.on("message", (m: { type: string; taskId?: string }) => {
      if (m.type === "ready") {
        if (!w.ready) this.#starting--;
        w.ready = true;
        this.#lastFree = Date.now();
      } else if (m.type === "done" && m.taskId && w.busy === m.taskId) {
        w.busy = undefined;
        this.#lastFree = Date.now();
        this.#o.onDone(m.taskId);
      }
      this.#pump();
    });
    child.on("exit", (code, signal) => {
      const idx = this.workers.indexOf(w);
      if (idx >= 0) this.workers.splice(idx, 1);
      if (!w.ready) this.#starting--;
      const taskId = w.busy;
      w.busy = undefined;
      this.#o.onExit(taskId, code, signal);
      this.#pump();
    });
    this.workers.push(w);
  }

  /** Hand a task to the next free worker (FIFO): `send` is called with the worker. */
  submit(taskId: string, send: (w: PoolWorker) => void): void {
    this.#waiting.push({ taskId, since: Date.now(), send });
    this.#pump();
  }

  /** Take a task back that no worker has started yet. Returns whether it was still waiting. */
  withdraw(taskId: string): boolean {
    const i = this.#waiting.findIndex((x) => x.taskId === taskId);
    if (i < 0) return false;
    this.#waiting.splice(i, 1);
    return true;
  }

  /** Tasks waiting for a worker. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #pump(): void {
    while (this.#waiting.length > 0) {
      const w = this.workers.find((x) => x.ready && !x.busy);
      if (!w) break;
      const job = this.#waiting.shift()!;
      w.busy = job.taskId;
      job.send(w);
    }
    this.tick();
  }

  /** Grow the pool if the oldest waiting task has waited long enough (called from the pilot loop too). */
  tick(now = Date.now()): void {
    const oldest = this.#waiting[0];
    if (!oldest || this.#closed) return;
    const none = this.workers.length === 0;
    const stuck = now - Math.max(oldest.since, this.#lastFree) >= this.#o.spawnAfterMs;
    if (none || (stuck && this.#starting < this.#o.maxStarting)) this.#spawn();
  }

  /** The worker running `taskId`, if one does. */
  workerOf(taskId: string): PoolWorker | undefined {
    return this.workers.find((w) => w.busy === taskId);
  }

  /** Stop every worker. */
  close(): void {
    this.#closed = true;
    for (const w of this.workers) w.child.kill("SIGTERM");
  }
}
