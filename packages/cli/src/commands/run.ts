import { LatticeworkError, ValidationError } from "@latticework/core";
import type { RunRecord, RunResult, Runtime } from "@latticework/core";
import { checkExecutorName, closeRuntime, configFor, createUi, openExistingStore, ownerAlive, requireRun, runtimeFor, TERMINAL_RUN_STATES } from "../context.js";
import type { GlobalOptions, Io, Ui } from "../context.js";
import { inputFromFlags } from "../flag-input.js";
import { parseTarget, resolveTarget } from "../target.js";
import { printResult } from "../render-result.js";

/** Flags of `latticework run`. */
export interface RunFlags {
  input?: string;
  set?: string[];
  structure?: string;
  structureKey?: string;
  executor?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  runId?: string;
}

/** Flags of `resume` and `retry`. */
export interface ReplayFlags {
  executor?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
}

/** Exit code for a finished run: 0 only when it completed. */
export function exitCodeFor(result: RunResult): number {
  return result.state === "completed" ? 0 : 1;
}

/**
 * Drive a run to its end with the display attached; the first Ctrl-C (SIGINT/SIGTERM) cancels the
 * run and waits for it to stop, a second one exits at once.
 */
async function drive(
  ui: Ui,
  io: Io,
  runtime: Runtime,
  label: string,
  begin: () => { runId: string; result: Promise<RunResult>; cancel(): void },
): Promise<RunResult> {
  const off = runtime.events.on((event) => ui.display.onEvent(event));
  let interrupts = 0;
  let cancel: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      ui.display.stop();
      io.stderr.write(`Second ${signal}: exiting now; the run stays in the store (resume it later).\n`);
      process.exit(130);
    }
    ui.display.writeLine(ui.style.yellow(`${signal}: cancelling the run (press Ctrl-C again to exit at once)...`));
    cancel?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const handle = begin();
    cancel = () => handle.cancel();
    ui.display.start(label, handle.runId);
    const result = await handle.result;
    return result;
  } finally {
    ui.display.stop();
    off();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** `latticework run <target>`: returns the exit code. */
export async function runCommand(targetText: string, flags: RunFlags, globals: GlobalOptions, io: Io): Promise<number> {
  const ui = createUi(globals, io, { ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}), ...(flags.progress !== undefined ? { progress: flags.progress } : {}) });
  const config = await configFor(globals, io, true);
  checkExecutorName(flags.executor, config);
  const spec = parseTarget(targetText, config.flows, io.cwd);
  const target = await resolveTarget(spec, io.cwd);
  const input = await inputFromFlags(flags, io.cwd);
  // Validate here too so a bad input is reported before anything is recorded or submitted.
  const parsed = target.value.input.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      "INPUT_INVALID",
      `Input for ${target.kind} "${target.value.name}" (${spec.module}#${spec.exportPath}) is invalid; fix these with --set key=value or --input file.json`,
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    );
  }
  const runtime = runtimeFor(config, ui.logger);
  try {
    const result = await drive(ui, io, runtime, target.value.name, () =>
      runtime.start(target.value, input, {
        target: target.target,
        ...(flags.executor !== undefined ? { executor: flags.executor } : {}),
        ...(flags.runId !== undefined ? { runId: flags.runId } : {}),
      }),
    );
    printResult(result, { json: flags.json === true, io, style: ui.outStyle, summary: target.value.summary as never });
    return exitCodeFor(result);
  } finally {
    await closeRuntime(runtime);
  }
}

/** `latticework resume <runId>` and `latticework retry <runId>`. */
export async function replayCommand(mode: "resume" | "retry", runId: string, flags: ReplayFlags, globals: GlobalOptions, io: Io): Promise<number> {
  const ui = createUi(globals, io, { ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}), ...(flags.progress !== undefined ? { progress: flags.progress } : {}) });
  const config = await configFor(globals, io, true);
  checkExecutorName(flags.executor, config);
  // Read the run record first (a short-lived store handle) so problems are reported before any
  // executor starts.
  const store = await openExistingStore(config);
  let run: RunRecord;
  try {
    run = await requireRun(store, runId, config);
  } finally {
    await store?.close();
  }
  if (run.parentRunId !== null) {
    throw new LatticeworkError("NOT_SUPPORTED", `Run ${runId} is a sub-flow of run ${run.parentRunId}; ${mode} the top-level run instead.`);
  }
  if (!run.target) {
    throw new LatticeworkError(
      "NOT_SUPPORTED",
      `Run ${runId} has no recorded target (it was started from code without RunOptions.target), so the CLI cannot import its flow. ${mode === "resume" ? "Resume" : "Retry"} it from code with runtime.${mode}().`,
    );
  }
  if (!TERMINAL_RUN_STATES.has(run.state) && ownerAlive(run) === true && run.ownerPid !== process.pid) {
    throw new LatticeworkError(
      "NOT_SUPPORTED",
      `Run ${runId} is still running in process ${run.ownerPid}${run.ownerHost ? ` on ${run.ownerHost}` : ""}. Wait for it, or stop it with \`latticework cancel ${runId}\` first.`,
    );
  }
  const runtime = runtimeFor(config, ui.logger);
  try {
    // Import the flow (through tsx for .ts files) before the runtime looks it up again.
    const target = await resolveTarget({ module: run.target.module, exportPath: run.target.exportPath }, io.cwd);
    const options = flags.executor !== undefined ? { executor: flags.executor } : {};
    const result = await drive(ui, io, runtime, `${mode} ${target.value.name}`, () => {
      const promise = mode === "resume" ? runtime.resume(runId, options) : runtime.retry(runId, options);
      return { runId, result: promise, cancel: () => void runtime.cancel(runId) };
    });
    printResult(result, { json: flags.json === true, io, style: ui.outStyle, summary: target.value.summary as never });
    return exitCodeFor(result);
  } finally {
    await closeRuntime(runtime);
  }
}
