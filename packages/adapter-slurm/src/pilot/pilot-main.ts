#!/usr/bin/env node
/**
 * The pilot: started ONCE per block allocation by the block's batch script (no srun step, so
 * tasks' own `srun`/`mpirun` calls get fresh steps). It pulls tasks from the shared queue
 * directory, places them on free cores/nodes of the allocation, runs them in persistent worker
 * processes, beats a heartbeat, drains before walltime, and exits after an idle time-out.
 *
 * usage: node pilot-main.js <config.json> <slurm-job-id>
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cpus, hostname } from "node:os";
import { join } from "node:path";
import { TaskSpecSchema, writeOutcomeAtomic, type TaskSpec } from "@latticework/core";
import { expandNodelist } from "../nodelist.js";
import { pilotLayout, type Heartbeat, type PilotConfig } from "./layout.js";
import { placeTask, releasePlacement, type HostSlots } from "./placement.js";

interface Worker {
  child: ChildProcess;
  busy: string | undefined;
  ready: Promise<void>;
}

interface Running {
  spec: TaskSpec;
  worker: Worker;
  cancelSent?: number;
}

/** Descendants of a pid (Linux /proc), deepest first. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  try {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const list = children.get(ppid) ?? [];
        list.push(Number(d));
        children.set(ppid, list);
      } catch {
        /* process went away */
      }
    }
  } catch {
    return [];
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

/** Signal a process and all its descendants (children first). */
function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  for (const p of [...descendants(pid), pid]) {
    try {
      process.kill(p, signal);
    } catch {
      /* already gone */
    }
  }
}

