import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/**
 * Worker entry and node arguments of THIS installation of @latticework/core, used when the
 * cluster shares the filesystem (or is this machine). Prefers core's own helpers when present.
 */
export async function localWorkerCommand(): Promise<{ entry: string; nodeArgs: string[] }> {
  const core = (await import("@latticework/core")) as Record<string, unknown>;
  let entry: string | undefined;
  let nodeArgs: string[] | undefined;
  if (typeof core.workerEntryPath === "function") entry = String((core.workerEntryPath as () => string)());
  if (typeof core.workerNodeArgs === "function") nodeArgs = [...((core.workerNodeArgs as () => string[])())];
  if (!entry) entry = join(dirname(require.resolve("@latticework/core/package.json")), "dist", "worker", "main.js");
  if (!nodeArgs) nodeArgs = ["--import", tsxLoaderUrl()];
  return { entry, nodeArgs };
}

/** Absolute URL of tsx's ESM loader (so `--import` works from any working directory). */
export function tsxLoaderUrl(): string {
  try {
    const coreDir = dirname(require.resolve("@latticework/core/package.json"));
    const r = createRequire(join(coreDir, "package.json"));
    const p = r.resolve("tsx/esm");
    return new URL(`file://${p}`).href;
  } catch {
    return "tsx/esm";
  }
}

/** Path of this package's pilot entry (dist/pilot/pilot-main.js next to this file). */
export function localPilotEntry(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "pilot", "pilot-main.js");
}
