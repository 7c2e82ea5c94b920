import type { AdapterModule, Executor } from "@latticework/core";
import { importModule } from "./module-loader.js";

/** An adapter loaded from its package, with the executor's options already validated. */
export interface LoadedAdapter {
  adapter: AdapterModule<unknown>;
  /** Options after the adapter's schema (defaults applied). */
  options: unknown;
  /** Package (or file) the adapter came from. */
  from: string;
}

type Issue = { path: string; message: string };

function isAdapterModule(value: unknown): value is AdapterModule<unknown> {
  const v = value as Partial<AdapterModule<unknown>> | null | undefined;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.create === "function" &&
    typeof (v.optionsSchema as { safeParse?: unknown } | undefined)?.safeParse === "function"
  );
}

/**
 * Import an adapter package (resolved from `fromDir`, then from the CLI's own install) and
 * return its `adapter` export.
 */
export async function importAdapter(spec: string, fromDir: string, forWhat: string): Promise<AdapterModule<unknown>> {
  const { namespace } = await importModule(spec, fromDir, `adapter for ${forWhat}`, {
    hint: `Install it next to your config with \`npm install ${spec}\`.`,
  });
  const candidate = namespace.adapter ?? (namespace.default as Record<string, unknown> | undefined)?.adapter;
  if (!isAdapterModule(candidate)) {
    throw new Error(`"${spec}" does not export \`adapter\` (an AdapterModule with optionsSchema and create). Is it a latticework adapter?`);
  }
  return candidate;
}

/**
 * Load the adapter of every executor block and validate its options with the adapter's schema.
 * Collects every problem (with paths like `executors.hpc.options.partition`) instead of stopping.
 */
export async function loadAdapters(
  executors: Readonly<Record<string, unknown>>,
  fromDir: string,
): Promise<{ adapters: Record<string, LoadedAdapter>; issues: Issue[] }> {
  const adapters: Record<string, LoadedAdapter> = {};
  const issues: Issue[] = [];
  const cache = new Map<string, Promise<AdapterModule<unknown>>>();
  for (const [name, entry] of Object.entries(executors)) {
    const e = entry as { adapter?: unknown; options?: unknown } | null;
    if (typeof e !== "object" || e === null || typeof e.adapter !== "string" || e.adapter === "") continue;
    if (e.options !== undefined && (typeof e.options !== "object" || e.options === null || Array.isArray(e.options))) continue;
    const spec = e.adapter;
    let loader = cache.get(spec);
    if (!loader) {
      loader = importAdapter(spec, fromDir, `executor "${name}"`);
      cache.set(spec, loader);
    }
    let adapter: AdapterModule<unknown>;
    try {
      adapter = await loader;
    } catch (error) {
      issues.push({ path: `executors.${name}.adapter`, message: (error as Error).message });
      continue;
    }
    const parsed = adapter.optionsSchema.safeParse(e.options ?? {});
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const p = i.path.map(String).join(".");
        issues.push({ path: `executors.${name}.options${p ? `.${p}` : ""}`, message: i.message });
      }
      continue;
    }
    adapters[name] = { adapter, options: parsed.data, from: spec };
  }
  return { adapters, issues };
}

/** Create executors from loaded adapters (start is lazy: the runtime starts them on first use). */
export function createExecutors(adapters: Readonly<Record<string, LoadedAdapter>>, configDir: string): Record<string, Executor> {
  const out: Record<string, Executor> = {};
  for (const [name, loaded] of Object.entries(adapters)) {
    out[name] = loaded.adapter.create(loaded.options, { name, configDir });
  }
  return out;
}
