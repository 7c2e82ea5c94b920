import type { RunStore } from "../store/run-store.js";
import { LatticeworkError } from "../errors.js";

/** The default store: SQLite under `dir` (`.latticework/` of the working directory by default). */
export function defaultStore(dir: string): RunStore {
  throw new LatticeworkError("STORE_ERROR", `SqliteRunStore is not available yet (wanted ${dir}); pass a store to createRuntime.`);
}
