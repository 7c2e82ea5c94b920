import { Command, CommanderError, Option } from "commander";
import { LatticeworkError } from "@latticework/core";
import type { GlobalOptions, Io } from "./context.js";
import { runCommand, replayCommand } from "./commands/run.js";
import { runsCommand, showCommand } from "./commands/inspect.js";
import { logsCommand } from "./commands/logs.js";
import { cancelCommand } from "./commands/cancel.js";
import { slurmScriptCommand } from "./commands/slurm-script.js";
import { createStyle, wantsColor } from "./style.js";
import { LOG_LEVELS } from "./logger.js";
import { CLI_VERSION } from "./version.js";

/** Exit codes of the `latticework` command. */
export const EXIT = Object.freeze({
  /** The run completed (or the command succeeded). */
  OK: 0,
  /** The run ended failed, cancelled, timed-out or lost. */
  RUN_NOT_COMPLETED: 1,
  /** Bad usage, config, target or input; nothing was run. */
  USAGE: 2,
  /** Interrupted twice (second Ctrl-C). */
  INTERRUPTED: 130,
});

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function globalsOf(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { config?: string; store?: string; logLevel?: string; color?: boolean };
  return {
    ...(o.config !== undefined ? { config: o.config } : {}),
    ...(o.store !== undefined ? { store: o.store } : {}),
    ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
    ...(o.color === false ? { color: false } : {}),
  };
}

/** Build the commander program; actions store their exit code in `result.code`. */
export function buildProgram(io: Io, result: { code: number }): Command {
  const program = new Command("latticework")
    .description("Run typed jobs and flows locally, on SLURM or with MPI; inspect, cancel and resume runs.")
    .version(CLI_VERSION, "-V, --version")
    .option("--config <path>", "config file (default: latticework.config.{ts,mts,mjs,js,json} searched from the cwd upward)")
    .option("--store <dir>", "run store directory (default: the config's store.dir, else ./.latticework)")
    .addOption(new Option("--log-level <level>", "log level on stderr (env LATTICEWORK_LOG_LEVEL; default warn)").choices([...LOG_LEVELS]))
    .option("--no-color", "plain text without colours (also NO_COLOR=1)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  const inputOptions = (cmd: Command): Command =>
    cmd
      .option("--input <file.json>", "read the input from a JSON file")
      .option("--set <key=value>", "set an input field (repeatable; dotted keys nest; values parsed as JSON where they parse)", collect, [])
      .option("--structure <file>", "read a structure file (POSCAR, CIF, extxyz, ASE JSON) into the input's `atoms` key (needs @latticework/recipes)")
      .option("--structure-key <key>", "input key (dotted) that --structure fills instead of `atoms`")
      .option("--executor <name>", "executor to use (a name from the config; default: the config's defaultExecutor, else local)");

  inputOptions(
    program
      .command("run")
      .description("run a flow or a job (a job becomes a one-job run); exit code 0 only if the run completed")
      .argument("<target>", "<file-or-package>#<export.path> (e.g. examples/01-serial.ts#relaxThenStatic, @latticework/recipes#emt.static) or a flow name from the config"),
  )
    .option("--json", "print { runId, state, output, failures } as JSON on stdout")
    .option("--run-id <id>", "use this run id instead of a generated one")
    .option("-q, --quiet", "no progress display")
    .option("--no-progress", "same as --quiet")
    .action(async (target: string, flags: Record<string, unknown>, cmd: Command) => {
      result.code = await runCommand(target, flags as never, globalsOf(cmd), io);
    });

  program
    .command("runs")
    .description("list recent top-level runs, newest first")
    .option("--json", "print a JSON array")
    .option("--limit <n>", "how many runs (default 20)")
    .option("--state <state>", "only runs in this state (pending, running, completed, failed, cancelled, timed-out, lost)")
    .action(async (flags: Record<string, unknown>, cmd: Command) => {
      result.code = await runsCommand(flags as never, globalsOf(cmd), io);
    });

  program
    .command("show")
    .description("show a run as a tree of sub-flows and jobs: state, executor, attempts, durations, data edges, pending reasons")
    .argument("<runId>")
    .option("--json", "print the tree as JSON")
    .action(async (runId: string, flags: Record<string, unknown>, cmd: Command) => {
      result.code = await showCommand(runId, flags as never, globalsOf(cmd), io);
    });

  program
    .command("logs")
    .description("print the stdout/stderr files of a run's attempts")
    .argument("<runId>")
    .argument("[job]", "only jobs whose name or call path matches (`*` globs allowed)")
    .option("--stream <which>", "stdout, stderr or both (default both)")
    .option("--attempt <n>", "only this attempt number")
    .action(async (runId: string, job: string | undefined, flags: Record<string, unknown>, cmd: Command) => {
      result.code = await logsCommand(runId, job, flags as never, globalsOf(cmd), io);
    });

  program
    .command("cancel")
    .description("ask a run to stop (works from any process sharing the store)")
    .argument("<runId>")
    .option("--wait [seconds]", "wait until the run has stopped (default limit 60 s)")
    .action(async (runId: string, flags: Record<string, unknown>, cmd: Command) => {
      result.code = await cancelCommand(runId, flags as never, globalsOf(cmd), io);
    });

  for (const mode of ["resume", "retry"] as const) {
    program
      .command(mode)
      .description(
        mode === "resume"
          ? "continue a crashed or cancelled run: completed jobs are not run again, in-flight jobs re-attach where the executor can"
          : "re-run only the failed or cancelled jobs of a finished run",
      )
      .argument("<runId>")
      .option("--executor <name>", "default executor for the replay")
      .option("--json", "print { runId, state, output, failures } as JSON on stdout")
      .option("-q, --quiet", "no progress display")
      .option("--no-progress", "same as --quiet")
      .action(async (runId: string, flags: Record<string, unknown>, cmd: Command) => {
        result.code = await replayCommand(mode, runId, flags as never, globalsOf(cmd), io);
      });
  }

  const slurm = program.command("slurm").description("SLURM helpers (need @latticework/adapter-slurm)");
  inputOptions(
    slurm
      .command("script")
      .description("print the batch script a job would be submitted with, without submitting")
      .argument("<target>", "<file-or-package>#<export.path> of a job"),
  ).action(async (target: string, flags: Record<string, unknown>, cmd: Command) => {
    result.code = await slurmScriptCommand(target, flags as never, globalsOf(cmd), io);
  });

  return program;
}

/** Print an error for the user: code, message, and (at debug level) the stack. */
export function reportError(error: unknown, io: Io, debug: boolean, color?: boolean): number {
  const s = createStyle(wantsColor(io.stderr, color, io.env));
  if (error instanceof CommanderError) {
    // commander already printed its message (and help when asked).
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (error instanceof LatticeworkError) {
    io.stderr.write(`${s.red("error")} ${s.dim(`[${error.code}]`)} ${error.message}\n`);
    if (debug && error.stack) io.stderr.write(`${s.dim(error.stack)}\n`);
    return EXIT.USAGE;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  io.stderr.write(`${s.red("error")} ${e.message}\n`);
  io.stderr.write(debug && e.stack ? `${s.dim(e.stack)}\n` : s.dim("(run with --log-level debug for the stack trace)\n"));
  return EXIT.USAGE;
}
