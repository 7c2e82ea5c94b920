import { posix } from "node:path";
import type { FSWatcher } from "node:fs";
import { TaskOutcomeSchema, type Logger, type TaskOutcome } from "@latticework/core";
import type { SlurmTransport } from "../transports/slurm-transport.js";
import { removeFiles, watchDir } from "./block-files.js";

/** How long a done/ file stays after its outcome was handed to the runtime. */
export const DONE_RETENTION_MS = 2_000;

/**
 * The orchestrator's side of `done/`: reads outcomes of tasks it waits for (one listing per
 * cycle), says how long to wait before the next cycle, watches the directory where it can, and
 * deletes the files it has handed over.
 *
 * With the local transport on a filesystem with inotify, a new file wakes the loop (after 5 ms,
 * so one cycle collects a burst). Without events (SSH, or NFS written from other hosts) the loop
 * polls: every 2 x pilot.pollMs while outcomes arrive, backing off to pilot.idlePollMs (to pollMs
 * when a watch is active) while none do.
 */
export class DoneInbox {
  #settled: { path: string; at: number }[] = [];
  #watch: FSWatcher | undefined;
  #wait = 0;
  /** Set when the directory changed while the loop was not sleeping: skip the next sleep. */
  dirty = false;

  constructor(
    readonly transport: SlurmTransport,
    readonly dir: string,
    readonly o: { pollMs: number; pilotPollMs: number; pilotIdlePollMs: number },
    readonly log: Logger,
  ) {}

  /** Watch the directory (local transport only); `onChange` should wake the loop if it sleeps, else return false. */
  watch(onChange: () => boolean): void {
    if (this.transport.id !== "local" || this.#watch) return;
    this.#watch = watchDir(this.dir, () => {
      if (!onChange()) this.dirty = true;
    });
  }

  /** Milliseconds to sleep before the next cycle while tasks are pending. */
  nextWait(): number {
    const ms = this.dirty ? 0 : this.#wait;
    this.dirty = false;
    return ms;
  }

  /** Files still to delete (the loop keeps running until they are gone). */
  get settledCount(): number {
    return this.#settled.length;
  }

  /** Read the outcomes of `wanted` task ids that are there; `settle` is called for each. */
  async collect(wanted: (taskId: string) => boolean, settle: (taskId: string, o: TaskOutcome) => void, pendingCount: () => number): Promise<void> {
    await this.removeSettled(false);
    if (pendingCount() === 0) return;
    const before = pendingCount();
    const names = await this.transport.list(this.dir);
    await Promise.all(
      names.map(async (name) => {
        if (!name.endsWith(".json")) return;
        const taskId = name.slice(0, -5);
        if (!wanted(taskId)) return;
        const path = posix.join(this.dir, name);
        const text = await this.transport.readFile(path);
        if (!text) return;
        let o: TaskOutcome;
        try {
          o = TaskOutcomeSchema.parse(JSON.parse(text));
        } catch {
          return; // partially visible on a slow filesystem; next cycle
        }
        settle(taskId, o);
        this.#settled.push({ path, at: Date.now() });
      }),
    );
    const fast = this.o.pilotPollMs * 2;
    const slow = this.#watch ? Math.max(this.o.pollMs, fast) : Math.max(this.o.pilotIdlePollMs, fast);
    this.#wait = pendingCount() < before ? fast : Math.min(slow, Math.max(fast, this.#wait * 2));
  }

  /**
   * Delete done/ files of settled outcomes. The runtime records an outcome within an event-loop
   * tick of the promise resolving (stores commit at least once per tick), so a file is kept for
   * DONE_RETENTION_MS first (all: everything settled so far, at dispose): an orchestrator killed
   * in between finds it again when it resumes.
   */
  async removeSettled(all: boolean): Promise<void> {
    const cutoff = Date.now() - DONE_RETENTION_MS;
    const due = all ? this.#settled : this.#settled.filter((f) => f.at <= cutoff);
    if (due.length === 0) return;
    this.#settled = all ? [] : this.#settled.filter((f) => f.at > cutoff);
    await removeFiles(this.transport, due.map((f) => f.path)).catch((e: unknown) => this.log.warn("[slurm] could not delete done/ files", { error: String((e as Error)?.message ?? e) }));
  }

  close(): void {
    this.#watch?.close();
    this.#watch = undefined;
  }
}
