import * as path from "node:path";
import { LatticeworkError } from "@latticework/core";
import type { Flow, Job } from "@latticework/core";
import { importModule, looksLikeFile } from "./module-loader.js";

/** A parsed `<file-or-package>#<export.path>` string. */
export interface TargetSpec {
  /** File path (as typed) or package specifier. */
  module: string;
  /** Dotted export path, e.g. `emt.static`. */
  exportPath: string;
}

/** A job or flow loaded from its module, plus what `resume` needs to import it again. */
export interface ResolvedTarget {
  value: Job | Flow;
  kind: "job" | "flow";
  /** What is recorded in the run: absolute file path for files, the specifier for packages. */
  target: { module: string; exportPath: string };
}

const EXPORT_PATH_RE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/**
 * Parse `<file-or-package>#<export.path>`. A bare name is looked up in the config's `flows`
 * map; a bare file means its default export.
 *
 * @example
 * ```ts
 * parseTarget("@latticework/recipes#emt.static"); // { module: "@latticework/recipes", exportPath: "emt.static" }
 * ```
 */
export function parseTarget(text: string, flows: Readonly<Record<string, string>> = {}, cwd = process.cwd()): TargetSpec {
  const trimmed = text.trim();
  if (!trimmed) throw usage(`Empty target. Use <file-or-package>#<export.path>, e.g. examples/01-serial.ts#relaxThenStatic.`);
  const hash = trimmed.lastIndexOf("#");
  if (hash < 0) {
    const fromConfig = flows[trimmed];
    if (fromConfig !== undefined) return parseTarget(fromConfig, {}, cwd);
    if (looksLikeFile(trimmed, cwd)) return { module: trimmed, exportPath: "default" };
    const known = Object.keys(flows);
    throw usage(
      `Target "${trimmed}" has no "#<export>" part and is not a flow named in the config` +
        (known.length ? ` (known flows: ${known.join(", ")})` : "") +
        `. Use <file-or-package>#<export.path>, e.g. ${trimmed}#myFlow.`,
    );
  }
  const module = trimmed.slice(0, hash);
  const exportPath = trimmed.slice(hash + 1);
  if (!module) throw usage(`Target "${trimmed}" names no file or package before "#".`);
  if (!EXPORT_PATH_RE.test(exportPath)) {
    throw usage(`Target "${trimmed}": "${exportPath}" is not a dotted export path (expected e.g. "relaxThenStatic" or "emt.static").`);
  }
  return { module, exportPath };
}

function usage(message: string): LatticeworkError {
  return new LatticeworkError("JOB_NOT_FOUND", message);
}

function isRunnable(value: unknown): value is Job | Flow {
  const kind = (value as { kind?: unknown } | null | undefined)?.kind;
  return typeof value === "object" && value !== null && (kind === "job" || kind === "flow");
}

function containsRunnable(value: unknown, depth: number): boolean {
  if (isRunnable(value)) return true;
  if (depth <= 0 || typeof value !== "object" || value === null) return false;
  return Object.values(value).some((v) => containsRunnable(v, depth - 1));
}

function runnableKeys(value: unknown): string[] {
  if (typeof value !== "object" || value === null) return [];
  return Object.keys(value)
    .filter((k) => containsRunnable((value as Record<string, unknown>)[k], 3))
    .sort();
}

/** Walk a dotted path through a module namespace, falling back to the default export. */
export function lookupExport(namespace: Record<string, unknown>, exportPath: string, label: string): Job | Flow {
  const segments = exportPath.split(".");
  const roots: unknown[] = [namespace];
  if (segments[0] !== "default" && namespace.default && typeof namespace.default === "object") roots.push(namespace.default);
  let failure = "";
  for (const root of roots) {
    let value: unknown = root;
    let walked = "";
    let ok = true;
    for (const seg of segments) {
      const next = typeof value === "object" && value !== null && Object.hasOwn(value, seg) ? (value as Record<string, unknown>)[seg] : undefined;
      if (next === undefined) {
        const options = runnableKeys(value);
        failure ||=
          `${label} has no export "${walked ? `${walked}.${seg}` : seg}"` +
          (options.length ? `; ${walked ? `"${walked}"` : "it"} has: ${options.join(", ")}` : "") +
          ".";
        ok = false;
        break;
      }
      value = next;
      walked = walked ? `${walked}.${seg}` : seg;
    }
    if (!ok) continue;
    if (isRunnable(value)) return value;
    throw new LatticeworkError(
      "JOB_NOT_FOUND",
      `${label}#${exportPath} is not a job or flow (got ${value === null ? "null" : typeof value}). Export a value made with defineJob or defineFlow.`,
    );
  }
  throw new LatticeworkError("JOB_NOT_FOUND", failure);
}

/**
 * Import the target's module (files through tsx, packages from `cwd`) and return the job or flow.
 * Throws JOB_NOT_FOUND with a message naming what to fix.
 */
export async function resolveTarget(spec: TargetSpec, cwd = process.cwd()): Promise<ResolvedTarget> {
  const imported = await importModule(spec.module, cwd, "target", { code: "JOB_NOT_FOUND" });
  let label = spec.module;
  if (imported.file && imported.recorded === imported.file) {
    const rel = path.relative(cwd, imported.file);
    label = rel && !rel.startsWith("..") ? rel : imported.file;
  }
  const value = lookupExport(imported.namespace, spec.exportPath, label);
  return { value, kind: value.kind, target: { module: imported.recorded, exportPath: spec.exportPath } };
}
