import type { RunStore } from "../store/run-store.js";
import type { EventBus } from "../events-bus.js";
import type { Logger } from "../logger.js";
import type { Container } from "../container.js";
import type { ExecutorRule } from "../runtime-types.js";
import type { ExecutorShell } from "../executor-shell.js";
import type { CallGate } from "./call-gate.js";

/** What every flow run shares with its runtime (one store, one bus, one set of executors). */
export interface RunEnv {
  readonly store: RunStore;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly container: Container;
  readonly workRoot: string;
  readonly workerPlugins: readonly string[];
  readonly rules: readonly ExecutorRule[];
  readonly defaultExecutor: string;
  /** Bounds the job calls started at once (see RuntimeOptions.maxStartedCalls). */
  readonly gate: CallGate;
  /** The shell of an executor, or undefined when no executor has that name. */
  shell(name: string): ExecutorShell | undefined;
  /** Names of all executors (for messages). */
  executorNames(): string[];
  /** Track an active run (for cancel / cancel polling). */
  register(runId: string, run: { cancel(reason: string): void }, topLevel: boolean): void;
  unregister(runId: string): void;
}
