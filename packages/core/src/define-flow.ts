import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { LatticeworkError } from "./errors.js";
import { callerModule } from "./define-job.js";
import type { Flow, FlowDefinition } from "./flow.js";

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/;

/**
 * Define a flow: async TypeScript that calls jobs (`f.run`), sub-flows (`f.subflow`) and maps
 * (`f.map`). The body runs in the orchestrator; every call becomes a job run on an executor. The
 * defining module is recorded (from the call site, or `module: import.meta.url`) so `resume` can
 * import the flow again.
 *
 * @example
 * ```ts
 * export const double = defineFlow({
 *   name: "demo.double",
 *   input: z.object({ x: z.number() }),
 *   async run({ x }, f) {
 *     const a = f.run(add, { a: x, b: x });
 *     return f.run(add, { a: pick(a, "sum"), b: 0 });
 *   },
 * });
 * ```
 */
export function defineFlow<I extends z.ZodType, R>(def: FlowDefinition<I, R> & { module?: string }): Flow<I, R> {
  const problems: string[] = [];
  if (typeof def.name !== "string" || !NAME_RE.test(def.name)) problems.push(`invalid name ${JSON.stringify(def.name)}; use letters, digits and . _ : / -`);
  if (typeof def.run !== "function") problems.push("`run` must be an async function (input, f) => output");
  if (!def.input || typeof (def.input as { safeParse?: unknown }).safeParse !== "function") problems.push("`input` must be a zod schema");
  if (def.output !== undefined && typeof (def.output as { safeParse?: unknown }).safeParse !== "function") problems.push("`output` must be a zod schema when given");
  if (problems.length) {
    throw new LatticeworkError("CONFIG_INVALID", `defineFlow(${JSON.stringify(def.name)}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  let module = def.module ?? callerModule();
  if (module?.startsWith("file://")) module = fileURLToPath(module);
  return Object.freeze({ ...def, kind: "flow" as const, module });
}
