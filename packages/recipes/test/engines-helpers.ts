import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runTask, type TaskOutcome } from "@latticework/core";
import type { RecipeOutput } from "../src/jobs/output-schema.js";

/** Whether a program is on PATH. With CI=true a missing one fails the suite; elsewhere tests skip. */
export function requireProgram(program: string, suite: string, install: string): boolean {
  const ok = spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
  if (ok) return true;
  if (process.env.CI === "true") throw new Error(`[${suite}] CI=true but ${program} is missing: ${install}`);
  console.warn(`[${suite}] skipping: ${program} not found (${install})`);
  return false;
}

let n = 0;
const root = mkdtempSync(join(tmpdir(), "lw-engines-"));

/** Run an engine job through core's worker (runTask), with the MPI worker plugin when ranks > 1. */
export async function runEngineJob(file: "lammps" | "qe", job: string, input: unknown, opts: { ranks?: number; timeoutMs?: number } = {}): Promise<{ outcome: TaskOutcome; output: RecipeOutput; workdir: string }> {
  const workdir = join(root, `${job}-${++n}`);
  const ranks = opts.ranks ?? 1;
  const outcome = await runTask({
    v: 1,
    taskId: `t${n}`,
    runId: "engines",
    callKey: `k${n}`,
    job,
    module: fileURLToPath(new URL(`../src/engines/${file}.ts`, import.meta.url)),
    input,
    workdir,
    attempt: 1,
    resources: { ranks },
    plugins: ranks > 1 ? ["@latticework/adapter-mpi"] : [],
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return { outcome, output: (outcome.state === "completed" ? outcome.output : undefined) as RecipeOutput, workdir };
}

/** Run Debian's python3 (ASE 3.22) on a script; returns parsed JSON from stdout. */
export function py<T>(script: string, stdin = ""): T {
  const r = spawnSync("/usr/bin/python3", ["-c", script], { input: stdin, encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" } });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Largest absolute difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
