import { LatticeworkError, ValidationError, workerEntryPath, workerNodeArgs } from "@latticework/core";
import { configFor } from "../context.js";
import type { GlobalOptions, Io } from "../context.js";
import { importModule } from "../module-loader.js";
import { inputFromFlags } from "../flag-input.js";
import { parseTarget, resolveTarget } from "../target.js";
import { issuesOf } from "../config.js";

/** The SLURM adapter package the command loads on demand. */
export const SLURM_ADAPTER = "@latticework/adapter-slurm";

/** Flags of `latticework slurm script`. */
export interface SlurmScriptFlags {
  input?: string;
  set?: string[];
  structure?: string;
  structureKey?: string;
  executor?: string;
}

type RenderSlurmScript = (args: {
  job: unknown;
  input: unknown;
  options: unknown;
  executorName: string;
  workerEntry?: string;
  nodeArgs?: readonly string[];
}) => string | Promise<string>;

/**
 * `latticework slurm script <target>`: print the batch script the SLURM executor would submit for
 * this job and input, without submitting anything.
 */
export async function slurmScriptCommand(targetText: string, flags: SlurmScriptFlags, globals: GlobalOptions, io: Io): Promise<number> {
  const config = await configFor(globals, io, false);
  const { namespace } = await importModule(SLURM_ADAPTER, config.dir, "SLURM adapter", {
    code: "NOT_SUPPORTED",
    hint: `\`latticework slurm script\` needs it: \`npm install ${SLURM_ADAPTER}\`.`,
  });
  const render = namespace.renderSlurmScript as RenderSlurmScript | undefined;
  if (typeof render !== "function") {
    throw new LatticeworkError("NOT_SUPPORTED", `The installed ${SLURM_ADAPTER} has no renderSlurmScript(); update it.`);
  }
  const slurmExecutors = Object.entries(config.executors).filter(([, e]) => e.adapter === SLURM_ADAPTER);
  let executorName: string;
  let rawOptions: Record<string, unknown>;
  if (flags.executor !== undefined) {
    const entry = config.executors[flags.executor];
    if (!entry) {
      throw new LatticeworkError(
        "EXECUTOR_NOT_FOUND",
        `[slurm script] --executor "${flags.executor}" is not defined in ${config.file ?? "any config file"}. SLURM executors: ${slurmExecutors.map(([n]) => n).join(", ") || "none"}.`,
      );
    }
    if (entry.adapter !== SLURM_ADAPTER) {
      throw new LatticeworkError("NOT_SUPPORTED", `[slurm script] executor "${flags.executor}" uses ${entry.adapter}, not ${SLURM_ADAPTER}.`);
    }
    executorName = flags.executor;
    rawOptions = entry.options;
  } else if (config.defaultExecutor && config.executors[config.defaultExecutor]?.adapter === SLURM_ADAPTER) {
    executorName = config.defaultExecutor;
    rawOptions = config.executors[executorName]!.options;
  } else if (slurmExecutors.length === 1) {
    [executorName, { options: rawOptions }] = slurmExecutors[0]!;
  } else if (slurmExecutors.length > 1) {
    throw new LatticeworkError(
      "EXECUTOR_NOT_FOUND",
      `[slurm script] ${config.file} defines several SLURM executors (${slurmExecutors.map(([n]) => n).join(", ")}); choose one with --executor.`,
    );
  } else {
    executorName = "slurm";
    rawOptions = {};
  }
  const adapter = namespace.adapter as { optionsSchema?: { safeParse(v: unknown): { success: boolean; data?: unknown; error?: unknown } } } | undefined;
  // Validate here for a clear report; renderSlurmScript gets the options as written and applies its defaults.
  if (adapter?.optionsSchema) {
    const parsed = adapter.optionsSchema.safeParse(rawOptions);
    if (!parsed.success) {
      const where = slurmExecutors.length ? `executors.${executorName}.options` : `options of a SLURM executor (none configured; add one to ${config.file ?? "latticework.config.json"})`;
      throw new ValidationError("CONFIG_INVALID", `[slurm script] ${where} are invalid`, issuesOf(parsed.error as never, slurmExecutors.length ? `executors.${executorName}.options` : ""));
    }
  }
  const spec = parseTarget(targetText, config.flows, io.cwd);
  const target = await resolveTarget(spec, io.cwd);
  if (target.kind !== "job") {
    throw new LatticeworkError(
      "NOT_SUPPORTED",
      `[slurm script] ${spec.module}#${spec.exportPath} is a flow ("${target.value.name}"); a batch script is made per job. Name one of its jobs instead.`,
    );
  }
  const input = await inputFromFlags(flags, io.cwd);
  const parsedInput = target.value.input.safeParse(input);
  if (!parsedInput.success) {
    throw new ValidationError(
      "INPUT_INVALID",
      `Input for job "${target.value.name}" is invalid; fix these with --set key=value or --input file.json`,
      parsedInput.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    );
  }
  // The worker this installation would run (what the executor uses unless options.remote says otherwise).
  const script = await render({
    job: target.value,
    input: parsedInput.data,
    options: rawOptions,
    executorName,
    workerEntry: workerEntryPath(),
    nodeArgs: workerNodeArgs(),
  });
  io.stdout.write(script.endsWith("\n") ? script : `${script}\n`);
  return 0;
}
