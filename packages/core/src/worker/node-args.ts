import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Node flags a worker process needs to import job modules written in TypeScript: tsx's loader
 * (ESM and CommonJS .ts files), resolved from core's own dependency (so it works from any cwd, with no tsx in the
 * user's project).
 *
 * @example
 * ```ts
 * spawn(process.execPath, [...workerNodeArgs(), workerEntryPath(), specPath]);
 * ```
 */
export function workerNodeArgs(): string[] {
  return ["--import", import.meta.resolve("tsx")];
}

/** Absolute path of the worker CLI entry (`dist/worker/main.js` of this package). */
export function workerEntryPath(): string {
  const beside = fileURLToPath(new URL("./main.js", import.meta.url));
  if (existsSync(beside)) return beside;
  // Running from src/ (tests through vitest): the entry is the built one.
  return fileURLToPath(new URL("../../dist/worker/main.js", import.meta.url));
}
