/**
 * Helper for tests and bench: run the ASE oracle script (ase_oracle.py) with Debian's
 * /usr/bin/python3 (NOT the first python3 on PATH), JSON in on stdin, JSON out on stdout.
 *
 * When ASE is missing: with CI=true tests must fail; elsewhere they skip with a message that says
 * to run testbed/oracle/install.sh.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The interpreter that has Debian's python3-ase. */
export const ORACLE_PYTHON = "/usr/bin/python3";
/** Path of the oracle script. */
export const ORACLE_SCRIPT = fileURLToPath(new URL("./ase_oracle.py", import.meta.url));

let cached: { ok: boolean; reason: string; version?: string } | undefined;

/** Is ASE importable by /usr/bin/python3? */
export function oracleStatus(): { ok: boolean; reason: string; version?: string } {
  if (cached) return cached;
  const r = spawnSync(ORACLE_PYTHON, ["-c", "import ase, numpy; print(ase.__version__)"], { encoding: "utf8" });
  cached = r.status === 0
    ? { ok: true, reason: "", version: r.stdout.trim() }
    : { ok: false, reason: `ASE is not importable by ${ORACLE_PYTHON} (${(r.error?.message ?? r.stderr ?? "").trim().split("\n").pop()}). Run testbed/oracle/install.sh to install python3-ase and python3-pymatgen.` };
  return cached;
}

/**
 * Decide whether oracle tests run: returns true to run, false to skip (with a console message).
 * Throws when CI=true and the oracle is missing, so CI fails instead of silently skipping.
 */
export function requireOracle(suite: string): boolean {
  const s = oracleStatus();
  if (s.ok) return true;
  if (process.env.CI === "true") throw new Error(`[${suite}] CI=true but the ASE oracle is missing: ${s.reason}`);
  console.warn(`[${suite}] skipping oracle tests: ${s.reason}`);
  return false;
}

/** Atoms in the oracle's JSON shape. */
export function oracleAtoms(a: { numbers: ArrayLike<number>; pbc: readonly boolean[]; fixed: readonly number[]; getPositions(): number[][]; getCell(): number[][] }): { numbers: number[]; positions: number[][]; cell: number[][]; pbc: boolean[]; fixed: number[] } {
  return { numbers: Array.from(a.numbers), positions: a.getPositions(), cell: a.getCell(), pbc: [...a.pbc], fixed: [...a.fixed] };
}

/** Run a batch of oracle tasks (see ase_oracle.py for the task kinds); resolves to the results. */
export function runOracle<T = Record<string, unknown>>(tasks: unknown[], opts: { timeoutMs?: number } = {}): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(ORACLE_PYTHON, [ORACLE_SCRIPT], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, OMP_NUM_THREADS: "1" } });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`ASE oracle exited with ${code}: ${err.slice(-2000)}`));
      try {
        resolve((JSON.parse(out) as { results: T[] }).results);
      } catch (e) {
        reject(new Error(`ASE oracle printed invalid JSON: ${String(e)}; stderr: ${err.slice(-1000)}`));
      }
    });
    child.stdin.end(JSON.stringify({ tasks }));
  });
}
