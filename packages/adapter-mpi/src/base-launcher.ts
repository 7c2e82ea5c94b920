import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  CancelledError,
  LatticeworkError,
  TimeoutError,
  ValidationError,
  zodIssues,
  type LaunchOptions,
  type LaunchRequest,
  type LaunchResult,
  type Launcher,
} from "@latticework/core";
import { parseRankFailure } from "./failure.js";
import { layoutRanks, type RankLayout } from "./layout.js";
import { LauncherOptionsSchema, type Binding, type LauncherOptions, type ResolvedLauncherOptions } from "./options.js";
import { effectivePlacement } from "./placement.js";
import { detectFlavour, runGroup, tailText, whichProgram, type Flavour } from "./process.js";

/** Launch options this package understands on top of core's (per-launch CPU binding). */
export interface MpiLaunchOptions extends LaunchOptions {
  binding?: Binding;
}

/** What `render` returns: the exact argv, the environment added for the ranks, and files to write. */
export interface RenderedCommand {
  argv: string[];
  env: Record<string, string>;
  /** Files the launch writes before starting (absolute path -> content), e.g. the hostfile. */
  files: Record<string, string>;
  layout: RankLayout;
}

/** Context handed to each launcher's argv rendering. */
export interface RenderContext {
  layout: RankLayout;
  options: MpiLaunchOptions;
  binding: Binding | undefined;
  /** Names of environment variables the ranks must receive. */
  envNames: string[];
  hostfilePath: string;
  program: string;
  /** Whether the placement came from outside (pilot, static), i.e. hosts must be named explicitly. */
  explicitHosts: boolean;
}

function q(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a);
}

/** Format an argv for messages. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(q).join(" ");
}

/**
 * Shared machinery of the MPI launchers: placement and rank layout, hostfile and output files,
 * process group, kill on abort, failure reporting. Subclasses only render their argv.
 */
export abstract class MpiLauncherBase implements Launcher {
  abstract readonly name: string;
  /** Program used when options name none. */
  protected abstract readonly defaultProgram: string;
  /** Flavours this launcher's command line is written for (checked before launching). */
  protected abstract readonly flavours: readonly Flavour[];
  protected readonly options: Readonly<ResolvedLauncherOptions>;

  constructor(options: LauncherOptions = {}, component = "mpi") {
    const r = LauncherOptionsSchema.safeParse(options);
    if (!r.success) throw new ValidationError("CONFIG_INVALID", `[${component}] Invalid launcher options`, zodIssues(r.error));
    this.options = Object.freeze(r.data);
  }

  /** The program this launcher runs (configured or default). */
  get program(): string {
    return this.options.program ?? this.defaultProgram;
  }

  protected abstract renderArgv(ctx: RenderContext): string[];
  /** Hostfile content for the layout, or undefined when this launcher needs none. */
  protected abstract hostfile(layout: RankLayout, binding: Binding | undefined): string | undefined;

  render(req: Omit<LaunchRequest, "signal">): RenderedCommand {
    if (typeof req.program !== "string" || req.program.length === 0) {
      throw new LatticeworkError("LAUNCH_FAILED", `[${this.name}] \`program\` must be a non-empty string naming an executable.`);
    }
    const options = req.options as MpiLaunchOptions;
    const placement = effectivePlacement(req.placement);
    const layout = layoutRanks(options, placement);
    const env: Record<string, string> = {};
    if (layout.threadsPerRank !== undefined) env.OMP_NUM_THREADS = String(layout.threadsPerRank);
    Object.assign(env, this.options.env, options.env ?? {});
    const cwd = options.cwd ? resolve(req.workdir, options.cwd) : req.workdir;
    const name = options.name ?? basename(req.program);
    const hostfilePath = join(cwd, `${name}.hostfile`);
    const binding = options.binding ?? this.options.binding;
    const content = this.hostfile(layout, binding);
    const argv = this.renderArgv({
      layout,
      options,
      binding,
      envNames: Object.keys(env),
      hostfilePath,
      program: req.program,
      explicitHosts: placement.source !== "slurm",
    });
    return { argv, env, files: content === undefined ? {} : { [hostfilePath]: content }, layout };
  }

