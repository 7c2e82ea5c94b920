import type { Logger, TaskOutcome, TaskSpec } from "@latticework/core";

/** Signature of the function the pool calls for each task (core's `runTask`). */
export type RunTaskFn = (spec: TaskSpec, opts: { logger?: Logger; signal?: AbortSignal; trustedSpec?: boolean }) => Promise<TaskOutcome>;

/**
 * Import the runner module (default "@latticework/core") and check it exports `runTask`.
 * @throws Error naming the module and what to do.
 */
export async function loadRunner(specifier: string): Promise<RunTaskFn> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`[local] Cannot import the runner module "${specifier}": ${(e as Error).message}. Install @latticework/core next to @latticework/adapter-local, or fix the \`runnerModule\` option.`, { cause: e });
  }
  const runTask = mod["runTask"];
  if (typeof runTask !== "function") {
    throw new Error(`[local] The runner module "${specifier}" does not export a runTask function. Upgrade @latticework/core, or fix the \`runnerModule\` option.`);
  }
  return runTask as RunTaskFn;
}
