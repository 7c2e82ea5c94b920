import { promises as fsp } from "node:fs";
import { dirname } from "node:path";
import { LatticeworkError, zodIssues } from "../errors.js";
import { TaskOutcomeSchema, type TaskOutcome } from "../task.js";
import { ensurePrivateDir, writeFileAtomic } from "../store/private-fs.js";

/**
 * Write a task outcome as JSON, atomically (temp file in the same directory, fsync, rename; mode
 * 0600). A reader polling the path sees nothing or the complete outcome, never half of it.
 *
 * @example
 * ```ts
 * await writeOutcomeAtomic(join(spec.workdir, "outcome.json"), await runTask(spec));
 * ```
 */
export async function writeOutcomeAtomic(path: string, outcome: TaskOutcome): Promise<void> {
  const parsed = TaskOutcomeSchema.safeParse(outcome);
  if (!parsed.success) {
    const list = zodIssues(parsed.error).map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
    throw new LatticeworkError("INTERNAL", `Refusing to write an invalid task outcome to ${path}: ${list}`);
  }
  ensurePrivateDir(dirname(path));
  await writeFileAtomic(path, `${JSON.stringify(parsed.data)}\n`);
}

/**
 * Read and validate an outcome file written by {@link writeOutcomeAtomic}. Returns undefined when
 * the file does not exist (yet); throws LatticeworkError (PARSE_ERROR) when it is not a valid outcome.
 */
export async function readOutcome(path: string): Promise<TaskOutcome | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new LatticeworkError("PARSE_ERROR", `Could not read task outcome ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LatticeworkError(
      "PARSE_ERROR",
      `Task outcome ${path} is not valid JSON (${(err as Error).message}); the worker that wrote it was interrupted or the file was edited. Re-run the task.`,
      { cause: err, details: { path } },
    );
  }
  const parsed = TaskOutcomeSchema.safeParse(json);
  if (!parsed.success) {
    const list = zodIssues(parsed.error).map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
    throw new LatticeworkError("PARSE_ERROR", `Task outcome ${path} is not a valid outcome (${list}). Re-run the task.`, { details: { path } });
  }
  return parsed.data;
}
