#!/usr/bin/env node
/**
 * A pilot's node agent: ONE per node of a block other than the leader's, started by the leader as
 * a long-lived step (`srun --overlap -w <node> ... node node-agent.js <config.json>`, see
 * node-agents.ts). It runs the same worker pool as the leader, on its own node, and talks to the
 * leader through the step's stdin/stdout, which srun forwards: one JSON object per line.
 *
 * leader -> agent: `{"t":"run","spec":{...}}`, `{"t":"kill","taskId":"...","signal":"SIGTERM"}`
 * agent -> leader: `{"t":"ready"}`, `{"t":"done","taskId":"..."}`,
 *                  `{"t":"exit","taskId":"...","code":1,"signal":null}` (the worker died or the task was withdrawn)
 *
 * The agent exits when its stdin closes (the leader exited or died), so nothing outlives the pilot.
 * Node built-ins only.
 *
 * usage: node node-agent.js <config.json>
 */
import { openSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import type { PilotConfig } from "./layout.js";
import { slotsPerNode, workerLaunch } from "./pool-config.js";
import { killTree } from "./proc-tree.js";
import { WorkerPool } from "./worker-pool.js";

/** Leader -> agent messages. */
export type ToAgent = { t: "run"; spec: { taskId: string } & Record<string, unknown> } | { t: "kill"; taskId: string; signal: NodeJS.Signals };
/** Agent -> leader messages. */
export type FromAgent = { t: "ready"; node: string; pid: number } | { t: "done"; taskId: string } | { t: "exit"; taskId: string; code: number | null; signal: NodeJS.Signals | null };

/**
 * The variables srun sets for this step (SLURM_NNODES=1, SLURM_NTASKS=1, SLURM_STEP_*...) would
 * mislead a task's own srun/mpirun; tasks get the job-level values the leader sees, except the
 * ones that describe this node.
 */
const NODE_VARS = new Set(["SLURM_NODEID", "SLURM_TOPOLOGY_ADDR", "SLURM_TOPOLOGY_ADDR_PATTERN", "SLURM_CPUS_ON_NODE", "SLURMD_NODENAME", "SLURM_CONF"]);
function jobLevelEnv(): NodeJS.ProcessEnv {
  const raw = process.env.LW_AGENT_JOB_ENV;
  if (!raw) return process.env;
  const job = JSON.parse(raw) as Record<string, string>;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("SLURM_") || NODE_VARS.has(k)) env[k] = v;
  for (const [k, v] of Object.entries(job)) if (!NODE_VARS.has(k)) env[k] = v;
  delete env.LW_AGENT_JOB_ENV;
  return env;
}

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write("usage: node-agent.js <config.json>\n");
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(configPath, "utf8")) as PilotConfig;
const node = process.env.SLURMD_NODENAME ?? "";
// Messages of one event-loop turn leave in one write: every write is relayed by srun and slurmstepd.
let outLines = "";
const flushOut = (): void => {
  const text = outLines;
  outLines = "";
  if (text) process.stdout.write(text);
};
const send = (m: FromAgent): void => {
  if (!outLines) setImmediate(flushOut);
  outLines += `${JSON.stringify(m)}\n`;
};
const log = (msg: string) => process.stderr.write(`[pilot ${cfg.blockId} agent ${node}] ${new Date().toISOString()} ${msg}\n`);

// Task output goes to the block's stdout file (append), never into the protocol channel.
let stdout: number = 2;
if (cfg.stdoutPath) {
  try {
    stdout = openSync(cfg.stdoutPath, "a");
  } catch {
    /* stderr then */
  }
}
const { execArgv, env } = workerLaunch(cfg, jobLevelEnv());
const pool = new WorkerPool({
  script: cfg.workerScript,
  execArgv,
  env,
  initial: cfg.initialWorkers ?? availableParallelism(),
  max: slotsPerNode(cfg),
  maxStarting: 1,
  spawnAfterMs: cfg.workerSpawnAfterMs ?? 100,
  stdout,
  onDone: (taskId) => send({ t: "done", taskId }),
  onExit: (taskId, code, signal) => {
    if (taskId) send({ t: "exit", taskId, code, signal });
  },
});
const tick = setInterval(() => pool.tick(), Math.max(20, Math.min(cfg.pollMs, 200)));

let closing = false;
const shutdown = (why: string) => {
  if (closing) return;
  closing = true;
  log(`${why}: exiting (${pool.started} workers started)`);
  clearInterval(tick);
  pool.close();
  // Give workers a moment to exit on SIGTERM, then go (they also exit when their IPC channel closes).
  setTimeout(() => process.exit(0), 2000).unref();
};

createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on("line", (line) => {
    if (!line.trim()) return;
    let m: ToAgent;
    try {
      m = JSON.parse(line) as ToAgent;
    } catch {
      log(`ignored a line that is not JSON (${line.length} chars)`);
      return;
    }
    if (m.t === "run") {
      const spec = m.spec;
      pool.submit(spec.taskId, (w) => w.child.send({ type: "run", spec }));
    } else if (m.t === "kill") {
      if (pool.withdraw(m.taskId)) send({ t: "exit", taskId: m.taskId, code: null, signal: null });
      else {
        const w = pool.workerOf(m.taskId);
        if (w?.child.pid) killTree(w.child.pid, m.signal);
      }
    }
  })
  .on("close", () => shutdown("leader closed the channel"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
log(`started in process ${process.pid}; ${slotsPerNode(cfg)} slots`);
send({ t: "ready", node, pid: process.pid });