async function main(): Promise<number> {
  const [configPath, jobIdArg] = process.argv.slice(2);
  if (!configPath) {
    process.stderr.write("usage: pilot-main.js <config.json> [slurm-job-id]\n");
    return 2;
  }
  const cfg = JSON.parse(await readFile(configPath, "utf8")) as PilotConfig;
  const jobId = jobIdArg ?? process.env.SLURM_JOB_ID ?? "local";
  const L = pilotLayout(cfg.root);
  const B = L.block(cfg.blockId);
  await mkdir(B.claimed, { recursive: true, mode: 0o700 });
  const names = expandNodelist(process.env.SLURM_JOB_NODELIST ?? "");
  const perNode = cfg.coresPerNode ?? (Number(process.env.SLURM_CPUS_ON_NODE) || cpus().length);
  const hosts: HostSlots[] = (names.length ? names : [hostname()]).map((host) => ({ host, slots: perNode, free: perNode }));
  const totalSlots = hosts.reduce((n, h) => n + h.slots, 0);
  const started = Date.now();
  const drainAt = started + (cfg.walltimeSeconds - cfg.drainSeconds) * 1000;
  const running = new Map<string, Running>();
  const backlog: TaskSpec[] = [];
  const workers: Worker[] = [];
  let seq = 0;
  let lastWork = Date.now();
  let state: Heartbeat["state"] = "running";

  const log = (msg: string) => process.stderr.write(`[pilot ${cfg.blockId}] ${new Date().toISOString()} ${msg}\n`);

  const spawnWorker = (): Worker => {
    const env = { ...process.env, ...(cfg.stdoutPath ? { LW_PILOT_STDOUT: cfg.stdoutPath } : {}), ...(cfg.stderrPath ? { LW_PILOT_STDERR: cfg.stderrPath } : {}) };
    const child = fork(cfg.workerScript, [], { execArgv: cfg.workerNodeArgs, env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const w: Worker = { child, busy: undefined, ready: new Promise((r) => child.once("message", () => r())) };
    child.on("message", (m: { type: string; taskId?: string }) => {
      if (m.type === "done" && m.taskId) finish(m.taskId);
    });
    child.on("exit", (code, signal) => {
      const idx = workers.indexOf(w);
      if (idx >= 0) workers.splice(idx, 1);
      const taskId = w.busy;
      if (taskId) {
        const r = running.get(taskId);
        if (r) {
          const cancelled = r.cancelSent !== undefined;
          void writeOutcomeAtomic(r.spec.outcomePath!, {
            state: cancelled ? "cancelled" : "failed",
            error: { code: cancelled ? "CANCELLED" : "JOB_FAILED", message: `[pilot] worker process for task ${taskId} exited (code ${code}, signal ${signal}) before writing an outcome`, exitCode: code, signal, details: { pilot: cfg.blockId } },
            endedAt: Date.now(),
          }).finally(() => finish(taskId));
        }
      }
    });
    workers.push(w);
    return w;
  };

  const finish = (taskId: string) => {
    const r = running.get(taskId);
    if (!r) return;
    running.delete(taskId);
    r.worker.busy = undefined;
    releasePlacement(hosts, r.spec.placement!, r.spec.resources);
    void rm(join(B.claimed, `${taskId}.json`), { force: true });
    lastWork = Date.now();
    wake();
  };

  const idleWorker = async (): Promise<Worker> => {
    const w = workers.find((x) => !x.busy) ?? spawnWorker();
    await w.ready;
    return w;
  };

  const beat = async () => {
    const hb: Heartbeat = { seq: ++seq, blockId: cfg.blockId, jobId, hosts: hosts.map((h) => ({ ...h })), running: [...running.keys()], state, pid: process.pid };
    const tmp = `${B.heartbeat}.tmp`;
    await writeFile(tmp, JSON.stringify(hb), { mode: 0o600 });
    await rename(tmp, B.heartbeat);
  };
  const hbTimer = setInterval(() => void beat().catch(() => {}), cfg.heartbeatSeconds * 1000);
  await beat();
  // Start one persistent worker per slot up front (node + tsx start-up is paid once, before work).
  await Promise.all(Array.from({ length: totalSlots }, () => spawnWorker().ready));
  log(`${totalSlots} workers ready on ${hosts.map((h) => h.host).join(",")}`);

  let wakeFn: (() => void) | undefined;
  const wake = () => wakeFn?.();

  const dispatch = async (spec: TaskSpec): Promise<boolean> => {
    let placement;
    try {
      placement = placeTask(hosts, spec.resources, jobId);
    } catch (e) {
      await writeOutcomeAtomic(spec.outcomePath!, { state: "failed", error: { code: "EXECUTOR_ERROR", message: `[pilot] Task ${spec.taskId} cannot run in this block: ${(e as Error).message}`, retryable: false }, endedAt: Date.now() });
      await rm(join(B.claimed, `${spec.taskId}.json`), { force: true });
      return true;
    }
    if (!placement) return false;
    const placed = { ...spec, placement };
    const w = await idleWorker();
    w.busy = spec.taskId;
    running.set(spec.taskId, { spec: placed, worker: w });
    w.child.send({ type: "run", spec: placed });
    return true;
  };

  const freeSlots = () => hosts.reduce((n, h) => n + h.free, 0);

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
        if (r.cancelSent === undefined) {
          // Kill the worker's whole process tree: a job may ignore its AbortSignal or have
          // started programs. The exit handler writes the `cancelled` outcome; a fresh worker replaces it.
          r.cancelSent = now;
          killTree(r.worker.child.pid, "SIGTERM");
        } else if (now - r.cancelSent > 3000) killTree(r.worker.child.pid, "SIGKILL");
      }
    }
    // Start what fits from the local backlog, then claim more while slots are free.
    for (let i = 0; i < backlog.length; ) {
      if (await dispatch(backlog[i]!)) backlog.splice(i, 1);
      else i++;
    }
    let claimedAny = false;
    if (state === "running" && freeSlots() > 0 && backlog.length < totalSlots) {
      const entries = (await readdir(L.queue).catch(() => [] as string[])).filter((n) => n.endsWith(".json")).sort();
      for (const name of entries) {
        if (freeSlots() === 0 || backlog.length >= totalSlots) break;
        const claimed = join(B.claimed, name);
        try {
          await rename(join(L.queue, name), claimed);
        } catch {
          continue; // another pilot took it, or it was cancelled
        }
        claimedAny = true;
        let spec: TaskSpec;
        try {
          spec = TaskSpecSchema.parse(JSON.parse(await readFile(claimed, "utf8")));
        } catch (e) {
          log(`unreadable spec ${name}: ${(e as Error).message}`);
          continue;
        }
        if (!(await dispatch(spec))) backlog.push(spec);
      }
    }
    if (claimedAny || running.size > 0 || backlog.length > 0) lastWork = Date.now();
    if (state === "draining" && running.size === 0) break;
    if (running.size === 0 && backlog.length === 0 && Date.now() - lastWork > cfg.idleTimeoutSeconds * 1000) {
      log(`idle for ${cfg.idleTimeoutSeconds}s: exiting`);
      break;
    }
    const wait = claimedAny || running.size > 0 ? cfg.pollMs : cfg.idlePollMs;
    await new Promise<void>((r) => {
      const t = setTimeout(r, wait);
      wakeFn = () => {
        clearTimeout(t);
        r();
      };
    });
    wakeFn = undefined;
  }
  state = "exited";
  clearInterval(hbTimer);
  await beat().catch(() => {});
  for (const w of workers) w.child.kill("SIGTERM");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`[pilot] fatal: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
