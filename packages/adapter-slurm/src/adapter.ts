import type { AdapterModule, Executor } from "@latticework/core";
import { SlurmOptionsSchema, type ResolvedSlurmOptions, type SlurmOptions } from "./options.js";
import { SlurmExecutor, type SlurmHooks } from "./slurm-executor.js";
import { SlurmPilotExecutor } from "./pilot/pilot-executor.js";

/**
 * A SLURM executor. `mode: "per-job"` (default) submits one sbatch per task; `mode: "pilot"`
 * packs many tasks into pilot blocks. Commands run locally, or over SSH when `ssh` is set.
 *
 * @example
 * ```ts
 * const rt = createRuntime({ executors: { hpc: slurm({ partition: "debug", remote: { workRoot: "/scratch/me/lw" } }) } });
 * ```
 */
export function slurm(options: SlurmOptions = {}, hooks: SlurmHooks & { name?: string } = {}): Executor {
  const name = hooks.name ?? (options.mode === "pilot" ? "slurm-pilot" : "slurm");
  return options.mode === "pilot" ? new SlurmPilotExecutor(options, name, hooks) : new SlurmExecutor(options, name, hooks);
}

/** Pilot mode (job packing): shorthand for `slurm({ ...options, mode: "pilot" })`. */
export function slurmPilot(options: Omit<SlurmOptions, "mode"> = {}, hooks: SlurmHooks & { name?: string } = {}): Executor {
  return new SlurmPilotExecutor({ ...options, mode: "pilot" }, hooks.name ?? "slurm-pilot", hooks);
}

/** What config files reference as `"adapter": "@latticework/adapter-slurm"`. */
export const adapter: AdapterModule<ResolvedSlurmOptions> = {
  name: "@latticework/adapter-slurm",
  optionsSchema: SlurmOptionsSchema,
  create(options, context) {
    return options.mode === "pilot" ? new SlurmPilotExecutor(options, context.name) : new SlurmExecutor(options, context.name);
  },
};
