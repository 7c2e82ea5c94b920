import { definedJob } from "../define-job.js";
import { fileURLToPath } from "node:url";
import type { Job } from "../job.js";
import { JobNotFoundError } from "../errors.js";
import { importModule } from "./import-module.js";

const moduleCache = new Map<string, Promise<Record<string, unknown>>>();
/** Jobs of each imported module by name (modules are immutable once imported). */
const jobIndex = new WeakMap<object, Map<string, Job>>();

function isJob(value: unknown): value is Job {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "job" && typeof (value as { name?: unknown }).name === "string";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Every job reachable from a module's exports: direct exports and jobs nested in plain objects
 * (`export const emt = { static: job }`), depth-first, each job once.
 */
export function collectJobs(exports: Record<string, unknown>): Job[] {
  const found: Job[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (seen.has(value) || depth > 8) return;
    if (isJob(value)) {
      seen.add(value);
      found.push(value);
      return;
    }
    if (isPlainObject(value) || (depth === 0 && typeof value === "object" && value !== null)) {
      seen.add(value);
      for (const key of Object.keys(value)) {
        let child: unknown;
        try {
          child = (value as Record<string, unknown>)[key];
        } catch {
          continue; // a throwing getter is not a job
        }
        visit(child, depth + 1);
      }
    }
  };
  visit(exports, 0);
  return found;
}

/** Import a module once per process (failed imports are retried next time). */
function loadModule(module: string): Promise<Record<string, unknown>> {
  let p = moduleCache.get(module);
  if (!p) {
    p = importModule(module);
    moduleCache.set(module, p);
    p.catch(() => moduleCache.delete(module));
  }
  return p;
}

/**
 * Find the job named `name` among the exports of `module` (absolute path, file URL, path relative
 * to the current directory, or package specifier). Modules are imported once and cached.
 *
 * @throws JobNotFoundError (JOB_NOT_FOUND) naming the module and the jobs it does export, or
 * explaining why the module could not be imported.
 *
 * @example
 * ```ts
 * const job = await resolveJob("/home/me/jobs.ts", "demo.add");
 * ```
 */
export async function resolveJob(module: string, name: string): Promise<Job> {
  const defined = definedJob(module.startsWith("file://") ? fileURLToPath(module) : module, name);
  if (defined) return defined;
  let exports: Record<string, unknown>;
  try {
    exports = await loadModule(module);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new JobNotFoundError(name, `module ${module}, which could not be imported (${reason}); check the path, and that the module and its dependencies are installed where the worker runs`, {
      cause: err,
    });
  }
  let byName = jobIndex.get(exports);
  if (!byName) {
    byName = new Map();
    for (const j of collectJobs(exports)) if (!byName.has(j.name)) byName.set(j.name, j);
    jobIndex.set(exports, byName);
  }
  const job = byName.get(name);
  if (job) return job;
  const jobs = [...byName.values()];
  const names = jobs.map((j) => `"${j.name}"`);
  const listing = names.length > 0 ? `it exports the jobs ${names.join(", ")}` : "it exports no jobs at all";
  throw new JobNotFoundError(name, `module ${module} (${listing})`);
}
