import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { LatticeworkError } from "@latticework/core";
import type { ErrorCode } from "@latticework/core";

let tsxRegistered: Promise<void> | undefined;

/**
 * Register tsx's ESM loader in this process (once), so user `.ts` files (and the `.ts` files they
 * import) load like JavaScript. The loader is registered globally, not in a namespace, so a user's
 * module and the CLI share one copy of `@latticework/core`.
 */
export function ensureTsx(): Promise<void> {
  tsxRegistered ??= import("tsx/esm/api").then((api) => {
    api.register();
  });
  return tsxRegistered;
}

/** Does this target string name a file (as opposed to a package specifier)? */
export function looksLikeFile(spec: string, cwd: string): boolean {
  if (spec.startsWith(".") || path.isAbsolute(spec) || spec.startsWith("file:")) return true;
  if (/\.(?:[cm]?[jt]s|tsx|jsx)$/.test(spec)) return true;
  return existsSync(path.resolve(cwd, spec)) && statSync(path.resolve(cwd, spec)).isFile();
}

/** Split `@scope/name/sub/path` into the package name and the subpath (`.` or `./sub/path`). */
function splitSpecifier(spec: string): { pkg: string; subpath: string } {
  const parts = spec.split("/");
  const take = spec.startsWith("@") ? 2 : 1;
  const pkg = parts.slice(0, take).join("/");
  const rest = parts.slice(take).join("/");
  return { pkg, subpath: rest ? `./${rest}` : "." };
}

const CONDITIONS = ["import", "node", "default"];

function pickConditional(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const hit = pickConditional(v);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (CONDITIONS.includes(key)) {
        const hit = pickConditional(v);
        if (hit) return hit;
      }
    }
  }
  return undefined;
}

/** Resolve a subpath through a package.json `exports` field (conditions import/node/default, `*` patterns). */
function resolveExports(exportsField: unknown, subpath: string): string | undefined {
  if (typeof exportsField === "string" || Array.isArray(exportsField)) return subpath === "." ? pickConditional(exportsField) : undefined;
  if (!exportsField || typeof exportsField !== "object") return undefined;
  const entries = Object.entries(exportsField as Record<string, unknown>);
  const isSubpathMap = entries.some(([k]) => k.startsWith("."));
  if (!isSubpathMap) return subpath === "." ? pickConditional(exportsField) : undefined;
  const exact = (exportsField as Record<string, unknown>)[subpath];
  if (exact !== undefined) return pickConditional(exact);
  for (const [key, target] of entries) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      const middle = subpath.slice(prefix.length, subpath.length - suffix.length);
      return pickConditional(target)?.replaceAll("*", middle);
    }
  }
  return undefined;
}

/**
 * Find a package the way Node's ESM resolver would if the importing file lived in `fromDir`:
 * walk `node_modules` upward, then apply the package's `exports` (or `module`/`main`).
 * Returns an absolute file path, or undefined when the package is not installed there.
 */
export function resolvePackageFrom(spec: string, fromDir: string): string | undefined {
  const { pkg, subpath } = splitSpecifier(spec);
  let dir = path.resolve(fromDir);
  for (;;) {
    const pkgDir = path.join(dir, "node_modules", pkg);
    const manifest = path.join(pkgDir, "package.json");
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>;
      let rel: string | undefined;
      if (json.exports !== undefined) rel = resolveExports(json.exports, subpath);
      else if (subpath === ".") rel = (json.module as string | undefined) ?? (json.main as string | undefined) ?? "index.js";
      else rel = subpath;
      if (!rel) {
        throw new LatticeworkError("CONFIG_INVALID", `Package "${pkg}" (in ${pkgDir}) does not export "${subpath}". Check the specifier "${spec}".`);
      }
      return path.resolve(pkgDir, rel);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Result of {@link importModule}: the namespace plus what was actually loaded. */
export interface ImportedModule {
  namespace: Record<string, unknown>;
  /** Absolute file path for files, the specifier for packages. What `resume` records. */
  recorded: string;
  /** The file that was imported. */
  file: string | undefined;
}

/**
 * Import a user file (through tsx, so `.ts` works) or a package, resolving packages from
 * `fromDir` first and from the CLI's own installation second.
 *
 * @example
 * ```ts
 * const { namespace } = await importModule("./flows.ts", process.cwd(), "target");
 * ```
 */
export async function importModule(
  spec: string,
  fromDir: string,
  what: string,
  options: { hint?: string; code?: ErrorCode } = {},
): Promise<ImportedModule> {
  const code = options.code ?? "CONFIG_INVALID";
  await ensureTsx();
  if (looksLikeFile(spec, fromDir)) {
    const file = spec.startsWith("file:") ? new URL(spec).pathname : path.resolve(fromDir, spec);
    if (!existsSync(file)) {
      throw new LatticeworkError(code, `Cannot find ${what} file ${file}. Check the path (relative paths are resolved from ${fromDir}).`);
    }
    const namespace = await importOrExplain(pathToFileURL(file).href, what, file, code);
    return { namespace, recorded: file, file };
  }
  const resolved = resolvePackageFrom(spec, fromDir);
  if (resolved) return { namespace: await importOrExplain(pathToFileURL(resolved).href, what, spec, code), recorded: spec, file: resolved };
  try {
    const namespace = (await import(spec)) as Record<string, unknown>;
    return { namespace, recorded: spec, file: undefined };
  } catch (error) {
    if (isNotFound(error, spec)) {
      throw new LatticeworkError(
        code,
        `Cannot find package "${spec}" (${what}). ${options.hint ?? `Install it with \`npm install ${splitSpecifier(spec).pkg}\` in ${fromDir}.`}`,
        { cause: error },
      );
    }
    throw explain(error, what, spec, code);
  }
}

async function importOrExplain(url: string, what: string, label: string, code: ErrorCode): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw explain(error, what, label, code);
  }
}

function isNotFound(error: unknown, spec: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && String((error as Error).message).includes(spec);
}

function explain(error: unknown, what: string, label: string, code: ErrorCode): LatticeworkError {
  if (error instanceof LatticeworkError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LatticeworkError(code, `Loading ${what} ${label} failed: ${message}`, { cause: error });
}
