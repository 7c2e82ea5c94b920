import type { TaskSpec } from "@latticework/core";
import type { SlurmTransport } from "./transports/slurm-transport.js";

/** Rewrite a path's prefix from the orchestrator's view to the cluster's (first match wins). */
export function mapPath(path: string, map: readonly { from: string; to: string }[]): string {
  for (const { from, to } of map) {
    if (path === from || path.startsWith(from.endsWith("/") ? from : `${from}/`)) return to + path.slice(from.length);
  }
  return path;
}

/** Write a TaskSpec as JSON (0600) through the transport, creating its directory (0700). */
export async function stageSpec(t: SlurmTransport, path: string, spec: TaskSpec): Promise<void> {
  await t.writeFile(path, `${JSON.stringify(spec)}\n`, 0o600);
}
