/**
 * A persistent task worker inside a pilot: receives TaskSpecs over IPC, runs each with core's
 * `runTask` in this process (job modules stay imported, so dispatch costs no process start),
 * writes the outcome atomically, and reports back. Started by pilot-main with tsx's loader.
 */
import { runTask, type TaskSpec } from "@latticework/core";
import { writeOutcomeFile } from "./outcome-file.js";

let tsx: Promise<unknown> | undefined;

/** Register tsx's loader (given by the pilot) before the first module that is not plain JavaScript. */
function loadTsxFor(module: string): Promise<unknown> | undefined {
  const url = process.env.LW_PILOT_TSX;
  if (!url || /\.(m|c)?js$/.test(module)) return tsx;
  tsx ??= import(url).catch((e: unknown) => process.stderr.write(`[pilot-worker] could not load tsx from ${url}: ${(e as Error).message}\n`));
  return tsx;
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
    await loadTsxFor(spec.module);
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
      await writeOutcomeFile(spec.outcomePath!, outcome);
      process.send?.({ type: "done", taskId: spec.taskId, state: outcome.state });
    } catch (e) {
      process.send?.({ type: "done", taskId: spec.taskId, state: "failed", writeError: (e as Error).message });
    }
  })();
});

// The pilot went away (killed): do not linger as an orphan.
process.on("disconnect", () => process.exit(1));
process.send?.({ type: "ready" });
