import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const TS_EXT_RE = /\.(?:[cm]?ts|tsx)$/;

/** Split "@scope/pkg/sub/path" into package name and "./sub/path" (or "."). */
function splitSpecifier(spec: string): { pkg: string; subpath: string } {
  const parts = spec.split("/");
  const n = spec.startsWith("@") ? 2 : 1;
  const pkg = parts.slice(0, n).join("/");
  const rest = parts.slice(n).join("/");
  return { pkg, subpath: rest ? `./${rest}` : "." };
}

const CONDITIONS = ["import", "node", "default"];

function pickTarget(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = pickTarget(t);
      if (r) return r;
    }
    return undefined;
  }
  if (target && typeof target === "object") {
    for (const [cond, value] of Object.entries(target as Record<string, unknown>)) {
      if (CONDITIONS.includes(cond)) {
        const r = pickTarget(value);
        if (r) return r;
      }
    }
  }
  return undefined;
}

function resolveExports(exportsField: unknown, subpath: string): string | undefined {
  if (typeof exportsField === "string" || Array.isArray(exportsField)) return subpath === "." ? pickTarget(exportsField) : undefined;
  if (!exportsField || typeof exportsField !== "object") return undefined;
  const map = exportsField as Record<string, unknown>;
  const keys = Object.keys(map);
  if (keys.length > 0 && !keys[0]!.startsWith(".")) return subpath === "." ? pickTarget(map) : undefined;
  if (subpath in map) return pickTarget(map[subpath]);
  for (const key of keys) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= prefix.length + suffix.length) {
      const middle = subpath.slice(prefix.length, subpath.length - suffix.length);
      const t = pickTarget(map[key]);
      if (t) return t.split("*").join(middle);
    }
  }
  return undefined;
}

/**
 * Resolve a bare package specifier from `fromDir` upwards (the user's project), the way Node's
 * ESM resolver would for the "import" condition. Returns an absolute file path or undefined.
 */
export function resolvePackageFrom(spec: string, fromDir: string): string | undefined {
  const { pkg, subpath } = splitSpecifier(spec);
  let dir = resolve(fromDir);
  for (;;) {
    const pkgDir = join(dir, "node_modules", pkg);
    const manifest = join(pkgDir, "package.json");
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>;
      let target: string | undefined;
      if (json.exports !== undefined) target = resolveExports(json.exports, subpath);
      else if (subpath === ".") target = (typeof json.module === "string" && json.module) || (typeof json.main === "string" && json.main) || "index.js";
      else target = subpath;
      return target ? join(pkgDir, target) : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Turn a module reference from a TaskSpec (absolute path, file URL, path relative to cwd, or
 * package specifier) into something `import()` accepts.
 */
export function moduleUrl(module: string, cwd = process.cwd()): string {
  if (module.startsWith("file:")) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  if (module.startsWith("./") || module.startsWith("../")) return pathToFileURL(resolve(cwd, module)).href;
  return module;
}

function errCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

/**
 * Import a job module. Plain `import()` first (works for .js, and for .ts when tsx's loader or
 * vitest is active); a TypeScript file Node cannot load by itself goes through tsx's scoped
 * `tsImport`; a package not visible from core is resolved from the current directory upwards.
 */
export async function importModule(module: string, cwd = process.cwd()): Promise<Record<string, unknown>> {
  const url = moduleUrl(module, cwd);
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    const code = errCode(err);
    if (code === "ERR_UNKNOWN_FILE_EXTENSION" || (code === undefined && TS_EXT_RE.test(url) && err instanceof TypeError)) {
      const { tsImport } = await import("tsx/esm/api");
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") && url === module) {
      const file = resolvePackageFrom(module, cwd);
      if (file) return importModule(file, cwd);
    }
    throw err;
  }
}
