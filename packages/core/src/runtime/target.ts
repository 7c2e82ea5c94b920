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
export async function findExportPath(value: Flow | Job): Promise<{ module: string; exportPath: string } | undefined> {
  if (!value.module) return undefined;
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(value.module);
  } catch {
    return undefined;
  }
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
      if (v === value) return { module: value.module, exportPath: p };
      if (depth < 3 && v !== null && typeof v === "object" && !seen.has(v) && (v as { kind?: unknown }).kind === undefined) {
        seen.add(v);
        queue.push({ obj: v as Record<string, unknown>, path: p, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** Import a recorded target (for resume / retry) and check it is a flow or a job. */
export async function loadTarget(target: { module: string; exportPath: string }, runId: string): Promise<Flow | Job> {
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
  let v: unknown = mod;
  for (const seg of target.exportPath.split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  const kind = (v as { kind?: unknown } | undefined)?.kind;
  if (kind !== "flow" && kind !== "job") {
    throw new LatticeworkError(
      "RUN_NOT_FOUND",
      `Cannot replay run ${runId}: ${target.module} has no flow or job at export path "${target.exportPath}". Was it renamed?`,
    );
  }
  return v as Flow | Job;
}
