/**
 * The worker-pool settings a pilot leader and its node agents derive the same way from the
 * block's config. Node built-ins only (both entries keep their import graph small).
 */
import { availableParallelism } from "node:os";
import type { PilotConfig } from "./layout.js";

/** node arguments and environment for task workers. */
export interface WorkerLaunch {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The tsx loader is not preloaded: a worker imports core natively (~0.3 s of CPU less per worker,
 * it is ready sooner) and loads tsx when a task's module is not plain JavaScript.
 */
export function workerLaunch(cfg: PilotConfig, base: NodeJS.ProcessEnv = process.env): WorkerLaunch {
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
    ...base,
    ...(cfg.stdoutPath ? { LW_PILOT_STDOUT: cfg.stdoutPath } : {}),
    ...(cfg.stderrPath ? { LW_PILOT_STDERR: cfg.stderrPath } : {}),
    ...(tsxLoader ? { LW_PILOT_TSX: tsxLoader } : {}),
  };
  return { execArgv, env };
}

/** Slots per node: the configured value, else SLURM's CPU count for this node, else the machine's. */
export function slotsPerNode(cfg: PilotConfig): number {
  return cfg.coresPerNode ?? (Number(process.env.SLURM_CPUS_ON_NODE) || availableParallelism());
}
