import type { Logger } from "./logger.js";
import type { RunStore } from "./store/run-store.js";
import type { LauncherRegistry } from "./launcher.js";
import type { EventSink } from "./events.js";

/** A typed DI token. Create with {@link token}; resolve with `container.resolve(TOKEN)`. */
export interface Token<T> {
  readonly key: symbol;
  readonly description: string;
  /** Phantom field carrying the type. */
  readonly __type?: T;
}

/** Create a typed token. Use `Symbol.for` keys so tokens match across package copies. */
export function token<T>(description: string): Token<T> {
  return Object.freeze({ key: Symbol.for(`latticework:${description}`), description });
}

/** All of core's tokens. Adapters define their own with {@link token}. */
export const TOKENS = Object.freeze({
  Logger: token<Logger>("Logger"),
  RunStore: token<RunStore>("RunStore"),
  Launchers: token<LauncherRegistry>("LauncherRegistry"),
  Events: token<EventSink>("EventSink"),
});
