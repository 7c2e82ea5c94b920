import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Locate a program the way a shell would: names with a slash are paths (relative to `cwd`);
 * bare names are searched in `PATH`. Returns the absolute path, or undefined with the directories
 * that were searched so the caller can say where it looked.
 */
export function findProgram(program: string, cwd: string, pathVar: string | undefined): { path?: string; searched: string[] } {
  if (program.includes("/")) {
    const full = isAbsolute(program) ? program : resolve(cwd, program);
    return isExecutableFile(full) ? { path: full, searched: [full] } : { searched: [full] };
  }
  const dirs = (pathVar ?? "").split(delimiter).filter((d) => d.length > 0);
  for (const dir of dirs) {
    const candidate = join(dir, program);
    if (isExecutableFile(candidate)) return { path: resolve(candidate), searched: dirs };
  }
  return { searched: dirs };
}
