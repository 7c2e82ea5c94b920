/**
 * A persistent task worker inside a pilot: receives TaskSpecs over IPC, runs each with core's
 * `runTask` in this process (job modules stay imported, so dispatch costs no process start),
 * writes the outcome atomically, and reports back. Started by pilot-main with tsx's loader.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { runTask, type TaskOutcome, type TaskSpec } from "@latticework/core";

/**
 * Write the outcome atomically (temp file + rename, 0600), without fsync: readers need to see
 * the whole file or none (rename gives that, also on NFS at close), not durability across a power
 * cut: a node that dies takes its pilot's heartbeat with it and the task is retried as lost.
 * (core's writeOutcomeAtomic also fsyncs and re-validates: ~1 ms per task here.)
 */
async function writeOutcome(path: string, outcome: TaskOutcome): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let f;
  try {
    f = await open(tmp, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    f = await open(tmp, "wx", 0o600);
  }
  try {
    await f.writeFile(`${JSON.stringify(outcome)}\n`);
  } finally {
    await f.close();
  }
  await rename(tmp, path).catch(async (e: unknown) => {
    await rm(tmp, { force: true });
    throw e;
  });
}

type Msg = { type: "run"; spec: TaskSpec } | { type: "cancel"; taskId: string };

const controllers = new Map<string, AbortController>();

process.on("message", (msg: Msg) => {
  if (msg.type === "cancel") {
    controllers.get(msg.taskId)?.abort(new Error("cancelled by latticework"));
    return;
  }
  const spec = msg.spec;
  const ac = new AbortController();
  controllers.set(spec.taskId, ac);
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  void (async () => {
    let outcome = await runTask(spec, { signal: ac.signal });
    if (outcome.state !== "completed" && process.env.LW_PILOT_STDOUT && process.env.LW_PILOT_STDERR) {
      outcome = { ...outcome, error: { stdoutPath: process.env.LW_PILOT_STDOUT, stderrPath: process.env.LW_PILOT_STDERR, ...outcome.error } };
    }
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    controllers.delete(spec.taskId);
    try {
      await writeOutcome(spec.outcomePath!, outcome);
      process.send?.({ type: "done", taskId: spec.taskId, state: outcome.state });
    } catch (e) {
      process.send?.({ type: "done", taskId: spec.taskId, state: "failed", writeError: (e as Error).message });
    }
  })();
});

// The pilot went away (killed): do not linger as an orphan.
process.on("disconnect", () => process.exit(1));
process.send?.({ type: "ready" });
