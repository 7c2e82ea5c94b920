import type { AnyFlow } from "./any-flow.js";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { LatticeworkError } from "../errors.js";
import type { Flow } from "../flow.js";
import type { Job } from "../job.js";

/** Import a module given as an absolute file path, a file URL or a package specifier. */
export function importModule(module: string): Promise<Record<string, unknown>> {
  const spec = isAbsolute(module) ? pathToFileURL(module).href : module;
  return import(spec) as Promise<Record<string, unknown>>;
}

/**
 * Find the dotted export path under which `value` is exported from its defining module (exports and
 * plain objects up to three levels deep, e.g. `emt.static`). Undefined when it is not exported.
 */
export async function findExportPath(value: AnyFlow | Job): Promise<{ module: string; exportPath: string } | undefined> {
  if (!value.module) return undefined;
  let mod: Record<string, unknown> | undefined;
  // A script that runs its own flow at top level (`await rt.run(flow)`) is still evaluating: importing
  // it would wait for ourselves. Give the import a moment; if it does not settle, record the module
  // with an empty export path and let `loadTarget` find the flow by kind and name later.
  let timer: NodeJS.Timeout | undefined;
  try {
    mod = await Promise.race([
      importModule(value.module),
      new Promise<undefined>((resolve) => {
        // Not unref'd: a script awaiting its own run at top level has nothing else holding the event loop.
        timer = setTimeout(() => resolve(undefined), 200);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (!mod) return { module: value.module, exportPath: "" };
  return searchExports(mod, (v) => v === value, value.module);
}

function searchExports(mod: Record<string, unknown>, match: (v: unknown) => boolean, module: string): { module: string; exportPath: string } | undefined {
  const queue: { obj: Record<string, unknown>; path: string; depth: number }[] = [{ obj: mod, path: "", depth: 0 }];
  const seen = new Set<unknown>();
  while (queue.length) {
    const { obj, path, depth } = queue.shift() as (typeof queue)[number];
    for (const key of Object.keys(obj)) {
      let v: unknown;
      try {
        v = obj[key];
      } catch {
        continue;
      }
      const p = path ? `${path}.${key}` : key;
      if (match(v)) return { module, exportPath: p };
      if (depth < 3 && v !== null && typeof v === "object" && !seen.has(v) && (v as { kind?: unknown }).kind === undefined) {
        seen.add(v);
        queue.push({ obj: v as Record<string, unknown>, path: p, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * Import a recorded target (for resume / retry) and check it is a flow or a job. An empty export
 * path (recorded while the module was still evaluating) is resolved by searching the module's
 * exports for a flow/job of the run's kind and name.
 */
export async function loadTarget(target: { module: string; exportPath: string }, runId: string, expect?: { kind: "flow" | "job"; name: string }): Promise<AnyFlow | Job> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(target.module);
  } catch (err) {
    throw new LatticeworkError(
      "RUN_NOT_FOUND",
      `Cannot replay run ${runId}: importing ${target.module} failed (${(err as Error).message}). Make sure the file still exists (TypeScript needs tsx: node --import tsx).`,
      { cause: err },
    );
  }
  let exportPath = target.exportPath;
  if (!exportPath && expect) {
    const found = searchExports(mod, (v) => (v as { kind?: unknown } | null)?.kind === expect.kind && (v as { name?: unknown }).name === expect.name, target.module);
    exportPath = found?.exportPath ?? "";
  }
  let v: unknown = exportPath ? mod : undefined;
  for (const seg of exportPath.split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  const kind = (v as { kind?: unknown } | undefined)?.kind;
  if (kind !== "flow" && kind !== "job") {
    throw new LatticeworkError(
      "RUN_NOT_FOUND",
      `Cannot replay run ${runId}: ${target.module} has no ${expect ? `${expect.kind} "${expect.name}"` : "flow or job"} at export path "${exportPath}". Was it renamed or is it no longer exported?`,
    );
  }
  return v as AnyFlow | Job;
}
