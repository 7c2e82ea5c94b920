import { LatticeworkError } from "../errors.js";
import type { LaunchOptions, Launcher, LauncherRegistry } from "../launcher.js";
import { DirectLauncher } from "./direct-launcher.js";

/** Launchers tried, in order, when a launch needs MPI and names no launcher. */
const MPI_PREFERENCE = ["srun", "mpirun", "mpiexec"];

class DefaultLauncherRegistry implements LauncherRegistry {
  readonly #launchers = new Map<string, Launcher>();

  register(launcher: Launcher): void {
    this.#launchers.set(launcher.name, launcher);
  }

  get(name: string): Launcher | undefined {
    return this.#launchers.get(name);
  }

  names(): string[] {
    return [...this.#launchers.keys()];
  }

  select(options: LaunchOptions): Launcher {
    if (options.launcher !== undefined) {
      const named = this.#launchers.get(options.launcher);
      if (named) return named;
      const mpiHint = MPI_PREFERENCE.includes(options.launcher) ? ' MPI launchers come from the "@latticework/adapter-mpi" worker plugin: add it to the runtime\'s `workerPlugins`.' : "";
      throw new LatticeworkError(
        "NOT_SUPPORTED",
        `No launcher named "${options.launcher}" is registered in this worker (registered: ${this.names().join(", ") || "none"}).${mpiHint}`,
      );
    }
    const wantsMpi = options.mpi === true || (options.mpi !== false && (options.ranks ?? 1) > 1);
    if (options.mpi === false && (options.ranks ?? 1) > 1) {
      throw new LatticeworkError("NOT_SUPPORTED", `launch: ranks=${options.ranks} with mpi=false is contradictory; drop \`mpi: false\` or use ranks=1.`);
    }
    if (!wantsMpi) {
      const direct = this.#launchers.get("direct");
      if (direct) return direct;
      throw new LatticeworkError("NOT_SUPPORTED", `No "direct" launcher is registered (registered: ${this.names().join(", ") || "none"}).`);
    }
    for (const name of MPI_PREFERENCE) {
      const l = this.#launchers.get(name);
      if (l) return l;
    }
    const other = [...this.#launchers.values()].find((l) => l.name !== "direct");
    if (other) return other;
    throw new LatticeworkError(
      "NOT_SUPPORTED",
      `This launch needs MPI (ranks=${options.ranks ?? 1}${options.mpi ? ", mpi=true" : ""}) but no MPI launcher is registered in the worker. Add the "@latticework/adapter-mpi" worker plugin (runtime option \`workerPlugins: ["@latticework/adapter-mpi"]\`, or \`workerPlugins\` in latticework.config).`,
    );
  }
}

/**
 * A launcher registry holding core's {@link DirectLauncher} (plus `extra` launchers). `select`
 * honours an explicit `launcher` name, uses an MPI launcher for ranks > 1 or `mpi: true`, and
 * the direct launcher otherwise.
 *
 * @example
 * ```ts
 * const launchers = createLauncherRegistry();
 * container.register(TOKENS.Launchers, { useValue: launchers });
 * ```
 */
export function createLauncherRegistry(extra: readonly Launcher[] = []): LauncherRegistry {
  const registry = new DefaultLauncherRegistry();
  registry.register(new DirectLauncher());
  for (const l of extra) registry.register(l);
  return registry;
}
