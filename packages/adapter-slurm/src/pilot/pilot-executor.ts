import { posix } from "node:path";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import {
  LatticeworkError,
  noopLogger,
  type Executor,
  type ExecutorCapabilities,
  type ExecutorContext,
  type Logger,
  type Submission,
  type TaskOutcome,
  type TaskSpec,
} from "@latticework/core";
import { parseSlurmOptions, type ResolvedSlurmOptions, type SlurmOptions } from "../options.js";
import { slurmJobName } from "../sbatch-script.js";
import { SlurmCommands } from "../slurm-commands.js";
import { phaseOf } from "../states.js";
import { createTransport } from "../transports/create-transport.js";
import type { SlurmTransport } from "../transports/slurm-transport.js";
import { localWorkerCommand } from "../worker-paths.js";
import { mapPath } from "../staging.js";
import type { SlurmHooks } from "../slurm-executor.js";
import { pilotLayout, type Heartbeat } from "./layout.js";
import { blockConfig, blockScript } from "./block-files.js";
import { DoneInbox } from "./done-inbox.js";

interface Pending {
  task: TaskSpec;
  resolve: (o: TaskOutcome) => void;
  done: boolean;
  cancelRequested: boolean;
}

interface Block {
  id: string;
  jobId: string;
  state: "pending" | "running" | "gone";
  lastSeq: number;
  lastSeqChange: number;
  running: string[];
  /** Submitted by this process (dispose cancels only these; adopted blocks idle out). */
  own: boolean;
}

/** Where this package's built files are (the pilot entry and the task worker script). */
function distFile(rel: string): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const beside = posix.join(here, rel);
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL(`../../dist/pilot/${rel}`, import.meta.url));
}

/**
 * Pilot (job packing) executor: submits blocks of `pilot.nodesPerBlock` nodes whose pilot pulls
 * tasks from a shared-filesystem queue. Blocks scale between `minBlocks` and `maxBlocks` with the
 * backlog; pilots exit when idle and drain before walltime; a pilot whose heartbeat stops (or
 * whose block leaves the queue) turns its unfinished tasks into `lost` (retryable).
 */
export class SlurmPilotExecutor implements Executor {
  readonly name: string;
  readonly capabilities: ExecutorCapabilities;
  readonly options: ResolvedSlurmOptions;
  readonly #hooks: SlurmHooks;
  #log: Logger = noopLogger;
  #ctx: ExecutorContext | undefined;
  #cmd: SlurmCommands | undefined;
  #L!: ReturnType<typeof pilotLayout>;
  #worker!: { nodeArgs: string[]; script: string; pilot: string };
  readonly #pending = new Map<string, Pending>();
  readonly #blocks = new Map<string, Block>();
  #blockSeq = 0;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;
  #lastManage = 0;
  #inbox!: DoneInbox;
  #blockInFlight: Promise<void> | undefined;
  /** Blocks submitted so far (for tests and benches). */
  blocksSubmitted = 0;

  constructor(options: SlurmOptions = {}, name = "slurm-pilot", hooks: SlurmHooks = {}) {
    this.options = parseSlurmOptions({ ...options, mode: "pilot" });
    this.name = name;
    this.#hooks = hooks;
    this.capabilities = Object.freeze({ cancel: true, attach: true, mpi: true, remote: this.options.ssh !== undefined, timeouts: false });
  }

