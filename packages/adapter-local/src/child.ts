/**
 * Entry point of a pool worker process (forked by the local executor; not for direct use).
 *
 * Receives batches of TaskSpecs over IPC, runs each through core's `runTask` and sends outcomes
 * back in batches. Tasks are grouped in lanes: a lane runs its tasks one after another (the
 * orchestrator queues short tasks ahead so the worker never waits for a round trip), lanes run
 * concurrently. While a task runs, anything written to process.stdout/stderr from its async
 * context (console.log included) goes to that task's stdout.log/stderr.log; everything else goes
 * to the pool's workers.log. The worker dies with its process group when the orchestrator goes away.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { TaskOutcome, TaskSpec } from "@latticework/core";
import { LOG_LEVEL_ENV, RUNNER_ENV, expandRun, type CancelReason, type ChildMessage, type DoneItem, type ParentMessage } from "./protocol.js";
import { loadRunner, type RunTaskFn } from "./runner.js";
import { withLocalPlacement } from "./placement.js";
import { LEVELS, TaskIO, type LogLevel } from "./task-io.js";

const FLUSH_AT = 16;
const envLevel = process.env[LOG_LEVEL_ENV] as LogLevel | undefined;
const logLevel: LogLevel = envLevel && LEVELS.includes(envLevel) ? envLevel : "info";
const als = new AsyncLocalStorage<TaskIO>();
const lanes = new Map<number, TaskSpec[]>();
const running = new Map<string, { ac: AbortController; reason: CancelReason | null }>();
let outbox: DoneItem[] = [];
let flushScheduled = false;
let shuttingDown = false;
let runTask: RunTaskFn;

function send(msg: ChildMessage, cb?: () => void): void {
  if (!process.connected) return;
  process.send!(msg, undefined, undefined, cb ? () => cb() : undefined);
}

function flush(): void {
  flushScheduled = false;
  if (outbox.length === 0) return;
  const items = outbox;
  outbox = [];
  send({ t: "done", items });
}

/**
 * Send outcomes at once when the worker is idle (nothing running, nothing queued: someone may be
 * waiting on this one), else at the end of this turn of the event loop or every FLUSH_AT outcomes.
 */
