import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { LatticeworkError, ValidationError } from "@latticework/core";
import type { ExecutorRule } from "@latticework/core";
import { ensureTsx, looksLikeFile } from "./module-loader.js";
import { loadAdapters } from "./adapters.js";
import type { LoadedAdapter } from "./adapters.js";

/** The adapter behind the built-in `local` executor (used when the config does not define `local`). */
export const LOCAL_ADAPTER = "@latticework/adapter-local";

/** Config file names searched from the working directory upward, in this order. */
export const CONFIG_FILE_NAMES = [
  "latticework.config.ts",
  "latticework.config.mts",
  "latticework.config.mjs",
  "latticework.config.js",
  "latticework.config.json",
] as const;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const ExecutorEntrySchema = z.strictObject({
  /** Package (or file) whose `adapter` export is an AdapterModule, e.g. "@latticework/adapter-slurm". */
  adapter: z.string().min(1, "name the adapter package, e.g. \"@latticework/adapter-slurm\""),
  /** Options validated by the adapter's own schema. */
  options: z.record(z.string(), z.unknown()).default({}),
});

const RuleSchema = z
  .strictObject({
    job: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    executor: z.string().min(1),
  })
  .refine((r) => r.job !== undefined || r.tag !== undefined, { message: "a rule needs `job` or `tag` (or both)" });

/**
 * The schema of `latticework.config.{ts,mjs,json}`. Strict: unknown keys are errors (typos are
 * the commonest config mistake).
 */
export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Where the run store lives (relative to the config file). Default `.latticework`. */
  store: z.strictObject({ dir: z.string().min(1) }).optional(),
  /** Executors by name. `local` exists even when not listed. */
  executors: z.record(z.string().regex(NAME, "executor names use letters, digits and . _ -"), ExecutorEntrySchema).default({}),
  /** Executor used when no rule or call option picks one. */
  defaultExecutor: z.string().min(1).optional(),
  /** First matching rule wins; `job` may use `*` globs. */
  rules: z.array(RuleSchema).default([]),
  /** Worker plugins added to every task, e.g. ["@latticework/adapter-mpi"]. */
  workerPlugins: z.array(z.string().min(1)).default([]),
  /** Named targets for `latticework run <name>`: `{ "relax": "./flows.ts#relax" }`. */
  flows: z.record(z.string().min(1), z.string().min(1)).default({}),
});

/** What users write (before defaults). Use with {@link defineConfig}. */
export type LatticeworkConfigInput = z.input<typeof ConfigSchema>;
/** One executor block of the config. */
export type ExecutorConfig = z.output<typeof ExecutorEntrySchema>;

/** A loaded, structurally valid config with paths resolved. */
export interface ResolvedConfig {
  /** The config file, or undefined when none was found. */
  file: string | undefined;
  /** Directory relative paths in the config are resolved from (the file's directory, or cwd). */
  dir: string;
  storeDir: string;
  executors: Record<string, ExecutorConfig>;
  defaultExecutor: string | undefined;
  rules: ExecutorRule[];
  workerPlugins: string[];
  /** Named targets, file paths made absolute. */
  flows: Record<string, string>;
  /** Loaded adapters with validated options, by executor name (when loaded with `adapters: true`). */
  adapters?: Record<string, LoadedAdapter>;
}

/**
 * Identity helper that gives a `latticework.config.ts` type checking.
 *
 * @example
 * ```ts
 * import { defineConfig } from "latticework";
 * export default defineConfig({ executors: { hpc: { adapter: "@latticework/adapter-slurm", options: { partition: "debug" } } } });
 * ```
 */
export function defineConfig(config: LatticeworkConfigInput): LatticeworkConfigInput {
  return config;
}

/** Find the nearest config file from `cwd` upward. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Read the raw config value from a file (JSON parsed, modules imported; default export). */
export async function readConfigFile(file: string): Promise<unknown> {
  if (file.endsWith(".json")) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new LatticeworkError("CONFIG_INVALID", `[config] Cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new LatticeworkError("CONFIG_INVALID", `[config] ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  await ensureTsx();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new LatticeworkError("CONFIG_INVALID", `[config] Loading ${file} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  let value = namespace.default ?? namespace.config;
  if (typeof value === "function") value = await (value as () => unknown)();
  if (value === undefined) {
    throw new LatticeworkError("CONFIG_INVALID", `[config] ${file} has no default export. Write \`export default defineConfig({ ... })\`.`);
  }
  return value;
}

/** Zod issues as `{ path, message }` with dotted paths, optionally under a prefix. */
export function issuesOf(error: z.ZodError, prefix = ""): { path: string; message: string }[] {
  return error.issues.map((i) => {
    const p = i.path.map(String).join(".");
    return { path: prefix && p ? `${prefix}.${p}` : prefix || p, message: i.message };
  });
}

/**
 * Validate a raw config value. Returns the parsed config and every problem found (structure and
 * cross references such as a rule naming an unknown executor); never stops at the first one.
 */