  async launch(req: LaunchRequest): Promise<LaunchResult> {
    const { options, workdir, signal } = req;
    const rendered = this.render(req);
    if (signal.aborted) throw abortError(signal);
    const cwd = options.cwd ? resolve(workdir, options.cwd) : workdir;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...rendered.env };
    const found = whichProgram(rendered.argv[0]!, cwd, env.PATH);
    if (!found.path) {
      throw new LatticeworkError(
        "LAUNCH_FAILED",
        `[${this.name}] The ${this.name} launcher's program "${rendered.argv[0]}" was not found ${rendered.argv[0]!.includes("/") ? `at ${found.searched[0]}` : `on PATH (searched: ${found.searched.join(", ") || "PATH is empty"})`}. ` +
          `Install an MPI (e.g. apt-get install openmpi-bin), give the launcher's path with the \`${this.name}.program\` option or LATTICEWORK_${this.name.toUpperCase()}, or choose another launcher (LATTICEWORK_MPI_LAUNCHER).`,
        { details: { launcher: this.name, program: rendered.argv[0], searched: found.searched } },
      );
    }
    if (this.flavours.length > 0) {
      const flavour = detectFlavour(found.path);
      if (flavour !== "unknown" && !this.flavours.includes(flavour)) {
        throw new LatticeworkError(
          "LAUNCH_FAILED",
          `[${this.name}] ${found.path} is ${flavour === "openmpi" ? "Open MPI's" : flavour === "hydra" ? "MPICH/Hydra's" : "SLURM's"} launcher, but the "${this.name}" launcher writes a command line for ${this.flavours.join("/")}. ` +
            `Use launcher "${flavour === "openmpi" ? "mpirun" : flavour === "hydra" ? "mpiexec" : "srun"}", or point \`${this.name}.program\` at the right binary (e.g. mpiexec.hydra).`,
          { details: { launcher: this.name, program: found.path, flavour } },
        );
      }
    }
    const name = options.name ?? basename(req.program);
    const stdoutPath = options.stdoutFile ? resolve(cwd, options.stdoutFile) : join(workdir, `${name}.stdout`);
    const stderrPath = options.stderrFile ? resolve(cwd, options.stderrFile) : join(workdir, `${name}.stderr`);
    for (const [path, content] of Object.entries(rendered.files)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content, { mode: 0o600 });
    }
    mkdirSync(dirname(stdoutPath), { recursive: true });
    mkdirSync(dirname(stderrPath), { recursive: true });
    const command = [found.path, ...rendered.argv.slice(1)];
    const started = Date.now();
    const outFd = openSync(stdoutPath, "w");
    const errFd = stderrPath === stdoutPath ? outFd : openSync(stderrPath, "w");
    let exit: Awaited<ReturnType<typeof runGroup>>;
    try {
      exit = await runGroup(found.path, command.slice(1), {
        cwd,
        env,
        stdoutFd: outFd,
        stderrFd: errFd,
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        signal,
        killGraceMs: this.options.killGraceMs,
      });
    } catch (err) {
      throw new LatticeworkError("LAUNCH_FAILED", `[${this.name}] Could not start ${formatArgv(command)}: ${(err as Error).message}`, { cause: err });
    } finally {
      closeSync(outFd);
      if (errFd !== outFd) closeSync(errFd);
    }
    const result: LaunchResult = { exitCode: exit.code, signal: exit.signal, stdoutPath, stderrPath, command, durationMs: Date.now() - started };
    if (exit.aborted) throw abortError(signal);
    if ((options.check ?? true) && exit.code !== 0) {
      const stderrTail = await tailText(stderrPath, this.options.stderrTailLines);
      const failure = parseRankFailure(`${await tailText(stderrPath, 200, 65_536)}\n${await tailText(stdoutPath, 60)}`);
      const how = exit.code === null ? `was killed by ${exit.signal ?? "a signal"}` : `exited with code ${exit.code}`;
      const rank =
        failure.rank !== undefined
          ? ` Rank ${failure.rank}${failure.host ? ` on ${failure.host}` : ""} failed first${failure.exitCode !== undefined ? ` with exit code ${failure.exitCode}` : failure.signal ? ` (${failure.signal})` : ""}.`
          : "";
      throw new LatticeworkError(
        "LAUNCH_FAILED",
        `[${this.name}] ${formatArgv(rendered.argv)} ${how} (${rendered.layout.ranks} ranks on ${rendered.layout.hosts.map((h) => `${h.host}:${h.ranks}`).join(",")}; cwd ${cwd}).${rank}` +
          (stderrTail ? `\nLast lines of ${stderrPath}:\n${stderrTail}` : `\nIts stderr (${stderrPath}) is empty; see ${stdoutPath}.`),
        {
          details: {
            exitCode: exit.code,
            signal: exit.signal,
            ...(failure.rank !== undefined ? { rank: failure.rank } : {}),
            ...(failure.host ? { host: failure.host } : {}),
            ...(failure.exitCode !== undefined ? { rankExitCode: failure.exitCode } : {}),
            stdoutPath,
            stderrPath,
            stderrTail,
            command,
          },
        },
      );
    }
    return result;
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof LatticeworkError) return reason;
  if (reason instanceof Error && reason.name === "TimeoutError") return new TimeoutError("MPI launch timed out; every rank was stopped", { cause: reason });
  if (reason instanceof Error && reason.name !== "AbortError") return reason;
  return new CancelledError(typeof reason === "string" ? reason : "MPI launch cancelled; every rank was stopped", { cause: reason });
}
