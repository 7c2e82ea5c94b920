import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { LatticeworkError } from "@latticework/core";

const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);

/** Parse a `--set` value: JSON where it parses (`3`, `true`, `[1,2]`, `{"a":1}`, `"x"`), else the raw string. */
export function parseSetValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function bad(message: string): LatticeworkError {
  return new LatticeworkError("INPUT_INVALID", message);
}

/**
 * Apply `key=value` assignments (dotted keys for nesting) to a copy of `base`.
 * Numeric segments index into existing arrays; everything else creates objects.
 *
 * @example
 * ```ts
 * applySets({}, ["atoms.pbc=[true,true,true]", "fmax=0.05", "name=Cu"]);
 * // { atoms: { pbc: [true, true, true] }, fmax: 0.05, name: "Cu" }
 * ```
 */
export function applySets(base: unknown, assignments: readonly string[]): unknown {
  if (assignments.length === 0) return base;
  if (typeof base !== "object" || base === null || Array.isArray(base)) {
    throw bad(`--set needs the input to be a JSON object, but --input gave ${Array.isArray(base) ? "an array" : JSON.stringify(base)}.`);
  }
  const root = structuredClone(base) as Record<string, unknown>;
  const problems: string[] = [];
  for (const assignment of assignments) {
    const eq = assignment.indexOf("=");
    if (eq <= 0) {
      problems.push(`--set "${assignment}": expected key=value (e.g. --set fmax=0.05).`);
      continue;
    }
    const key = assignment.slice(0, eq);
    const segments = key.split(".");
    if (segments.some((s) => s === "")) {
      problems.push(`--set "${assignment}": key "${key}" has an empty segment.`);
      continue;
    }
    if (segments.some((s) => FORBIDDEN.has(s))) {
      problems.push(`--set "${assignment}": key segment "${segments.find((s) => FORBIDDEN.has(s))}" is not allowed.`);
      continue;
    }
    const value = parseSetValue(assignment.slice(eq + 1));
    let node: Record<string, unknown> | unknown[] = root;
    let walked = "";
    let failed = false;
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i]!;
      walked = walked ? `${walked}.${seg}` : seg;
      const current = getChild(node, seg);
      if (current === undefined) {
        const created: Record<string, unknown> = {};
        setChild(node, seg, created);
        node = created;
      } else if (typeof current === "object" && current !== null) {
        node = current as Record<string, unknown> | unknown[];
      } else {
        problems.push(`--set "${assignment}": "${walked}" is already ${JSON.stringify(current)}, so it cannot have a "${segments[i + 1]}" key.`);
        failed = true;
        break;
      }
    }
    if (!failed) setChild(node, segments[segments.length - 1]!, value);
  }
  if (problems.length) throw bad(`Invalid --set:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return root;
}

function getChild(node: Record<string, unknown> | unknown[], seg: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(seg) ? node[Number(seg)] : undefined;
  return Object.hasOwn(node, seg) ? node[seg] : undefined;
}

function setChild(node: Record<string, unknown> | unknown[], seg: string, value: unknown): void {
  if (Array.isArray(node) && /^\d+$/.test(seg)) node[Number(seg)] = value;
  else (node as Record<string, unknown>)[seg] = value;
}

/** Read a JSON input file, with an error naming the file and the JSON problem. */
export async function readInputFile(file: string, cwd = process.cwd()): Promise<unknown> {
  const abs = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(abs, "utf8");
  } catch (error) {
    throw new LatticeworkError("INPUT_INVALID", `Cannot read --input file ${abs}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LatticeworkError("INPUT_INVALID", `--input file ${abs} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** What the CLI gathers into a job or flow input. */
export interface InputSources {
  input?: string;
  set?: readonly string[];
  structure?: string;
  structureKey?: string;
}

/**
 * Build the input: `--input` file (default `{}`), then each `--set`, then `--structure` read through
 * `@latticework/recipes` into the `atoms` key (or `--structure-key`).
 */
export async function buildInput(sources: InputSources, cwd = process.cwd(), loadStructure?: (file: string) => Promise<unknown>): Promise<unknown> {
  let input: unknown = sources.input !== undefined ? await readInputFile(sources.input, cwd) : {};
  input = applySets(input, sources.set ?? []);
  if (sources.structure !== undefined) {
    if (!loadStructure) throw bad("--structure is not available here.");
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw bad("--structure needs the input to be a JSON object.");
    }
    const key = sources.structureKey ?? "atoms";
    if (!key || key.split(".").some((s) => s === "" || FORBIDDEN.has(s))) throw bad(`--structure-key "${key}" is not a valid key.`);
    const atoms = await loadStructure(path.resolve(cwd, sources.structure));
    input = applySetsValue(input as Record<string, unknown>, key, atoms);
  } else if (sources.structureKey !== undefined) {
    throw bad("--structure-key only makes sense together with --structure <file>.");
  }
  return input;
}

function applySetsValue(input: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(input);
  const segments = key.split(".");
  let node: Record<string, unknown> = out;
  for (const seg of segments.slice(0, -1)) {
    const next = node[seg];
    if (typeof next !== "object" || next === null) node[seg] = {};
    node = node[seg] as Record<string, unknown>;
  }
  node[segments[segments.length - 1]!] = value;
  return out;
}
