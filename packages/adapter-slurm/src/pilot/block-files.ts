import { watch, type FSWatcher } from "node:fs";
import type { ResolvedSlurmOptions } from "../options.js";
import { renderBatchScript } from "../sbatch-script.js";
import type { SlurmTransport } from "../transports/slurm-transport.js";
import type { PilotConfig, pilotLayout } from "./layout.js";

/** What a block's pilot needs to know: written as JSON next to the block's script. */
export function blockConfig(L: ReturnType<typeof pilotLayout>, id: string, options: ResolvedSlurmOptions, worker: { nodeArgs: string[]; script: string }): PilotConfig {
  const o = options.pilot;
  const B = L.block(id);
  return {
    root: L.root,
    blockId: id,
    ...(o.coresPerNode !== undefined ? { coresPerNode: o.coresPerNode } : {}),
    walltimeSeconds: o.walltimeSeconds,
    idleTimeoutSeconds: o.idleTimeoutSeconds,
    drainSeconds: o.drainSeconds,
    heartbeatSeconds: o.heartbeatSeconds,
    pollMs: o.pollMs,
    idlePollMs: o.idlePollMs,
    ...(o.initialWorkers !== undefined ? { initialWorkers: o.initialWorkers } : {}),
    workerSpawnAfterMs: o.workerSpawnAfterMs,
    workerNodeArgs: worker.nodeArgs,
    workerScript: worker.script,
    stdoutPath: B.stdout,
    stderrPath: B.stderr,
  };
}

/** The block's batch script: whole nodes, the pilot started once without an srun step. */
export function blockScript(L: ReturnType<typeof pilotLayout>, id: string, jobName: string, executorName: string, options: ResolvedSlurmOptions, pilotEntry: string): string {
  const B = L.block(id);
  const o = options.pilot;
  return renderBatchScript({
    jobName,
    // Whole nodes for the pilot; no --cpus-per-task, so nothing leaks into task launches.
    resources: { nodes: o.nodesPerBlock, walltimeSeconds: o.walltimeSeconds },
    options: { ...options, exclusive: true, skipDirectives: [...options.skipDirectives, "--ntasks"] },
    workdir: B.dir,
    command: [options.remote.node, pilotEntry, B.config],
    stdoutPath: B.stdout,
    stderrPath: B.stderr,
    exitCodePath: B.exitCode,
    description: `pilot block ${id} of executor ${executorName}`,
  });
}

/** Delete files in batches: one `rm` per 200 paths through a remote transport, unlink calls locally. */
export async function removeFiles(t: SlurmTransport, paths: string[]): Promise<void> {
  if (t.id === "local") {
    await Promise.all(paths.map((p) => t.remove(p)));
    return;
  }
  for (let i = 0; i < paths.length; i += 200) await t.exec(["rm", "-f", "--", ...paths.slice(i, i + 200)]);
}

/**
 * Call `onChange` (at most once per `batchMs`) when entries appear in a local directory, through
 * fs.watch (inotify). Returns undefined where watching is not possible; callers keep polling as
 * the fallback either way (NFS does not report other clients' writes).
 */
export function watchDir(dir: string, onChange: () => void, batchMs = 5): FSWatcher | undefined {
  try {
    let queued = false;
    const w = watch(dir, () => {
      if (queued) return;
      queued = true;
      setTimeout(() => {
        queued = false;
        onChange();
      }, batchMs).unref();
    });
    w.on("error", () => w.close());
    w.unref();
    return w;
  } catch {
    return undefined;
  }
}
