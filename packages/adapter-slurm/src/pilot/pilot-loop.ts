/**
 * What a pilot does once started (see pilot-main.ts): pull tasks from the shared queue directory
 * (atomic rename into the block's `claimed/`, several per scan), place them on free cores/nodes
 * of the allocation, hand them to persistent workers ON THE NODE THEY WERE PLACED ON (the
 * leader's own pool for its node and for multi-node tasks, whose mpirun/srun reaches the other
 * nodes; a per-node agent for every other node, see node-agents.ts), beat a heartbeat, drain
 * before walltime, exit after an idle time-out.
 *
 * The queue is watched with fs.watch (inotify) where the filesystem reports changes, so a task
 * written into an idle block's queue starts within milliseconds; on filesystems that do not
 * (NFS, Lustre: other clients' writes raise no event) the scan interval is the fallback: `pollMs`
 * while work flows, doubling up to `idlePollMs` while idle.
 */
import { watch, existsSync, type FSWatcher } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import type { JobResources, Placement } from "@latticework/core";
import { asPilotSpec, writeOutcomeFile as writeOutcomeAtomic, type PilotSpec } from "./outcome-file.js";
import { pilotLayout, type Heartbeat, type PilotConfig } from "./layout.js";
import { placeTask, releasePlacement, type HostSlots } from "./placement.js";
import { NodeAgents } from "./node-agents.js";
import { killTree } from "./proc-tree.js";
import type { PoolWorker, WorkerPool } from "./worker-pool.js";

type TaskSpec = PilotSpec;

/**
 * The allocation's host names. `scontrol show hostnames` is SLURM's own expansion and keeps this
 * process's imports small; the package's parser (which loads core) is the fallback.
 */
async function allocationHosts(): Promise<string[]> {
  const list = process.env.SLURM_JOB_NODELIST ?? "";
  if (!list) return [];
  if (!/[[\]]/.test(list)) return list.split(",").filter(Boolean);
  try {
    const out = execFileSync("scontrol", ["show", "hostnames", list], { encoding: "utf8", timeout: 10_000 });
    const names = out.split("\n").map((l) => l.trim()).filter(Boolean);
    if (names.length > 0) return names;
  } catch {
    /* fall back below */
  }
  return (await import("../nodelist.js")).expandNodelist(list);
}

interface Running {
  spec: TaskSpec;
  worker: PoolWorker | undefined;
  /** The node whose agent runs it (unset: the leader's own pool). */
  agentHost?: string;
  cancelSent?: number;
}

/** What pilot-main hands over. */
export interface PilotStart {
  cfg: PilotConfig;
  jobId: string;
  pool: WorkerPool;
  handlers: { done(taskId: string): void; exit(taskId: string | undefined, code: number | null, signal: NodeJS.Signals | null): void };
  startedAt: number;
}

