import { isAbsolute, resolve } from "node:path";
import type { AdapterModule } from "@latticework/core";
import { LocalOptionsSchema, type LocalOptions } from "./options.js";
import { LocalExecutor } from "./local-executor.js";

/**
 * The adapter module config files refer to by package name:
 * `{ "executors": { "local": { "adapter": "@latticework/adapter-local", "options": { "workers": 4 } } } }`.
 * Relative `logDir` and `cwd` are resolved against the config file's directory.
 */
export const adapter: AdapterModule<LocalOptions> = Object.freeze({
  name: "@latticework/adapter-local",
  optionsSchema: LocalOptionsSchema,
  create(options: LocalOptions, context: { name: string; configDir: string }) {
    const abs = (p: string | undefined): string | undefined => (p === undefined || isAbsolute(p) ? p : resolve(context.configDir, p));
    const logDir = abs(options.logDir);
    const cwd = abs(options.cwd);
    return new LocalExecutor({ ...options, name: context.name, ...(logDir ? { logDir } : {}), ...(cwd ? { cwd } : {}) });
  },
});