  get commands(): SlurmCommands {
    if (!this.#cmd) throw new LatticeworkError("EXECUTOR_ERROR", `[slurm] executor "${this.name}" is not started`);
    return this.#cmd;
  }

  get transport(): SlurmTransport {
    return this.commands.transport;
  }

  async start(ctx: ExecutorContext): Promise<void> {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ executor: this.name });
    const transport = this.#hooks.transport ?? (await createTransport(this.options, { ...this.#hooks, logger: this.#log }));
    this.#cmd = new SlurmCommands(transport, this.options, this.#log);
    // Default: under the home directory, which clusters share with compute nodes and which is the
    // same for every orchestrator process of this user (so a restarted one finds the queue again).
    const root = posix.join(this.options.remote.workRoot ?? posix.join(homedir(), ".latticework", "slurm"), this.name, "pilot");
    this.#L = pilotLayout(root);
    const local = await localWorkerCommand();
    this.#worker = {
      nodeArgs: this.options.remote.nodeArgs ?? local.nodeArgs,
      script: this.options.remote.pilotEntry ? posix.join(posix.dirname(this.options.remote.pilotEntry), "pilot-worker.js") : distFile("pilot-worker.js"),
      pilot: this.options.remote.pilotEntry ?? distFile("pilot-main.js"),
    };
    for (const d of [this.#L.queue, this.#L.done, this.#L.cancel, this.#L.blocks, this.#L.logs]) await transport.mkdirp(d);
    this.#inbox = new DoneInbox(transport, this.#L.done, { pollMs: this.options.pollMs, pilotPollMs: this.options.pilot.pollMs, pilotIdlePollMs: this.options.pilot.idlePollMs }, this.#log);
    this.#inbox.watch(() => {
      if (this.#pending.size === 0) return true;
      this.#wake?.();
      return this.#wake !== undefined;
    });
    // Blocks of an earlier orchestrator process still in the queue are adopted (resume).
    for (const row of await this.commands.squeue()) {
      const prefix = slurmJobName(this.options.jobNamePrefix, this.name, "block-");
      if (row.name.startsWith(prefix) && phaseOf(row.state) !== "terminal") {
        const id = row.name.slice(prefix.length);
        this.#blocks.set(id, { id, jobId: row.jobId, state: phaseOf(row.state) === "pending" ? "pending" : "running", lastSeq: -1, lastSeqChange: Date.now(), running: [], own: false });
      }
    }
    this.#ensureLoop();
  }

  async submit(task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    if (this.#stopped) throw new LatticeworkError("EXECUTOR_DISPOSED", `[slurm] Executor "${this.name}" was disposed; create a new one to submit more work.`);
    const t = this.transport;
    const workdir = this.options.remote.workRoot ? posix.join(this.#L.root, "work", task.runId, task.taskId) : task.workdir;
    const spec: TaskSpec = { ...task, workdir, outcomePath: posix.join(this.#L.done, `${task.taskId}.json`), module: mapPath(task.module, this.options.remote.pathMap) };
    const outcome = this.#track(task, signal);
    this.#ensureLoop();
    // No block at all yet: submit one now, before this (and the same burst's) queue writes, so the
    // scheduler starts it while the tasks are being written (writes queued first would delay it).
    if (this.#blocks.size === 0 && !this.#blockInFlight && this.options.pilot.maxBlocks > 0) {
      this.#blockInFlight = this.#submitBlock()
        .catch((e: unknown) => this.#log.warn("[slurm] could not submit a pilot block; will retry", { error: String((e as Error)?.message ?? e) }))
        .finally(() => (this.#blockInFlight = undefined));
    }
    await this.#blockInFlight;
    await t.writeFile(posix.join(this.#L.queue, `${task.taskId}.json`), JSON.stringify(spec));
    return { nativeId: `pilot:${task.taskId}`, outcome };
  }

  async attach(nativeId: string, task: TaskSpec, signal: AbortSignal): Promise<Submission> {
    if (this.#stopped) throw new LatticeworkError("EXECUTOR_DISPOSED", `[slurm] Executor "${this.name}" was disposed.`);
    this.commands;
    const outcome = this.#track(task, signal);
    this.#ensureLoop();
    return { nativeId, outcome };
  }

  #track(task: TaskSpec, signal: AbortSignal): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve) => {
      const p: Pending = { task, resolve, done: false, cancelRequested: false };
      this.#pending.set(task.taskId, p);
      const onAbort = () => void this.cancel(`pilot:${task.taskId}`);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #ensureLoop(): void {
    this.#wake?.();
    if (this.#loop || this.#stopped) return;
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
      if (this.#pending.size > 0 && !this.#stopped) this.#ensureLoop();
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#collect();
        if (Date.now() - this.#lastManage >= this.options.pollMs) {
          this.#lastManage = Date.now();
          await this.#manageBlocks();
        }
      } catch (e) {
        this.#log.warn("[slurm] pilot cycle failed; will retry", { error: String((e as Error)?.message ?? e) });
      }
      if (this.#pending.size === 0 && this.#blocks.size === 0 && this.options.pilot.minBlocks === 0 && this.#inbox.settledCount === 0) break;
      await new Promise<void>((r) => {
        const ms = this.#pending.size > 0 ? this.#inbox.nextWait() : this.options.pollMs;
        const t = setTimeout(r, ms);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Read finished outcomes from done/. */
  async #collect(): Promise<void> {
    await this.#inbox.collect(
      (id) => this.#pending.has(id),
      (id, o) => this.#settle(this.#pending.get(id)!, o),
      () => this.#pending.size,
    );
  }

  #settle(p: Pending, o: TaskOutcome): void {
    if (p.done) return;
    p.done = true;
    this.#pending.delete(p.task.taskId);
    p.resolve(o);
  }

  async #manageBlocks(): Promise<void> {
    const rows = new Map((await this.commands.squeue()).map((r) => [r.jobId, r]));
    const now = Date.now();
    let runningSlots = 0;
    for (const b of [...this.#blocks.values()]) {
      const row = rows.get(b.jobId);
      const phase = row ? phaseOf(row.state) : "terminal";
      if (phase === "pending") {
        b.state = "pending";
        continue;
      }
      let dead = phase === "terminal";
      if (!dead) {
        b.state = "running";
        const hbText = await this.transport.readFile(this.#L.block(b.id).heartbeat);
        const hb = hbText ? (JSON.parse(hbText) as Heartbeat) : undefined;
        if (hb && hb.seq !== b.lastSeq) {
          b.lastSeq = hb.seq;
          b.lastSeqChange = now;
          for (const taskId of hb.running) {
            const p = this.#pending.get(taskId);
            if (p && !b.running.includes(taskId)) this.#ctx?.events.emit({ type: "task.running", runId: p.task.runId, taskId, job: p.task.job, at: now, host: `${b.id}@${hb.hosts[0]?.host ?? "?"}` });
          }
          b.running = hb.running;
          if (hb.state === "exited") dead = true;
        } else if (now - b.lastSeqChange > this.options.pilot.heartbeatTimeoutSeconds * 1000) {
          this.#log.warn("[slurm] pilot heartbeat stale: treating its block as dead", { block: b.id, jobId: b.jobId });
          await this.commands.scancel([b.jobId]).catch(() => {});
          dead = true;
        }
        runningSlots += (hb?.hosts ?? []).reduce((n, h) => n + h.slots, 0);
      }
      if (dead) await this.#buryBlock(b);
    }
    // Scale up with the backlog, one block per cycle (blocks scale down by their own idle time-out).
    const o = this.options.pilot;
    const live = [...this.#blocks.values()];
    const pendingBlocks = live.filter((b) => b.state === "pending").length;
    const busy = live.reduce((n, b) => n + b.running.length, 0);
    const backlog = Math.max(0, this.#pending.size - busy);
    const freeSlots = Math.max(0, runningSlots - busy);
    let submit = 0;
    if (live.length < o.minBlocks) submit = o.minBlocks - live.length;
    else if (backlog > freeSlots * o.backlogPerBlock && pendingBlocks === 0 && live.length < o.maxBlocks) submit = 1;
    if (this.#blockInFlight) return; // submit() is submitting the first block right now
    for (let i = 0; i < submit; i++) await this.#submitBlock();
  }

  async #buryBlock(b: Block): Promise<void> {
    this.#blocks.delete(b.id);
    b.state = "gone";
    // Anything the dead pilot claimed but did not finish is lost (retryable); check done/ first.
    await this.#collect();
    const B = this.#L.block(b.id);
    const claimed = await this.transport.list(B.claimed);
    for (const name of claimed) {
      const taskId = name.replace(/\.json$/, "");
      const p = this.#pending.get(taskId);
      if (!p) continue;
      this.#settle(p, {
        state: "lost",
        error: { code: "LOST", message: `[slurm] Pilot block ${b.id} (job ${b.jobId}) died while running task ${taskId}; the task can be retried.`, retryable: true, details: { block: b.id, slurmJobId: b.jobId } },
        endedAt: Date.now(),
      });
    }
    // The block's directory (claims, heartbeat, script) is not needed any more; its logs stay in logs/.
    await this.transport.remove(B.dir).catch(() => {});
  }

  async #submitBlock(): Promise<void> {
    const id = `${Date.now().toString(36)}-${(this.#blockSeq++).toString(36)}`;
    const B = this.#L.block(id);
    const t = this.transport;
    await t.mkdirp(B.claimed);
    await t.writeFile(B.config, JSON.stringify(blockConfig(this.#L, id, this.options, this.#worker)));
    const jobName = slurmJobName(this.options.jobNamePrefix, this.name, `block-${id}`);
    await t.writeFile(B.script, blockScript(this.#L, id, jobName, this.name, this.options, this.#worker.pilot), 0o700);
    const jobId = await this.commands.sbatch(B.script, B.dir, jobName);
    this.blocksSubmitted++;
    this.#blocks.set(id, { id, jobId, state: "pending", lastSeq: -1, lastSeqChange: Date.now(), running: [], own: true });
    this.#log.info("[slurm] submitted pilot block", { block: id, jobId });
  }

  /** Block ids and SLURM job ids currently managed (for tests and the CLI). */
  blocks(): { id: string; jobId: string; state: string }[] {
    return [...this.#blocks.values()].map((b) => ({ id: b.id, jobId: b.jobId, state: b.state }));
  }

  async cancel(nativeId: string): Promise<void> {
    const taskId = nativeId.replace(/^pilot:/, "");
    const p = this.#pending.get(taskId);
    if (p) p.cancelRequested = true;
    const t = this.transport;
    // Still queued: take it back (atomic), nobody will run it.
    if (await t.rename(posix.join(this.#L.queue, `${taskId}.json`), posix.join(this.#L.cancel, `${taskId}.queued`))) {
      if (p) this.#settle(p, { state: "cancelled", error: { code: "CANCELLED", message: `[slurm] Task ${taskId} was cancelled before a pilot started it.` }, endedAt: Date.now() });
      return;
    }
    await t.writeFile(posix.join(this.#L.cancel, taskId), "");
    this.#ensureLoop();
  }

  async dispose(): Promise<void> {
    this.#stopped = true;
    this.#inbox?.close();
    this.#wake?.();
    await this.#loop?.catch(() => {});
    if (this.options.cancelOnDispose && this.#cmd) {
      // Outstanding tasks are cancelled one by one (a shared, adopted block keeps serving others).
      await Promise.all([...this.#pending.keys()].map((taskId) => this.cancel(`pilot:${taskId}`).catch(() => {})));
      const own = [...this.#blocks.values()].filter((b) => b.own);
      await this.#cmd.scancel(own.map((b) => b.jobId)).catch(() => {});
      // Their pilots are gone with the allocation; nothing will read their directories again.
      for (const b of own) await this.#cmd.transport.remove(this.#L.block(b.id).dir).catch(() => {});
    }
    for (const p of [...this.#pending.values()]) {
      this.#settle(p, { state: "cancelled", error: { code: "CANCELLED", message: `[slurm] Executor "${this.name}" was disposed while task ${p.task.taskId} was in flight.` }, endedAt: Date.now() });
    }
    if (this.#cmd && this.#inbox.settledCount > 0) {
      // Outcomes settled so far have been handed to the runtime; give its store one more tick.
      await new Promise((r) => setImmediate(r));
      await this.#inbox.removeSettled(true);
    }
    await this.#cmd?.transport.close();
  }
}
