import {
  createLauncherRegistry,
  LatticeworkError,
  TOKENS,
  type Container,
  type LaunchOptions,
  type Launcher,
  type LauncherRegistry,
  type Placement,
} from "@latticework/core";
import { MpiLauncherBase, type MpiLaunchOptions, type RenderedCommand } from "./base-launcher.js";
import { MpiexecLauncher, MpirunLauncher, SrunLauncher } from "./launchers.js";
import { mpiOptionsFromEnv, parseMpiOptions, type MpiLauncherName, type MpiOptions, type ResolvedMpiOptions } from "./options.js";
import { detectFlavour, whichProgram } from "./process.js";

/** Environment the detection looks at (PATH, SLURM_JOB_ID). */
type Env = Readonly<Record<string, string | undefined>>;

/**
 * Pick the MPI launcher for this machine: the configured one; else the flavour of `mpirun` on PATH
 * (Open MPI -> "mpirun", MPICH/Hydra -> "mpiexec"); else `mpiexec`'s flavour; else "srun" inside a
 * SLURM allocation. Inside allocations `mpirun` is preferred: Open MPI and Hydra both use the
 * allocation, and it works where `srun --mpi=...` needs site-specific PMI set-up.
 * @throws LatticeworkError (LAUNCH_FAILED) when nothing usable is installed, saying how to configure it.
 */
export function detectLauncher(options: ResolvedMpiOptions, env: Env = process.env, cwd = process.cwd()): { name: MpiLauncherName; program?: string } {
  if (options.launcher !== "auto") return { name: options.launcher };
  const tried: string[] = [];
  for (const cand of [options.mpirun.program ?? "mpirun", options.mpiexec.program ?? "mpiexec"]) {
    const found = whichProgram(cand, cwd, env.PATH);
    tried.push(cand);
    if (!found.path) continue;
    const flavour = detectFlavour(found.path);
    if (flavour === "openmpi") return { name: "mpirun", program: found.path };
    if (flavour === "hydra") return { name: "mpiexec", program: found.path };
  }
  if (env.SLURM_JOB_ID && whichProgram(options.srun.program ?? "srun", cwd, env.PATH).path) return { name: "srun" };
  throw new LatticeworkError(
    "LAUNCH_FAILED",
    `[mpi] No MPI launcher found: looked for ${tried.join(", ")} on PATH (${env.PATH ?? "unset"})${env.SLURM_JOB_ID ? "" : " and srun (only used inside a SLURM allocation)"}. ` +
      "Install Open MPI or MPICH where the job runs (e.g. apt-get install openmpi-bin), load its module in the executor's prologue, " +
      "or configure it: LATTICEWORK_MPI_LAUNCHER=mpirun|mpiexec|srun and LATTICEWORK_MPIRUN=/path/to/mpirun (or the `mpi` options).",
    { details: { searched: tried } },
  );
}

/**
 * A launcher registry that adds `mpirun`, `mpiexec` and `srun` to an existing one (core's direct
 * launcher stays for single-process launches) and detects which MPI launcher to use.
 */
export class MpiLauncherRegistry implements LauncherRegistry {
  readonly #base: LauncherRegistry;
  readonly #options: ResolvedMpiOptions;
  readonly #mpi = new Map<string, MpiLauncherBase>();
  readonly #env: Env;
  #detected: Launcher | undefined;

  constructor(base: LauncherRegistry = createLauncherRegistry(), options: MpiOptions = {}, env: Env = process.env) {
    this.#base = base;
    this.#options = parseMpiOptions(options);
    this.#env = env;
    this.#mpi.set("mpirun", new MpirunLauncher(this.#options.mpirun, "mpirun"));
    this.#mpi.set("mpiexec", new MpiexecLauncher(this.#options.mpiexec, "mpiexec"));
    this.#mpi.set("srun", new SrunLauncher(this.#options.srun, "srun"));
  }

  register(launcher: Launcher): void {
    this.#base.register(launcher);
    this.#mpi.delete(launcher.name);
  }

  get(name: string): Launcher | undefined {
    return this.#mpi.get(name) ?? this.#base.get(name);
  }

