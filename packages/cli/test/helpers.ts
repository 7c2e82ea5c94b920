import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/** The built CLI entry (tests exercise what users run). */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
/** Repository root (for the examples). */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
/** Fixture jobs and flows. */
export const FIXTURES = fileURLToPath(new URL("./fixtures/flows.ts", import.meta.url));

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the CLI first (npx tsc -p packages/cli/tsconfig.build.json)`);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.LATTICEWORK_LOG_LEVEL;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/** A started CLI process whose output is collected. */
export interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
}

/** Start `latticework <args>` in `cwd` without waiting. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return { child, done, stdout: () => out, stderr: () => err };
}

/** Run `latticework <args>` to the end. */
export function cli(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Parse stdout as JSON, with the whole output in the error when it is not. */
export function json<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}

/** A fresh temporary directory. */
export function tempDir(prefix = "lw-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Wait until `check` returns a value (polling), or fail with `what` after `ms` (generous: the
 * machine may be shared). When `process` is given and ends first, fail at once with its output.
 */
export async function waitFor<T>(check: () => T | undefined | false, what: string, ms = 120_000, process?: Running): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (process && process.child.exitCode !== null) {
      throw new Error(`the CLI exited (${process.child.exitCode}) before ${what}:\n${process.stdout()}\n--- stderr:\n${process.stderr()}`);
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${process ? `; CLI stderr so far:\n${process.stderr()}` : ""}`);
    await sleep(50);
  }
}

/** Lines of a marker file (empty when missing). */
export function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Is a process alive? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
