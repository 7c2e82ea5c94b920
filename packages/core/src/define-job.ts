import { fileURLToPath } from "node:url";
import type { z } from "zod";
import type { Job, JobDefinition } from "./job.js";
import { LatticeworkError } from "./errors.js";

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/;

/**
 * Find the file that called `defineJob`/`defineFlow`, from the stack, so workers can import it.
 * Works for .js and for .ts run through tsx (which maps stack frames to the .ts source).
 */
export function callerModule(depth = 2): string | undefined {
  const holder: { stack?: string } = {};
  const prev = Error.stackTraceLimit;
  Error.stackTraceLimit = depth + 8;
  Error.captureStackTrace(holder, callerModule);
  Error.stackTraceLimit = prev;
  const lines = (holder.stack ?? "").split("\n").slice(1);
  for (const line of lines) {
    const m = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?\s*$/.exec(line.trim());
    if (!m || !m[1]) continue;
    let file = m[1];
    if (file.startsWith("file://")) file = fileURLToPath(file);
    if (file.includes("/@latticework/core/") || /\/packages\/core\/(src|dist)\//.test(file)) continue;
    if (file.startsWith("node:") || file.includes("/node_modules/tsx/")) continue;
    return file;
  }
  return undefined;
}

/**
 * Jobs defined in this process, by module and name. The worker checks it before importing a module,
 * so an in-process executor can run jobs of a script that is still evaluating (a script that awaits
 * its own flow at top level). Shared across copies of core through a global symbol.
 */
const registryKey = Symbol.for("latticework.definedJobs");
const registry: Map<string, Job> = ((globalThis as Record<symbol, unknown>)[registryKey] as Map<string, Job> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[registryKey] = new Map<string, Job>());

/** A job defined in this process by `module` under `name`, if any. */
export function definedJob(module: string, name: string): Job | undefined {
  return registry.get(`${module}\0${name}`);
}

/**
 * Define a typed job. The name is its stable id: workers on other machines resolve the job by
 * importing the defining module (recorded automatically from the call site, or given as
 * `module: import.meta.url`) and looking for an export whose `name` matches.
 *
 * @example
 * ```ts
 * export const add = defineJob({
 *   name: "demo.add",
 *   input: z.object({ a: z.number(), b: z.number() }),
 *   output: z.object({ sum: z.number() }),
 *   run: ({ a, b }) => ({ sum: a + b }),
 * });
 * ```
 */
export function defineJob<I extends z.ZodType, O extends z.ZodType>(
  def: JobDefinition<I, O> & { module?: string },
): Job<I, O> {
  if (typeof def.name !== "string" || !NAME_RE.test(def.name)) {
    throw new LatticeworkError("CONFIG_INVALID", `defineJob: invalid job name ${JSON.stringify(def.name)}; use letters, digits and . _ : / -`);
  }
  if (typeof def.run !== "function") {
    throw new LatticeworkError("CONFIG_INVALID", `defineJob("${def.name}"): \`run\` must be a function`);
  }
  let module = def.module ?? callerModule();
  if (module?.startsWith("file://")) module = fileURLToPath(module);
  const job = Object.freeze({ ...def, kind: "job" as const, module });
  if (module) registry.set(`${module}\0${def.name}`, job as unknown as Job);
  return job;
}
