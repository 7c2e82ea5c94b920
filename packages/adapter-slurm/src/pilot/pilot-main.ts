#!/usr/bin/env node
/**
 * The pilot leader: started ONCE per block allocation by the block's batch script (no srun step,
 * so tasks' own `srun`/`mpirun` calls get fresh steps), on the allocation's first node. It runs the
 * tasks placed on its own node in a local worker pool and starts one node agent (node-agent.ts)
 * per other node of the allocation for the tasks placed there.
 *
 * This entry imports only node built-ins and the worker pool, so the first task workers are
 * forked a few milliseconds after the process starts; the pilot loop (and what it imports) loads
 * while they start. See pilot-loop.ts for what the pilot does.
 *
 * usage: node pilot-main.js <config.json> [slurm-job-id]
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { PilotConfig } from "./layout.js";
import { slotsPerNode, workerLaunch } from "./pool-config.js";
import { WorkerPool } from "./worker-pool.js";

const t0 = Date.now();
const [configPath, jobIdArg] = process.argv.slice(2);
if (!configPath) {
  process.stderr.write("usage: pilot-main.js <config.json> [slurm-job-id]\n");
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configPath, "utf8")) as PilotConfig;
const perNode = slotsPerNode(cfg);
const handlers: { done(taskId: string): void; exit(taskId: string | undefined, code: number | null, signal: NodeJS.Signals | null): void } = {
  done: () => {},
  exit: () => {},
};
const { execArgv, env } = workerLaunch(cfg);
const pool = new WorkerPool({
  script: cfg.workerScript,
  execArgv,
  env,
  initial: cfg.initialWorkers ?? availableParallelism(),
  // This node's slots, plus one per other node for multi-node (MPI) tasks, which the leader
  // launches (their mpirun/srun reaches the other nodes). Single-node tasks placed on other nodes
  // run in those nodes' agents (see node-agents.ts).
  max: perNode + Math.max(0, (Number(process.env.SLURM_JOB_NUM_NODES) || 1) - 1),
  // Growth beyond the initial workers: one start at a time (each costs a CPU for ~0.5 s).
  maxStarting: 1,
  spawnAfterMs: cfg.workerSpawnAfterMs ?? 100,
  onDone: (taskId) => handlers.done(taskId),
  onExit: (taskId, code, signal) => handlers.exit(taskId, code, signal),
});

import("./pilot-loop.js")
  .then((m) => m.runPilot({ cfg, jobId: jobIdArg ?? process.env.SLURM_JOB_ID ?? "local", pool, handlers, startedAt: t0 }))
  .then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`[pilot] fatal: ${(e as Error)?.stack ?? String(e)}\n`);
      pool.close();
      process.exit(1);
    },
  );
