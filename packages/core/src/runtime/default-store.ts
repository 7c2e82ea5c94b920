import type { RunStore } from "../store/run-store.js";
import { SqliteRunStore } from "../store/sqlite-store.js";

/** The default store: SQLite under `dir` (`.latticework/` of the working directory by default). */
export function defaultStore(dir: string): RunStore {
  return new SqliteRunStore({ dir });
}
