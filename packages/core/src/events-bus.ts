import type { EventSink, EventSource, LatticeworkEvent } from "./events.js";

/**
 * An event bus that is both sink and source. `active` is false while nobody listens, so hot paths
 * can skip building event objects entirely (`if (bus.active) bus.emit({...})`).
 */
export interface EventBus extends EventSink, EventSource {
  /** True when at least one listener is subscribed. */
  readonly active: boolean;
}

/**
 * Create an {@link EventBus}. Listener errors are caught and ignored so a broken display never
 * breaks a run.
 *
 * @example
 * ```ts
 * const bus = createEventBus();
 * const off = bus.on((e) => console.log(e.type));
 * bus.emit({ type: "run.started", runId: "r1", flow: "demo", at: Date.now() });
 * off();
 * ```
 */
export function createEventBus(): EventBus {
  let listeners: ((event: LatticeworkEvent) => void)[] = [];
  return {
    get active() {
      return listeners.length > 0;
    },
    emit(event) {
      for (const l of listeners) {
        try {
          l(event);
        } catch {
          // A listener must not break the run.
        }
      }
    },
    on(listener) {
      listeners = [...listeners, listener];
      return () => {
        listeners = listeners.filter((l) => l !== listener);
      };
    },
  };
}
