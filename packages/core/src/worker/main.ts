#!/usr/bin/env node
/**
 * Worker CLI: `node --import tsx/esm dist/worker/main.js <spec.json>`.
 * Runs one TaskSpec, writes the outcome atomically to `spec.outcomePath` (default
 * `<workdir>/outcome.json`) and exits 0 once the outcome is written, whatever the job's state.
 * Exit 2: the spec file is missing or invalid. Exit 1: the outcome could not be written.
 * SIGTERM/SIGINT cancel the job (its launched programs are stopped) and still write an outcome.
 */
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { zodIssues } from "../errors.js";
import { TaskSpecSchema, type TaskSpec } from "../task.js";
import { writeOutcomeAtomic } from "./outcome-file.js";
import { runTask } from "./run-task.js";

const USAGE = "usage: node --import tsx/esm <core>/dist/worker/main.js <spec.json>";

function loadSpec(path: string | undefined): TaskSpec {
  if (!path) throw new Error(`missing the TaskSpec file argument\n${USAGE}`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read TaskSpec file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`TaskSpec file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = TaskSpecSchema.safeParse(json);
  if (!parsed.success) {
    const list = zodIssues(parsed.error).map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n");
    throw new Error(`TaskSpec file ${path} is invalid:\n${list}`);
  }
  return parsed.data;
}

/** Run the worker CLI with `argv` (the arguments after the script). Resolves to the exit code. */
export async function workerMain(argv: readonly string[]): Promise<number> {
  let spec: TaskSpec;
  try {
    spec = loadSpec(argv[0]);
  } catch (err) {
    process.stderr.write(`[worker] ${(err as Error).message}\n`);
    return 2;
  }
  for (const [k, v] of Object.entries(spec.env)) process.env[k] = v;
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => controller.abort(new Error(`received ${sig}`));
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  const outcome = await runTask(spec, { signal: controller.signal });
  const outcomePath = spec.outcomePath ?? join(spec.workdir, "outcome.json");
  try {
    await writeOutcomeAtomic(outcomePath, outcome);
  } catch (err) {
    process.stderr.write(`[worker] could not write the outcome to ${outcomePath}: ${(err as Error).message}\n`);
    return 1;
  }
  if (outcome.state !== "completed") {
    process.stderr.write(`[worker] job "${spec.job}" ${outcome.state}: ${outcome.error.code}: ${outcome.error.message}\n`);
  }
  return 0;
}

function isEntry(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  workerMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`[worker] internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