export function checkConfig(raw: unknown): { config: z.output<typeof ConfigSchema> | undefined; issues: { path: string; message: string }[] } {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    // Cross-reference checks still make sense on the parts that parsed, so report them too.
    issues.push(...crossIssues(raw));
    return { config: undefined, issues: dedupe(issues) };
  }
  return { config: parsed.data, issues: crossIssues(parsed.data) };
}

function crossIssues(raw: unknown): { path: string; message: string }[] {
  if (typeof raw !== "object" || raw === null) return [];
  const r = raw as Record<string, unknown>;
  const names = new Set(["local", ...(typeof r.executors === "object" && r.executors !== null ? Object.keys(r.executors) : [])]);
  const list = [...names].join(", ");
  const issues: { path: string; message: string }[] = [];
  if (typeof r.defaultExecutor === "string" && !names.has(r.defaultExecutor)) {
    issues.push({ path: "defaultExecutor", message: `unknown executor "${r.defaultExecutor}" (defined: ${list})` });
  }
  if (Array.isArray(r.rules)) {
    r.rules.forEach((rule: unknown, i) => {
      const ex = (rule as { executor?: unknown } | null)?.executor;
      if (typeof ex === "string" && ex && !names.has(ex)) issues.push({ path: `rules.${i}.executor`, message: `unknown executor "${ex}" (defined: ${list})` });
    });
  }
  if (typeof r.flows === "object" && r.flows !== null) {
    for (const [name, target] of Object.entries(r.flows)) {
      if (typeof target === "string" && !target.includes("#")) {
        issues.push({ path: `flows.${name}`, message: `"${target}" needs a "#<export>" part, e.g. "./flows.ts#${name}"` });
      }
    }
  }
  return issues;
}

function dedupe(issues: { path: string; message: string }[]): { path: string; message: string }[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Throw a CONFIG_INVALID ValidationError naming the file and listing every issue. */
export function configError(file: string | undefined, issues: { path: string; message: string }[]): ValidationError {
  const where = file ?? "the configuration";
  return new ValidationError("CONFIG_INVALID", `[config] ${where} has ${issues.length} problem${issues.length === 1 ? "" : "s"}`, issues);
}

/** Options that override or locate the config. */
export interface LoadConfigOptions {
  cwd?: string;
  /** Explicit config file (`--config`). */
  configPath?: string;
  /** Explicit store dir (`--store`, resolved from cwd); beats the config. */
  storeDir?: string;
  /**
   * Also load every executor's adapter and validate its options (needed to run). Problems from
   * adapters are reported together with the config's own.
   */
  adapters?: boolean;
}

/**
 * Find, read and validate the config (structure and cross references; adapter options are
 * checked when executors are created). Without a config: local executor, store in `./.latticework`.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  let file: string | undefined;
  if (options.configPath !== undefined) {
    const explicit = path.resolve(cwd, options.configPath);
    if (!existsSync(explicit)) throw new LatticeworkError("CONFIG_INVALID", `[config] --config ${explicit} does not exist.`);
    file = explicit;
  } else {
    file = findConfigFile(cwd);
  }
  const raw = file ? await readConfigFile(file) : {};
  const { config, issues } = checkConfig(raw);
  let adapters: Record<string, LoadedAdapter> | undefined;
  if (options.adapters) {
    const dir = file ? path.dirname(file) : cwd;
    const rawExecutors = (raw as { executors?: unknown } | null)?.executors;
    const blocks: Record<string, unknown> =
      typeof rawExecutors === "object" && rawExecutors !== null && !Array.isArray(rawExecutors) ? { ...rawExecutors } : {};
    if (!Object.hasOwn(blocks, "local")) blocks.local = { adapter: LOCAL_ADAPTER, options: {} };
    const loaded = await loadAdapters(blocks, dir);
    issues.push(...loaded.issues);
    adapters = loaded.adapters;
  }
  if (!config || issues.length) throw configError(file, issues);
  const resolved = resolveConfig(config, file, cwd, options.storeDir);
  if (adapters) resolved.adapters = adapters;
  return resolved;
}

/** Turn a parsed config into a ResolvedConfig (absolute paths). */
export function resolveConfig(config: z.output<typeof ConfigSchema>, file: string | undefined, cwd: string, storeOverride?: string): ResolvedConfig {
  const dir = file ? path.dirname(file) : cwd;
  const storeDir = storeOverride !== undefined ? path.resolve(cwd, storeOverride) : path.resolve(dir, config.store?.dir ?? ".latticework");
  const flows: Record<string, string> = {};
  for (const [name, target] of Object.entries(config.flows)) {
    const hash = target.lastIndexOf("#");
    const mod = target.slice(0, hash);
    flows[name] = looksLikeFile(mod, dir) ? `${path.resolve(dir, mod)}${target.slice(hash)}` : target;
  }
  return {
    file,
    dir,
    storeDir,
    executors: config.executors,
    defaultExecutor: config.defaultExecutor,
    rules: config.rules.map((r) => ({ ...r })),
    workerPlugins: config.workerPlugins,
    flows,
  };
}
