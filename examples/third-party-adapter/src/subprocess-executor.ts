/**
 * A "subprocess per task" executor, written the way a third party would: it depends only on the
 * published entry points of @latticework/core (BaseExecutor, the worker CLI, readOutcome) and is
 * checked with @latticework/testing's conformance suite.
 *
 * Each task: write <workdir>/spec.json, start `node <core worker> spec.json` in its own process
 * group with stdout/stderr going to <workdir>/stdout.log and stderr.log, wait for it to exit, read
 * <workdir>/outcome.json. Cancel and time-out send SIGTERM (the worker aborts the job and still
 * writes an outcome) to the worker, then SIGKILL the whole group after a grace period. After every task the
 * group is killed, so programs a job left behind do not outlive it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BaseExecutor, LatticeworkError, NO_CAPABILITIES, readOutcome, workerEntryPath, workerNodeArgs } from "@latticework/core";
import type { ExecutorCapabilities, Submission, TaskOutcome, TaskSpec } from "@latticework/core";

export interface SubprocessOptions {
  /** Executor name (default "subprocess"). */
  name?: string;
  /** Time a stopped task gets to write its outcome before its process group is killed (ms, default 1000). */
  killGraceMs?: number;
}

interface Running {
  child: ChildProcess;
  stopping: "cancel" | "timeout" | null;
  killTimer: NodeJS.Timeout | null;
  deadlineTimer: NodeJS.Timeout | null;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export class SubprocessExecutor extends BaseExecutor {
  readonly name: string;
  override readonly capabilities: ExecutorCapabilities = { ...NO_CAPABILITIES, cancel: true, timeouts: true };
  readonly #grace: number;
  readonly #running = new Map<string, Running>();
  #disposed = false;

  constructor(options: SubprocessOptions = {}) {
    super();
    this.name = options.name ?? "subprocess";
    this.#grace = options.killGraceMs ?? 1000;
  }

  async submit(task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    if (this.#disposed) throw new LatticeworkError("EXECUTOR_DISPOSED", `[subprocess] Executor "${this.name}" was disposed.`);
    mkdirSync(task.workdir, { recursive: true, mode: 0o700 });
    const specPath = join(task.workdir, "spec.json");
    writeFileSync(specPath, JSON.stringify(task), { mode: 0o600 });
    const stdoutPath = join(task.workdir, "stdout.log");
    const stderrPath = join(task.workdir, "stderr.log");
    const out = openSync(stdoutPath, "a", 0o600);
    const err = openSync(stderrPath, "a", 0o600);
    const child = spawn(process.execPath, [...workerNodeArgs(), workerEntryPath(), specPath], {
      cwd: task.workdir,
      stdio: ["ignore", out, err],
      detached: true,
    });
    closeSync(out);
    closeSync(err);
    const entry: Running = { child, stopping: null, killTimer: null, deadlineTimer: null };
    this.#running.set(task.taskId, entry);

    const onAbort = (): void => this.#stop(task.taskId, "cancel");
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    if (task.deadline !== null) entry.deadlineTimer = setTimeout(() => this.#stop(task.taskId, "timeout"), Math.max(0, task.deadline - Date.now()));

    const outcome = new Promise<TaskOutcome>((resolve) => {
      child.once("error", (e) => resolve({ state: "failed", error: { code: "EXECUTOR_ERROR", message: `[subprocess] Could not start the worker: ${e.message}` } }));
      child.once("exit", (code, sig) => {
        killGroup(child.pid, "SIGKILL"); // programs the job left behind
        signal.removeEventListener("abort", onAbort);
        if (entry.killTimer) clearTimeout(entry.killTimer);
        if (entry.deadlineTimer) clearTimeout(entry.deadlineTimer);
        this.#running.delete(task.taskId);
        void readOutcome(task.outcomePath ?? join(task.workdir, "outcome.json")).then((written) => {
          resolve(this.#finish(written, entry.stopping, code, sig, stdoutPath, stderrPath));
        });
      });
    });
    return { nativeId: task.taskId, outcome };
  }

  #finish(written: TaskOutcome | undefined, stopping: Running["stopping"], code: number | null, sig: string | null, stdoutPath: string, stderrPath: string): TaskOutcome {
    if (stopping && (!written || written.state !== "completed")) {
      const state = stopping === "timeout" ? "timed-out" : "cancelled";
      return { state, error: { code: stopping === "timeout" ? "TIMEOUT" : "CANCELLED", message: `[subprocess] Task ${state}`, stdoutPath, stderrPath } };
    }
    if (!written) {
      return { state: "failed", error: { code: "WORKER_CRASHED", message: `[subprocess] The worker ${sig ? `was killed by ${sig}` : `exited with code ${code}`} without writing an outcome; see ${stderrPath}`, exitCode: code, signal: sig, stdoutPath, stderrPath } };
    }
    if (written.state === "completed") return written;
    return { ...written, error: { ...written.error, stdoutPath: written.error.stdoutPath ?? stdoutPath, stderrPath: written.error.stderrPath ?? stderrPath } };
  }

  #stop(taskId: string, why: "cancel" | "timeout"): void {
    const r = this.#running.get(taskId);
    if (!r || r.stopping) return;
    r.stopping = why;
    // Ask the worker first (it aborts the job and writes an outcome); the group dies after it exits.
    r.child.kill("SIGTERM");
    r.killTimer = setTimeout(() => killGroup(r.child.pid, "SIGKILL"), this.#grace);
  }

  override async cancel(nativeId: string): Promise<void> {
    this.#stop(nativeId, "cancel");
  }

  override async dispose(): Promise<void> {
    this.#disposed = true;
    const exits = [...this.#running.values()].map((r) => new Promise<void>((res) => (r.child.exitCode !== null || r.child.signalCode !== null ? res() : r.child.once("exit", () => res()))));
    for (const id of [...this.#running.keys()]) this.#stop(id, "cancel");
    await Promise.all(exits);
  }
}

/** Factory, as users write it in createRuntime({ executors: { sub: subprocess() } }). */
export function subprocess(options: SubprocessOptions = {}): SubprocessExecutor {
  return new SubprocessExecutor(options);
}
