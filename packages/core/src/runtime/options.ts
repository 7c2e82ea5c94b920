import { z } from "zod";
import { ValidationError, zodIssues } from "../errors.js";
import type { RuntimeOptions } from "../runtime-types.js";

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";

const executorSchema = z.custom<unknown>(
  (v) => isObj(v) && typeof v["submit"] === "function" && typeof v["start"] === "function" && typeof v["dispose"] === "function" && isObj(v["capabilities"]),
  { message: "must be an Executor (an object with start, submit, cancel, dispose and capabilities), e.g. localExecutor() or inProcessExecutor()" },
);

const storeSchema = z.union([
  z.custom<unknown>((v) => isObj(v) && typeof v["open"] === "function" && typeof v["createRun"] === "function", { message: "must be a RunStore" }),
  z.object({ dir: z.string().min(1).optional() }).strict(),
]);

const ruleSchema = z
  .object({ job: z.string().min(1).optional(), tag: z.string().min(1).optional(), executor: z.string().min(1) })
  .strict()
  .refine((r) => r.job !== undefined || r.tag !== undefined, { message: "a rule needs `job` (name or glob) and/or `tag`" });

/** Schema of {@link RuntimeOptions} (objects are checked by shape; defaults filled in). */
export const RuntimeOptionsSchema = z
  .object({
    store: storeSchema.optional(),
    executors: z.record(z.string().min(1), executorSchema).optional(),
    defaultExecutor: z.string().min(1).optional(),
    rules: z.array(ruleSchema).default([]),
    logger: z.custom<unknown>((v) => isObj(v) && typeof v["info"] === "function" && typeof v["child"] === "function", { message: "must be a Logger" }).optional(),
    workRoot: z.string().min(1).optional(),
    container: z.custom<unknown>((v) => isObj(v) && typeof v["createChild"] === "function", { message: "must be a Container (createContainer())" }).optional(),
    workerPlugins: z.array(z.string().min(1)).default([]),
    cancelPollMs: z.number().int().positive().default(500),
    maxStartedCalls: z.number().int().positive().default(8192),
  })
  .strict();

/**
 * Validate runtime options, reporting every problem at once (`[runtime] ...`), including executor
 * names used by `defaultExecutor` and rules that are not registered.
 */
export function parseRuntimeOptions(options: RuntimeOptions, executorNames: readonly string[]): { rules: NonNullable<RuntimeOptions["rules"]>; workerPlugins: string[]; cancelPollMs: number; maxStartedCalls: number } {
  const parsed = RuntimeOptionsSchema.safeParse(options);
  const issues = parsed.success ? [] : zodIssues(parsed.error);
  const known = new Set(executorNames);
  if (options.defaultExecutor !== undefined && !known.has(options.defaultExecutor)) {
    issues.push({ path: "defaultExecutor", message: `no executor named "${options.defaultExecutor}" (known: ${executorNames.join(", ") || "none"})` });
  }
  (options.rules ?? []).forEach((r, i) => {
    if (r && typeof r.executor === "string" && !known.has(r.executor)) issues.push({ path: `rules.${i}.executor`, message: `no executor named "${r.executor}" (known: ${executorNames.join(", ")})` });
  });
  if (issues.length || !parsed.success) throw new ValidationError("CONFIG_INVALID", "[runtime] Invalid createRuntime options", issues);
  return {
    rules: (options.rules ?? []).map((r) => Object.freeze({ ...r })),
    workerPlugins: parsed.data.workerPlugins,
    cancelPollMs: parsed.data.cancelPollMs,
    maxStartedCalls: parsed.data.maxStartedCalls,
  };
}
