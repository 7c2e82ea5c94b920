import { setTimeout as sleep } from "node:timers/promises";
import { LatticeworkError } from "@latticework/core";
import { configFor, openExistingStore, ownerAlive, requireRun, TERMINAL_RUN_STATES } from "../context.js";
import type { GlobalOptions, Io } from "../context.js";

/** Flags of `latticework cancel`. */
export interface CancelFlags {
  /** Wait until the run has stopped; a number is the limit in seconds (default 60). */
  wait?: boolean | string;
}

/**
 * `latticework cancel <runId>`: mark the run for cancellation in the store; its orchestrator (any
 * process sharing the store) notices and stops it. A run whose orchestrator is gone (same host,
 * process dead) is marked cancelled directly so it does not look alive forever.
 */
export async function cancelCommand(runId: string, flags: CancelFlags, globals: GlobalOptions, io: Io): Promise<number> {
  const waitSeconds = flags.wait === undefined || flags.wait === false ? undefined : flags.wait === true ? 60 : Number(flags.wait);
  if (waitSeconds !== undefined && (!Number.isFinite(waitSeconds) || waitSeconds <= 0)) {
    throw new LatticeworkError("INPUT_INVALID", `[cancel] --wait "${String(flags.wait)}" must be a positive number of seconds.`);
  }
  const config = await configFor(globals, io, false);
  const store = await openExistingStore(config);
  try {
    const run = await requireRun(store, runId, config);
    if (TERMINAL_RUN_STATES.has(run.state)) {
      io.stdout.write(`Run ${runId} already ended (${run.state}); nothing to cancel.\n`);
      return 0;
    }
    store!.requestCancel(runId);
    await store!.flush();
    const alive = ownerAlive(run);
    if (alive === false) {
      const now = Date.now();
      store!.updateRun(runId, {
        state: "cancelled",
        endedAt: now,
        error: {
          code: "CANCELLED",
          message: `Cancelled by \`latticework cancel\`; its orchestrator${run.ownerPid !== null ? ` (pid ${run.ownerPid})` : ""} was no longer running. \`latticework resume ${runId}\` continues it.`,
        },
      });
      await store!.flush();
      io.stdout.write(`Run ${runId} had no live orchestrator; marked cancelled.\n`);
      return 0;
    }
    const who = run.ownerPid !== null ? ` (orchestrator pid ${run.ownerPid}${run.ownerHost ? ` on ${run.ownerHost}` : ""})` : "";
    io.stdout.write(`Cancel requested for run ${runId}${who}.\n`);
    if (waitSeconds === undefined) return 0;
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const now = await store!.getRun(runId);
      if (now && TERMINAL_RUN_STATES.has(now.state)) {
        io.stdout.write(`Run ${runId} ended: ${now.state}.\n`);
        return 0;
      }
      if (Date.now() > deadline) {
        io.stderr.write(`Run ${runId} has not stopped after ${waitSeconds}s (state ${now?.state ?? "unknown"}).\n`);
        return 1;
      }
      await sleep(200);
    }
  } finally {
    await store?.close();
  }
}