  names(): string[] {
    return [...new Set([...this.#base.names(), ...this.#mpi.keys()])];
  }

  /** The MPI launcher MPI launches get when they name none (detected once, then cached). */
  mpiLauncher(): Launcher {
    if (this.#detected) return this.#detected;
    const d = detectLauncher(this.#options, this.#env);
    let l: Launcher = this.get(d.name)!;
    // auto-detection found the binary under another name (e.g. Hydra's `mpirun`): use that path
    if (d.program && l instanceof MpiLauncherBase && l.program !== d.program && !this.#options[d.name].program) {
      const Ctor = d.name === "mpirun" ? MpirunLauncher : MpiexecLauncher;
      l = new Ctor({ ...this.#options[d.name], program: d.program }, d.name);
      this.#mpi.set(d.name, l as MpiLauncherBase);
    }
    this.#detected = l;
    return l;
  }

  select(options: LaunchOptions): Launcher {
    if (options.launcher !== undefined) {
      const named = this.get(options.launcher);
      if (named) return named;
      throw new LatticeworkError(
        "NOT_SUPPORTED",
        `[mpi] No launcher named "${options.launcher}" (registered: ${this.names().join(", ")}). Use one of them, or register yours with registry.register(...).`,
      );
    }
    const wantsMpi = options.mpi === true || (options.mpi !== false && (options.ranks ?? 1) > 1);
    if (!wantsMpi) return this.#base.select(options);
    return this.mpiLauncher();
  }
}

/**
 * Register the MPI launchers into a container's launcher registry (TOKENS.Launchers), keeping the
 * launchers already there. Returns the registry.
 *
 * @example
 * ```ts
 * registerMpiLaunchers(container, { launcher: "mpirun", mpirun: { binding: "core" } });
 * ```
 */
export function registerMpiLaunchers(container: Container, options: MpiOptions = {}): MpiLauncherRegistry {
  const base = container.tryResolve(TOKENS.Launchers) ?? createLauncherRegistry();
  const registry = base instanceof MpiLauncherRegistry ? base : new MpiLauncherRegistry(base, options);
  container.register(TOKENS.Launchers, { useValue: registry });
  return registry;
}

/**
 * The worker plugin entry: the worker calls this when a TaskSpec lists "@latticework/adapter-mpi" in
 * `plugins` (runtime option `workerPlugins`). Options come from LATTICEWORK_MPI_* environment
 * variables (see {@link mpiOptionsFromEnv}).
 */
export function registerWorker(container: Container): void {
  registerMpiLaunchers(container, mpiOptionsFromEnv());
}

/** Arguments of {@link renderMpiCommand}. */
export interface RenderMpiCommandOptions {
  /** Hosts and slots (default: the SLURM allocation this process is in, else localhost with enough slots). */
  placement?: Placement;
  /** Directory the hostfile and outputs go to (default: cwd). */
  workdir?: string;
  /** MPI launcher options (launcher choice, programs, binding). */
  mpi?: MpiOptions;
}

/**
 * Show the exact command line (and hostfile) an MPI launch would run, without running anything.
 * This is what `latticework mpi command <job>` prints.
 *
 * @example
 * ```ts
 * const cmd = renderMpiCommand("lmp", { ranks: 4, ranksPerNode: 2, args: ["-in", "in.lmp"] }, {
 *   placement: staticPlacement("node[1-2]", 2), mpi: { launcher: "mpirun" } });
 * console.log(cmd.argv.join(" "), cmd.files);
 * ```
 */
export function renderMpiCommand(program: string, options: MpiLaunchOptions, args: RenderMpiCommandOptions = {}): RenderedCommand & { launcher: string } {
  const registry = new MpiLauncherRegistry(createLauncherRegistry(), args.mpi ?? {});
  const launcher = registry.select({ ...options, mpi: options.mpi ?? true });
  if (!(launcher instanceof MpiLauncherBase)) {
    throw new LatticeworkError("NOT_SUPPORTED", `[mpi] Launcher "${launcher.name}" is not an MPI launcher; renderMpiCommand shows MPI command lines only.`);
  }
  const ranks = options.ranks ?? (options.ranksPerNode ?? 1) * (options.nodes ?? 1);
  const placement: Placement = args.placement ?? { hosts: [{ host: "localhost", slots: ranks * (options.cpusPerRank ?? 1) }], source: "local" };
  const rendered = launcher.render({ program, options, placement, workdir: args.workdir ?? process.cwd() });
  return { launcher: launcher.name, ...rendered };
}