function report(item: DoneItem): void {
  outbox.push(item);
  if (outbox.length >= FLUSH_AT || (running.size === 0 && lanesEmpty())) return flush();
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function lanesEmpty(): boolean {
  for (const q of lanes.values()) if (q.length > 0) return false;
  return true;
}

function stoppedOutcome(reason: CancelReason, message: string): TaskOutcome {
  return reason === "timeout"
    ? { state: "timed-out", error: { code: "TIMEOUT", message } }
    : { state: "cancelled", error: { code: "CANCELLED", message } };
}

async function runOne(spec: TaskSpec): Promise<void> {
  const t0 = performance.now();
  const entry = { ac: new AbortController(), reason: null as CancelReason | null };
  running.set(spec.taskId, entry);
  let io: TaskIO | undefined;
  let outcome: TaskOutcome;
  try {
    io = new TaskIO(spec.workdir, logLevel);
    const taskIO = io;
    outcome = await als.run(taskIO, () => runTask(withLocalPlacement(spec), { logger: taskIO.logger, signal: entry.ac.signal, trustedSpec: true }));
  } catch (e) {
    // runTask never throws by contract; this is a bug or an unusable workdir
    outcome = { state: "failed", error: { code: "EXECUTOR_ERROR", message: `[local] The worker could not run the task: ${(e as Error)?.message ?? String(e)}`, retryable: false } };
  }
  if (entry.reason && outcome.state !== "completed" && outcome.state !== (entry.reason === "timeout" ? "timed-out" : "cancelled")) {
    const why = outcome.state === "failed" ? `; the job then reported: ${outcome.error.message}` : "";
    outcome = stoppedOutcome(entry.reason, `${entry.reason === "timeout" ? "Timed out" : "Cancelled"} while running${why}`);
  }
  if (io) {
    outcome = io.annotate(outcome);
    io.close();
  }
  running.delete(spec.taskId);
  // runTask settles as soon as the signal fires, even if the job's code (or a program it started
  // without ctx.launch) keeps going: the orchestrator then recycles this worker.
  const dirty = outcome.state === "cancelled" || outcome.state === "timed-out";
  report([spec.taskId, outcome, performance.now() - t0, dirty]);
}

function startLane(lane: number): void {
  const queue = lanes.get(lane);
  const spec = queue?.shift();
  if (!spec) {
    lanes.delete(lane);
    if (shuttingDown && running.size === 0) finish();
    return;
  }
  void runOne(spec).then(() => startLane(lane));
}

function onMessage(batch: ParentMessage[]): void {
  for (const m of batch) {
    if (m.t === "run") {
      if (shuttingDown) continue;
      const specs = expandRun(m);
      const queue = lanes.get(m.lane);
      if (queue) queue.push(...specs);
      else {
        lanes.set(m.lane, specs);
        startLane(m.lane);
      }
    } else if (m.t === "cancel") {
      for (const id of m.ids) cancel(id, m.reason);
    } else if (m.t === "shutdown") {
      shutdown();
    }
  }
}

function cancel(id: string, reason: CancelReason): void {
  const r = running.get(id);
  if (r) {
    if (!r.reason) {
      r.reason = reason;
      r.ac.abort(reason === "timeout" ? new Error("Timed out") : new Error("Cancelled"));
    }
    return;
  }
  for (const queue of lanes.values()) {
    const i = queue.findIndex((s) => s.taskId === id);
    if (i >= 0) {
      queue.splice(i, 1);
      report([id, stoppedOutcome(reason, reason === "timeout" ? "Timed out before it started" : "Cancelled before it started"), 0]);
      return;
    }
  }
}

function shutdown(): void {
  shuttingDown = true;
  for (const [lane, queue] of lanes) {
    for (const s of queue) report([s.taskId, stoppedOutcome("cancel", "Executor disposed before the task started"), 0]);
    lanes.set(lane, []);
  }
  for (const id of running.keys()) cancel(id, "cancel");
  if (running.size === 0) finish();
}

/** Send what is left, then take the whole process group down (programs jobs left behind included). */
function finish(): void {
  const items = outbox;
  outbox = [];
  const die = (): void => killGroup();
  if (items.length > 0 && process.connected) send({ t: "done", items }, die);
  else die();
}

function killGroup(): never {
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {
    // not a group leader (started by hand): just exit
  }
  process.exit(0);
}

// Route a task's console output to its own files; the rest goes to the worker log.
function capture(stream: NodeJS.WriteStream, name: "stdout" | "stderr"): void {
  const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, enc?: unknown, cb?: unknown): boolean => {
    const io = als.getStore();
    if (!io) return original(chunk, enc, cb);
    try {
      io.write(name, typeof chunk === "string" ? chunk : Buffer.from(chunk));
    } catch {
      return original(chunk, enc, cb);
    }
    const done = typeof enc === "function" ? enc : cb;
    if (typeof done === "function") queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stream.write;
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error("This is the latticework local pool worker; the local executor starts it. It is not a command.");
    process.exit(2);
  }
  process.on("disconnect", () => killGroup());
  // Listen at once: batches that arrive while the runner loads wait here.
  const early: ParentMessage[][] = [];
  let handle = (m: ParentMessage[]): void => void early.push(m);
  process.on("message", (m) => handle(m as ParentMessage[]));
  try {
    runTask = await loadRunner(process.env[RUNNER_ENV] || "@latticework/core");
  } catch (e) {
    send({ t: "fatal", message: (e as Error).message }, () => process.exit(1));
    return;
  }
  capture(process.stdout, "stdout");
  capture(process.stderr, "stderr");
  handle = onMessage;
  send({ t: "ready", pid: process.pid });
  for (const m of early.splice(0)) onMessage(m);
}

void main();
