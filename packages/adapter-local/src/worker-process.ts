import { fork, type ChildProcess } from "node:child_process";
import type { TaskSpec } from "@latticework/core";
import { compactRun, type ChildMessage, type ParentMessage } from "./protocol.js";
import { LOG_LEVEL_ENV, RUNNER_ENV, WORKER_INDEX_ENV } from "./protocol.js";

/** How to start a worker. */
export interface WorkerStart {
  entry: string;
  execArgv: string[];
  env: Record<string, string>;
  cwd: string;
  runnerModule: string;
  logLevel: string;
  /** File descriptor the worker's own stdout/stderr go to. */
  logFd: number;
}

/**
 * One persistent worker process of the pool, in its own process group so that killing the group
 * takes down the worker and every program its jobs launched. Messages to it are batched per tick.
 */
export class WorkerProcess {
  readonly index: number;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the worker imported its runner; rejects with the reason it could not. */
  readonly ready: Promise<void>;
  /** Set once the worker said it is ready. */
  isReady = false;
  exited = false;
  /** Why we killed it, if we did (then tasks on it are not "crashes"). */
  killedFor: "recycle" | "dispose" | null = null;
  /** Lanes open on this worker (lane id -> true); managed by the pool. */
  readonly lanes = new Set<number>();
  /** A task that owns this worker alone (isolation), if any. */
  exclusive: string | null = null;
  #outbox: ParentMessage[] = [];
  #flushQueued = false;

  constructor(index: number, start: WorkerStart, handlers: { message(w: WorkerProcess, m: ChildMessage): void; exit(w: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void }) {
    this.index = index;
    this.child = fork(start.entry, [], {
      execArgv: start.execArgv,
      env: { ...process.env, ...start.env, [RUNNER_ENV]: start.runnerModule, [LOG_LEVEL_ENV]: start.logLevel, [WORKER_INDEX_ENV]: String(index) },
      cwd: start.cwd,
      stdio: ["ignore", start.logFd, start.logFd, "ipc"],
      detached: true,
      serialization: "json",
    });
    this.pid = this.child.pid ?? -1;
    let settle: { ok(): void; fail(e: Error): void } = { ok() {}, fail() {} };
    this.ready = new Promise<void>((ok, fail) => (settle = { ok, fail }));
    this.ready.catch(() => {});
    this.child.on("message", (m: ChildMessage) => {
      if (m.t === "ready") {
        this.isReady = true;
        settle.ok();
      } else if (m.t === "fatal") settle.fail(new Error(m.message));
      handlers.message(this, m);
    });
    this.child.on("error", (e) => settle.fail(e));
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      settle.fail(new Error(`[local] Worker ${index} exited during start-up (${signal ? `signal ${signal}` : `exit code ${code}`}); see workers.log.`));
      // stragglers in the group (programs a job started) go too
      this.killTree();
      handlers.exit(this, code, signal);
    });
  }

  /** Queue a message; all messages queued in this tick go as one IPC write. */
  send(m: ParentMessage): void {
    this.#outbox.push(m);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Queue specs for a lane, merged into the previous message when it is for the same lane. */
  sendRun(lane: number, spec: TaskSpec): void {
    const last = this.#outbox[this.#outbox.length - 1];
    if (last && last.t === "run" && last.lane === lane) last.specs.push(spec);
    else this.send({ t: "run", lane, specs: [spec] });
  }

  flush(): void {
    this.#flushQueued = false;
    if (this.#outbox.length === 0 || this.exited || !this.child.connected) return;
    const batch = this.#outbox;
    this.#outbox = [];
    for (const m of batch) if (m.t === "run" && m.specs.length > 1) compactRun(m);
    this.child.send(batch);
  }

  /** SIGKILL the worker's process group (worker + programs its jobs launched). Safe to repeat. */
  killTree(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // group already gone
    }
  }

  /** Resolves once the process has exited. */
  whenExited(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((r) => this.child.once("exit", () => r()));
  }
}
