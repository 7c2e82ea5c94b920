import { LatticeworkError } from "@latticework/core";
import { importModule } from "./module-loader.js";

/**
 * Read a structure file (POSCAR, CIF, extended XYZ, ASE JSON) into Atoms JSON through
 * `@latticework/recipes`, which is loaded only when `--structure` is used.
 */
export async function loadStructure(file: string, cwd = process.cwd()): Promise<unknown> {
  const { namespace } = await importModule("@latticework/recipes", cwd, "structure reader", {
    code: "INPUT_INVALID",
    hint: "--structure reads files with @latticework/recipes; install it with `npm install @latticework/recipes`.",
  });
  const read = namespace.readStructure;
  if (typeof read !== "function") {
    throw new LatticeworkError("INPUT_INVALID", "The installed @latticework/recipes has no readStructure(); update it to use --structure.");
  }
  let atoms: unknown;
  try {
    atoms = await (read as (path: string) => unknown)(file);
  } catch (error) {
    if (error instanceof LatticeworkError) throw error;
    throw new LatticeworkError("INPUT_INVALID", `Cannot read structure file ${file}: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  // readStructure gives an Atoms object; job inputs take Atoms JSON.
  const toJSON = (atoms as { toJSON?: unknown } | null)?.toJSON;
  return typeof toJSON === "function" ? (toJSON as () => unknown).call(atoms) : atoms;
}
