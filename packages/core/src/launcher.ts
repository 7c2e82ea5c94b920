import type { Placement } from "./resources.js";

/**
 * Options for `ctx.launch(command, opts)`: run an external program (MPI or not) as part of a job.
 */
export interface LaunchOptions {
  /** Arguments after the program. */
  args?: readonly string[];
  /** MPI ranks; 1 (or absent) means run the program once, without an MPI launcher unless `mpi` is set. */
  ranks?: number;
  ranksPerNode?: number;
  nodes?: number;
  cpusPerRank?: number;
  /** OMP_NUM_THREADS per rank (defaults to cpusPerRank). */
  threadsPerRank?: number;
  /** Force (or forbid) an MPI launcher even for one rank. */
  mpi?: boolean;
  /** Name of a registered launcher ("direct", "mpirun", "mpiexec", "srun"); default: detected. */
  launcher?: string;
  /** Extra launcher arguments (inserted before the program). */
  launcherArgs?: readonly string[];
  /** Extra environment for the program. */
  env?: Readonly<Record<string, string>>;
  /** Working directory (default: the job's workdir). */
  cwd?: string;
  /** File under cwd to write stdout to (default: `<name>.stdout` in the workdir). */
  stdoutFile?: string;
  stderrFile?: string;
  /** Text fed to stdin. */
  stdin?: string;
  /** Basename for output files (default: the program's basename). */
  name?: string;
  /** Non-zero exit is an error (default true). */
  check?: boolean;
}

/** Result of a launched program. Output was written to files in the workdir. */
export interface LaunchResult {
  exitCode: number | null;
  signal: string | null;
  stdoutPath: string;
  stderrPath: string;
  /** The exact command line that was run (program first). */
  command: readonly string[];
  durationMs: number;
}

/** What a launcher needs to know to run a program. */
export interface LaunchRequest {
  program: string;
  options: LaunchOptions;
  placement: Placement;
  workdir: string;
  signal: AbortSignal;
}

/**
 * A Launcher turns a program plus resource options into a command line and runs it, killing every
 * process it started when `signal` aborts. Core ships `direct` (run the program as is); adapter-mpi
 * registers `mpirun`, `mpiexec` and `srun`.
 */
export interface Launcher {
  readonly name: string;
  /** The exact argv that `launch` would run, without running it. */
  render(req: Omit<LaunchRequest, "signal">): { argv: readonly string[]; env: Record<string, string>; files?: Record<string, string> };
  launch(req: LaunchRequest): Promise<LaunchResult>;
}

/** Chooses a launcher for a request; adapter-mpi replaces the default with a detecting registry. */
export interface LauncherRegistry {
  register(launcher: Launcher): void;
  get(name: string): Launcher | undefined;
  /** Pick the launcher for options (explicit name wins; else detect). */
  select(options: LaunchOptions): Launcher;
  names(): string[];
}
