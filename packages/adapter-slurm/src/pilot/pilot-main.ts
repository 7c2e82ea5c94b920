#!/usr/bin/env node
/**
 * The pilot: started ONCE per block allocation by the block's batch script (no srun step, so
 * tasks' own `srun`/`mpirun` calls get fresh steps).
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
import { WorkerPool } from "./worker-pool.js";

const t0 = Date.now();
const [configPath, jobIdArg] = process.argv.slice(2);
if (!configPath) {
  process.stderr.write("usage: pilot-main.js <config.json> [slurm-job-id]\n");
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configPath, "utf8")) as PilotConfig;
const nodes = Number(process.env.SLURM_JOB_NUM_NODES) || 1;
const perNode = cfg.coresPerNode ?? (Number(process.env.SLURM_CPUS_ON_NODE) || availableParallelism());
const cpus = availableParallelism();
const handlers: { done(taskId: string): void; exit(taskId: string | undefined, code: number | null, signal: NodeJS.Signals | null): void } = {
  done: () => {},
  exit: () => {},
};
// The tsx loader is not preloaded: a worker imports core natively (~0.3 s of CPU less per worker,
// it is ready sooner) and loads tsx when a task's module is not plain JavaScript.
const execArgv: string[] = [];
let tsxLoader: string | undefined;
for (let i = 0; i < cfg.workerNodeArgs.length; i++) {
  const a = cfg.workerNodeArgs[i]!;
  const next = cfg.workerNodeArgs[i + 1];
  if (a === "--import" && next && /tsx/.test(next) && !tsxLoader) {
    tsxLoader = next;
    i++;
  } else execArgv.push(a);
}
const env = {
  ...process.env,
  ...(cfg.stdoutPath ? { LW_PILOT_STDOUT: cfg.stdoutPath } : {}),
  ...(cfg.stderrPath ? { LW_PILOT_STDERR: cfg.stderrPath } : {}),
  ...(tsxLoader ? { LW_PILOT_TSX: tsxLoader } : {}),
};
const pool = new WorkerPool({
  script: cfg.workerScript,
  execArgv,
  env,
  initial: cfg.initialWorkers ?? cpus,
  max: nodes * perNode,
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
