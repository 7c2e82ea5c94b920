import { existsSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { LatticeworkError, createRuntime, SqliteRunStore } from "@latticework/core";
import type { Logger, RunRecord, RunStore, Runtime } from "@latticework/core";
import { loadConfig } from "./config.js";
import type { ResolvedConfig } from "./config.js";
import { createExecutors } from "./adapters.js";
import { createCliLogger, resolveLogLevel } from "./logger.js";
import { LiveDisplay, PlainDisplay, QuietDisplay } from "./progress.js";
import type { DisplayStream, ProgressDisplay } from "./progress.js";
import { createStyle, wantsColor } from "./style.js";
import type { Style } from "./style.js";

/** Where the CLI reads and writes (injectable for tests and embedding). */
export interface Io {
  stdout: DisplayStream;
  stderr: DisplayStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
  store?: string;
  logLevel?: string;
  /** false when --no-color was given. */
  color?: boolean;
}

/** Styling, progress display and logger for one command. */
export interface Ui {
  style: Style;
  /** Style for stdout (may differ from stderr's when one is piped). */
  outStyle: Style;
  display: ProgressDisplay;
  logger: Logger;
}

/** Build the UI: live display on a TTY (unless quiet), plain lines otherwise; pino to stderr. */
export function createUi(globals: GlobalOptions, io: Io, mode: { quiet?: boolean; progress?: boolean } = {}): Ui {
  const style = createStyle(wantsColor(io.stderr, globals.color, io.env));
  const outStyle = createStyle(wantsColor(io.stdout, globals.color, io.env));
  const level = resolveLogLevel(globals.logLevel, io.env);
  let display: ProgressDisplay;
  if (mode.quiet || mode.progress === false) display = new QuietDisplay(io.stderr);
  else if (io.stderr.isTTY && io.env.TERM !== "dumb") display = new LiveDisplay(io.stderr, style);
  else display = new PlainDisplay(io.stderr, style);
  const logger = createCliLogger({ level, sink: display, pretty: io.stderr.isTTY === true, style });
  return { style, outStyle, display, logger };
}

/** Load the config (optionally with adapters) using the global options. */
export function configFor(globals: GlobalOptions, io: Io, adapters: boolean): Promise<ResolvedConfig> {
  return loadConfig({
    cwd: io.cwd,
    ...(globals.config !== undefined ? { configPath: globals.config } : {}),
    ...(globals.store !== undefined ? { storeDir: globals.store } : {}),
    adapters,
  });
}

/** Check an executor name given on the command line against the configured ones. */
export function checkExecutorName(name: string | undefined, config: ResolvedConfig): void {
  if (name === undefined) return;
  const known = Object.keys(config.adapters ?? config.executors);
  if (!known.includes(name)) {
    throw new LatticeworkError(
      "EXECUTOR_NOT_FOUND",
      `--executor "${name}" is not defined. Defined executors: ${known.join(", ")}${config.file ? ` (from ${config.file})` : " (no config file found; add one with an \"executors\" block)"}.`,
    );
  }
}

/**
 * Create the orchestrator runtime from a config loaded with adapters. The CLI opens the SQLite
 * store itself and hands it over, so close it after the runtime with {@link closeRuntime}.
 */
export function runtimeFor(config: ResolvedConfig, logger: Logger): Runtime {
  const executors = createExecutors(config.adapters ?? {}, config.dir);
  const runtime = createRuntime({
    store: new SqliteRunStore({ dir: config.storeDir }),
    executors,
    ...(config.defaultExecutor !== undefined ? { defaultExecutor: config.defaultExecutor } : {}),
    rules: config.rules,
    logger,
    workerPlugins: config.workerPlugins,
  });
  return runtime;
}

/** Close a runtime made by {@link runtimeFor} and then its store. */
export async function closeRuntime(runtime: Runtime): Promise<void> {
  try {
    await runtime.close();
  } finally {
    await runtime.store.close();
  }
}

/**
 * Open the store read-write for commands that only look at runs (runs, show, logs, cancel).
 * Returns undefined when no store exists yet (nothing is created).
 */
export async function openExistingStore(config: ResolvedConfig): Promise<RunStore | undefined> {
  if (!existsSync(config.storeDir)) return undefined;
  const store: RunStore = new SqliteRunStore({ dir: config.storeDir });
  await store.open();
  return store;
}

/** Fetch a run or throw RUN_NOT_FOUND naming the store. */
export async function requireRun(store: RunStore | undefined, runId: string, config: ResolvedConfig): Promise<RunRecord> {
  const run = store ? await store.getRun(runId) : undefined;
  if (!run) {
    throw new LatticeworkError(
      "RUN_NOT_FOUND",
      `No run "${runId}" in the store at ${config.storeDir}${store ? "" : " (no store there yet)"}. List runs with \`latticework runs\`, or pass --store/--config for another store.`,
    );
  }
  return run;
}

/** Terminal run states. */
export const TERMINAL_RUN_STATES = new Set(["completed", "failed", "cancelled", "timed-out", "lost"]);

/** Is the orchestrator recorded for this run alive? undefined when it cannot be told (other host). */
export function ownerAlive(run: RunRecord): boolean | undefined {
  if (run.ownerPid === null) return false;
  if (run.ownerHost !== null && run.ownerHost !== hostname()) return undefined;
  try {
    process.kill(run.ownerPid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A path shown relative to cwd when that is shorter. */
export function shortPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel && !rel.startsWith("..") && rel.length < p.length ? rel : p;
}
