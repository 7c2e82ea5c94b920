import { createContainer, type Container } from "../container.js";
import { LatticeworkError } from "../errors.js";
import type { LauncherRegistry } from "../launcher.js";
import { TOKENS } from "../tokens.js";
import { createLauncherRegistry } from "../launch/launcher-registry.js";
import { importModule } from "./import-module.js";

let processContainer: Container | undefined;
const setups = new WeakMap<Container, Map<string, Promise<void>>>();

/** The container a worker uses when none is given: one per process, never tsyringe's global. */
export function defaultWorkerContainer(): Container {
  processContainer ??= createContainer();
  return processContainer;
}

/**
 * Make sure `container` has a launcher registry (core's default, with the direct launcher, unless
 * one is already registered) and that every plugin's `registerWorker(container)` ran once on it.
 */
export async function prepareWorkerContainer(container: Container, plugins: readonly string[]): Promise<LauncherRegistry> {
  let done = setups.get(container);
  if (!done) {
    done = new Map();
    setups.set(container, done);
    if (!container.isRegistered(TOKENS.Launchers, true)) {
      container.register(TOKENS.Launchers, { useValue: createLauncherRegistry() });
    }
  }
  for (const plugin of plugins) {
    let p = done.get(plugin);
    if (!p) {
      p = loadPlugin(container, plugin);
      done.set(plugin, p);
      p.catch(() => done.delete(plugin));
    }
    await p;
  }
  return container.resolve(TOKENS.Launchers);
}

async function loadPlugin(container: Container, plugin: string): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(plugin);
  } catch (err) {
    throw new LatticeworkError(
      "CONFIG_INVALID",
      `Worker plugin "${plugin}" could not be imported (${err instanceof Error ? err.message.split("\n")[0] : String(err)}). Install it where the worker runs, or remove it from \`workerPlugins\`.`,
      { cause: err },
    );
  }
  const register = mod.registerWorker ?? (mod.default as Record<string, unknown> | undefined)?.registerWorker;
  if (typeof register !== "function") {
    throw new LatticeworkError(
      "CONFIG_INVALID",
      `Worker plugin "${plugin}" has no \`registerWorker(container)\` export. Only worker plugins (e.g. "@latticework/adapter-mpi") belong in \`workerPlugins\`.`,
    );
  }
  await (register as (c: Container) => unknown)(container);
}
