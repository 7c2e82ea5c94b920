import { posix } from "node:path";

/**
 * The pilot's shared-filesystem queue. The orchestrator writes specs into `queue/`; a pilot
 * claims one by an atomic rename into its block's `claimed/` directory (so exactly one pilot
 * gets it), runs it, and the worker writes the outcome into `done/`; the orchestrator deletes a
 * `done/` file once it has recorded the outcome. Heartbeats and drain requests live under
 * `blocks/<id>/`, removed when the block ends; the block's SLURM logs stay in `logs/`.
 */
export function pilotLayout(root: string) {
  return {
    root,
    queue: posix.join(root, "queue"),
    done: posix.join(root, "done"),
    cancel: posix.join(root, "cancel"),
    blocks: posix.join(root, "blocks"),
    logs: posix.join(root, "logs"),
    block: (id: string) => {
      const dir = posix.join(root, "blocks", id);
      return {
        dir,
        claimed: posix.join(dir, "claimed"),
        heartbeat: posix.join(dir, "heartbeat.json"),
        config: posix.join(dir, "config.json"),
        script: posix.join(dir, "block.sbatch"),
        /** SLURM's stdout/stderr of the block: under logs/, so they outlive the block's directory. */
        stdout: posix.join(root, "logs", `${id}.out`),
        stderr: posix.join(root, "logs", `${id}.err`),
        exitCode: posix.join(dir, "exit-code"),
        stop: posix.join(dir, "stop"),
      };
    },
  };
}

/** What a pilot reads at start (written by the orchestrator next to the block script). */
export interface PilotConfig {
  root: string;
  blockId: string;
  coresPerNode?: number;
  walltimeSeconds: number;
  idleTimeoutSeconds: number;
  drainSeconds: number;
  heartbeatSeconds: number;
  pollMs: number;
  idlePollMs: number;
  /** node arguments for task worker processes (tsx loader). */
  workerNodeArgs: string[];
  /** Path of the task worker script. */
  workerScript: string;
  /** The block's SLURM stdout/stderr files (task workers write there too). */
  stdoutPath?: string;
  stderrPath?: string;
  /** Task workers started with the pilot (default: the node's CPU count). */
  initialWorkers?: number;
  /** A task waiting this long for a free worker makes the pilot start another one (default 100). */
  workerSpawnAfterMs?: number;
}

/** A pilot's heartbeat file. `seq` grows every beat; staleness is judged on the orchestrator's clock. */
export interface Heartbeat {
  seq: number;
  blockId: string;
  jobId: string;
  hosts: { host: string; slots: number; free: number }[];
  running: string[];
  state: "running" | "draining" | "exited";
  pid: number;
  /** The block's node agents (one per node other than the leader's): where they run, whether alive. */
  agents?: { host: string; ready: boolean; alive: boolean; pid?: number; srunPid?: number }[];
}
