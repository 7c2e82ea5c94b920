import { existsSync, readdirSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { LatticeworkError } from "@latticework/core";

/**
 * Find a data file (potential, pseudopotential) by name: an absolute path as is, else the first of
 * `dirs` that holds it. Throws a CONFIG_INVALID error naming the file and every place looked at.
 */
export function findDataFile(kind: string, name: string, dirs: readonly string[], hint: string): string {
  const tried: string[] = [];
  if (isAbsolute(name) || name.startsWith(".")) {
    const p = resolve(name);
    if (existsSync(p)) return p;
    tried.push(p);
  } else {
    for (const d of dirs) {
      const p = join(d, name);
      if (existsSync(p)) return p;
      tried.push(p);
    }
  }
  throw new LatticeworkError("CONFIG_INVALID", `${kind} file "${name}" not found; looked at: ${tried.join(", ") || "(no directories configured)"}. ${hint}`, {
    details: { file: name, searched: tried },
  });
}

/** Files in `dir` (empty when it does not exist). */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Last `n` lines of a text, for error messages. */
export function tailLines(text: string, n = 20): string {
  return text.replace(/\s+$/, "").split("\n").slice(-n).join("\n");
}
