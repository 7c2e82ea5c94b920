import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { MemoryRunStore } from "../src/store/memory-store.js";
import { inProcessExecutor } from "../src/executors/in-process.js";
import type { RuntimeOptions } from "../src/runtime-types.js";

/** A private temp dir. */
export function tempDir(prefix = "lw-rt-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Lines of a log file (empty when missing). */
export function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
}

/** A runtime on a MemoryRunStore with an in-process executor named "local". */
export function memRuntime(extra: Partial<RuntimeOptions> = {}) {
  const store = new MemoryRunStore();
  const rt = createRuntime({ store, executors: { local: inProcessExecutor() }, ...extra });
  return { rt, store };
}
