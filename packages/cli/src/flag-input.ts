import { buildInput } from "./input.js";
import { loadStructure } from "./structure.js";

/** The input flags shared by `run` and `slurm script`. */
export interface InputFlags {
  input?: string | undefined;
  set?: string[] | undefined;
  structure?: string | undefined;
  structureKey?: string | undefined;
}

/** Build a target's input from `--input`, `--set` and `--structure` flags, relative to `cwd`. */
export function inputFromFlags(flags: InputFlags, cwd: string): Promise<unknown> {
  return buildInput(
    {
      ...(flags.input !== undefined ? { input: flags.input } : {}),
      set: flags.set ?? [],
      ...(flags.structure !== undefined ? { structure: flags.structure } : {}),
      ...(flags.structureKey !== undefined ? { structureKey: flags.structureKey } : {}),
    },
    cwd,
    (file) => loadStructure(file, cwd),
  );
}