/** Run the pilot until it drains or idles out. Returns the process exit code. */
export async function runPilot({ cfg, jobId, pool, handlers, startedAt }: PilotStart): Promise<number> {
  const L = pilotLayout(cfg.root);
  const B = L.block(cfg.blockId);
  await mkdir(B.claimed, { recursive: true, mode: 0o700 });
  const names = await allocationHosts();
  const perNode = cfg.coresPerNode ?? (Number(process.env.SLURM_CPUS_ON_NODE) || availableParallelism());
  const hosts: HostSlots[] = (names.length ? names : [hostname()]).map((host) => ({ host, slots: perNode, free: perNode }));
  // The leader's node: where this process (and its local pool) runs.
  const leaderHost = hosts.some((h) => h.host === process.env.SLURMD_NODENAME) ? process.env.SLURMD_NODENAME! : hosts[0]!.host;
  const totalSlots = hosts.reduce((n, h) => n + h.slots, 0);
  const drainAt = startedAt + (cfg.walltimeSeconds - cfg.drainSeconds) * 1000;
  const running = new Map<string, Running>();
  const backlog: TaskSpec[] = [];
  let seq = 0;
  let lastWork = Date.now();
  let state: Heartbeat["state"] = "running";
  let firstClaim = 0;
  let workersLogged = 0;
  let firstRun = 0;
  let completed = 0;
  const log = (msg: string) => process.stderr.write(`[pilot ${cfg.blockId}] ${new Date().toISOString()} ${msg}\n`);
  const agentEvents = {
    done: (taskId: string) => finish(taskId),
    exit: (taskId: string, code: number | null, signal: NodeJS.Signals | null) => handlers.exit(taskId, code, signal),
    dead: (host: string, reason: string, started: boolean) => {
      // Its slots are gone; what it ran (or had waiting) is lost, and the runtime retries it.
      const i = hosts.findIndex((h) => h.host === host);
      if (i >= 0) hosts.splice(i, 1);
      const lost = [...running.values()].filter((r) => r.agentHost === host);
      if (!started) {
        // The agent never came up (srun refused, node unusable): nothing ran; place its tasks again.
        log(`agent on ${host} did not start (${reason}); ${lost.length} task(s) placed again, ${host}'s slots removed`);
        for (const r of lost) {
          running.delete(r.spec.taskId);
          backlog.push(r.spec);
        }
        wake();
        return;
      }
      log(`agent on ${host} is gone (${reason}); ${lost.length} task(s) lost, ${host}'s slots removed`);
      for (const r of lost) {
        void writeOutcomeAtomic(r.spec.outcomePath!, {
          state: "lost",
          error: { code: "LOST", message: `[pilot] The agent on node ${host} died while running task ${r.spec.taskId} (${reason}); the task can be retried.`, retryable: true, details: { pilot: cfg.blockId, host } },
          endedAt: Date.now(),
        }).finally(() => finish(r.spec.taskId));
      }
    },
    log,
  };
  const remoteHosts = hosts.filter((h) => h.host !== leaderHost).map((h) => h.host);
  const agents = remoteHosts.length > 0 ? new NodeAgents(remoteHosts, B.config, perNode, agentEvents) : undefined;
  log(`started ${Date.now() - startedAt} ms ago in process ${process.pid}; ${totalSlots} slots on ${hosts.map((h) => h.host).join(",")}; ${pool.workers.length} workers starting`);

  let wakeFn: (() => void) | undefined;
  const wake = () => wakeFn?.();

  const finish = (taskId: string) => {
    const r = running.get(taskId);
    if (!r) return;
    running.delete(taskId);
    completed++;
    releasePlacement(hosts, r.spec.placement as Placement, r.spec.resources as JobResources);
    void rm(join(B.claimed, `${taskId}.json`), { force: true });
    lastWork = Date.now();
    wake();
  };
  handlers.done = finish;
  handlers.exit = (taskId, code, signal) => {
    const r = taskId ? running.get(taskId) : undefined;
    if (!taskId || !r) return;
    const cancelled = r.cancelSent !== undefined;
    void writeOutcomeAtomic(r.spec.outcomePath!, {
      state: cancelled ? "cancelled" : "failed",
      error: { code: cancelled ? "CANCELLED" : "JOB_FAILED", message: `[pilot] worker process for task ${taskId} exited (code ${code}, signal ${signal}) before writing an outcome`, exitCode: code, signal, details: { pilot: cfg.blockId } },
      endedAt: Date.now(),
    }).finally(() => finish(taskId));
  };

  const beat = async () => {
    const hb: Heartbeat = { seq: ++seq, blockId: cfg.blockId, jobId, hosts: hosts.map((h) => ({ ...h })), running: [...running.keys()], state, pid: process.pid, ...(agents ? { agents: agents.list() } : {}) };
    const tmp = `${B.heartbeat}.tmp`;
    await writeFile(tmp, JSON.stringify(hb), { mode: 0o600 });
    await rename(tmp, B.heartbeat);
  };
  const hbTimer = setInterval(() => void beat().catch(() => {}), cfg.heartbeatSeconds * 1000);
  await beat();

  const dispatch = async (spec: TaskSpec): Promise<boolean> => {
    let placement;
    try {
      placement = placeTask(hosts, spec.resources as JobResources, jobId);
    } catch (e) {
      await writeOutcomeAtomic(spec.outcomePath!, { state: "failed", error: { code: "EXECUTOR_ERROR", message: `[pilot] Task ${spec.taskId} cannot run in this block: ${(e as Error).message}`, retryable: false }, endedAt: Date.now() });
      await rm(join(B.claimed, `${spec.taskId}.json`), { force: true });
      return true;
    }
    if (!placement) return false;
    const r: Running = { spec: { ...spec, placement }, worker: undefined };
    running.set(spec.taskId, r);
    const target = placement.hosts.length === 1 ? placement.hosts[0]!.host : leaderHost;
    if (target !== leaderHost && agents?.has(target)) {
      r.agentHost = target;
      if (!firstRun) {
        firstRun = Date.now();
        log(`first task sent to an agent ${firstRun - startedAt} ms after start`);
      }
      agents.run(target, r.spec as unknown as { taskId: string } & Record<string, unknown>);
      return true;
    }
    pool.submit(spec.taskId, (w) => {
      if (!firstRun) {
        firstRun = Date.now();
        log(`first task handed to a worker ${firstRun - startedAt} ms after start`);
      }
      r.worker = w;
      w.child.send({ type: "run", spec: r.spec });
    });
    return true;
  };

  const prefetch = Math.max(1, totalSlots);
  const freeSlots = () => hosts.reduce((n, h) => n + h.free, 0);

  let idleWait = cfg.pollMs;
  let idleSleeping = false;
  let watcher: FSWatcher | undefined;
  try {
    // Only an idle pilot needs the nudge (a busy one rescans every pollMs; its own claims raise events too).
    watcher = watch(L.queue, () => {
      if (idleSleeping) wake();
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    watcher = undefined; // no inotify here: scanning alone
  }

  while (true) {
    const now = Date.now();
    const stopRequested = existsSync(B.stop);
    if (state === "running" && (now >= drainAt || stopRequested)) {
      state = "draining";
      log(stopRequested ? "stop requested: draining" : "walltime near: draining");
      // Give back what was claimed but not started, so another block takes it.
      for (const spec of backlog.splice(0)) await rename(join(B.claimed, `${spec.taskId}.json`), join(L.queue, `${spec.taskId}.json`)).catch(() => {});
      await beat();
    }
    // Cancel requests for running tasks.
    if (running.size > 0) {
      const cancels = await readdir(L.cancel).catch(() => [] as string[]);
      for (const taskId of cancels) {
        const r = running.get(taskId);
        if (!r) continue;
        if (r.agentHost) {
          // The agent withdraws it or signals its worker's tree; its `exit` reply writes the outcome.
          if (r.cancelSent === undefined) {
            r.cancelSent = now;
            agents?.kill(r.agentHost, taskId, "SIGTERM");
          } else if (now - r.cancelSent > 3000) agents?.kill(r.agentHost, taskId, "SIGKILL");
        } else if (!r.worker && pool.withdraw(taskId)) {
          // Placed but not started by any worker yet.
          r.cancelSent = now;
          await writeOutcomeAtomic(r.spec.outcomePath!, { state: "cancelled", error: { code: "CANCELLED", message: `[pilot] Task ${taskId} was cancelled before it started.` }, endedAt: Date.now() });
          finish(taskId);
        } else if (r.worker && r.cancelSent === undefined) {
          // Kill the worker's whole process tree: a job may ignore its AbortSignal or have
          // started programs. The exit handler writes the `cancelled` outcome; the pool replaces the worker.
          r.cancelSent = now;
          killTree(r.worker.child.pid, "SIGTERM");
        } else if (r.worker && r.cancelSent !== undefined && now - r.cancelSent > 3000) killTree(r.worker.child.pid, "SIGKILL");
      }
    }
    // Start what fits from the local backlog, then claim more while slots are free.
    for (let i = 0; i < backlog.length; ) {
      if (await dispatch(backlog[i]!)) backlog.splice(i, 1);
      else i++;
    }
    // Claim in batches: fill the free slots plus a prefetch of up to one task per slot, and list
    // the queue again only when that prefetch has run half empty (one scan per several tasks).
    let claimedAny = false;
    if (state === "running" && backlog.length <= prefetch / 2 && (freeSlots() > 0 || backlog.length < prefetch)) {
      const entries = (await readdir(L.queue).catch(() => [] as string[])).filter((n) => n.endsWith(".json"));
      for (const name of entries) {
        if (backlog.length >= prefetch) break;
        const claimed = join(B.claimed, name);
        try {
          await rename(join(L.queue, name), claimed);
        } catch {
          continue; // another pilot took it, or it was cancelled
        }
        if (!firstClaim) {
          firstClaim = Date.now();
          log(`first task claimed ${firstClaim - startedAt} ms after start`);
        }
        claimedAny = true;
        let spec: TaskSpec;
        let raw: unknown;
        try {
          raw = JSON.parse(await readFile(claimed, "utf8"));
          spec = asPilotSpec(raw);
        } catch (e) {
          const msg = (e as Error).message;
          log(`unreadable spec ${name}: ${msg}`);
          // Fail the task (not retryable) if we know where its outcome goes; else it stays claimed.
          const out = (raw as { outcomePath?: unknown } | undefined)?.outcomePath;
          if (typeof out === "string" && out) {
            await writeOutcomeAtomic(out, { state: "failed", error: { code: "EXECUTOR_ERROR", message: `[pilot] Task spec ${name} is invalid: ${msg}`, retryable: false }, endedAt: Date.now() }).catch(() => {});
            await rm(claimed, { force: true });
          }
          continue;
        }
        if (!(await dispatch(spec))) backlog.push(spec);
      }
    }
    pool.tick();
    if (pool.started !== workersLogged) {
      workersLogged = pool.started;
      log(`${workersLogged} workers started (${completed} tasks finished)`);
    }
    if (claimedAny || running.size > 0 || backlog.length > 0) lastWork = Date.now();
    if (state === "draining" && running.size === 0) break;
    if (running.size === 0 && backlog.length === 0 && Date.now() - lastWork > cfg.idleTimeoutSeconds * 1000) {
      log(`idle for ${cfg.idleTimeoutSeconds}s: exiting`);
      break;
    }
    let wait: number;
    if (claimedAny || running.size > 0) wait = idleWait = cfg.pollMs;
    else wait = idleWait = Math.min(cfg.idlePollMs, idleWait * 2);
    idleSleeping = running.size === 0;
    await new Promise<void>((r) => {
      const t = setTimeout(r, wait);
      wakeFn = () => {
        clearTimeout(t);
        r();
      };
    });
    wakeFn = undefined;
    idleSleeping = false;
  }
  watcher?.close();
  state = "exited";
  clearInterval(hbTimer);
  await beat().catch(() => {});
  log(`exiting: ${completed} tasks finished, ${pool.started} workers started`);
  await agents?.close();
  pool.close();
  return 0;
}
