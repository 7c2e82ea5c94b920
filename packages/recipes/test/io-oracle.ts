/**
 * Helper for the part-B oracle tests (builders, slabs, formats): runs testbed/oracle/io_oracle.py or
 * slabs_oracle.py with Debian's /usr/bin/python3 (ASE 3.22.1, pymatgen 2022.11.7). Uses the shared
 * `requireOracle` gate: with CI=true a missing oracle fails the suite, elsewhere it is skipped with
 * a message saying how to install it (testbed/oracle/install.sh).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Atoms } from "../src/atoms/atoms.js";
import { ORACLE_PYTHON } from "./oracle/oracle.js";

export { requireOracle } from "./oracle/oracle.js";

/** Atoms in the oracle's JSON shape. */
export interface OracleAtoms {
  numbers: number[];
  positions: number[][];
  cell: number[][];
  pbc: boolean[];
  fixed: number[];
  info?: Record<string, unknown>;
  tags?: number[];
  results?: Record<string, unknown>;
  error?: string;
}

/** Convert our Atoms to the oracle JSON shape (scalar info only). */
export function toOracle(a: Atoms): OracleAtoms {
  const info: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a.info)) if (["string", "number", "boolean"].includes(typeof v)) info[k] = v;
  const tags = Array.isArray(a.info.tags) && a.info.tags.length === a.length ? { tags: a.info.tags as number[] } : {};
  return { numbers: Array.from(a.numbers), positions: a.getPositions(), cell: a.getCell(), pbc: [...a.pbc], fixed: [...a.fixed], info, ...tags };
}

/** Convert oracle JSON to Atoms. */
export function fromOracle(o: OracleAtoms): Atoms {
  if (o.error) throw new Error(`oracle error: ${o.error}`);
  return new Atoms({ numbers: o.numbers, positions: o.positions, cell: o.cell, pbc: o.pbc as [boolean, boolean, boolean], fixed: o.fixed });
}

/** Run one of the part-B oracle scripts on a batch of tasks. */
export function runPyOracle<T>(script: "io_oracle.py" | "slabs_oracle.py", tasks: unknown[], timeoutMs = 240_000): Promise<T[]> {
  const path = fileURLToPath(new URL(`../../../testbed/oracle/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(ORACLE_PYTHON, [path], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, OMP_NUM_THREADS: "1" } });
    let out = "", err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${err.slice(-2000)}`));
      try { resolve((JSON.parse(out) as { results: T[] }).results); } catch (e) { reject(new Error(`${script} printed invalid JSON: ${String(e)}; stderr: ${err.slice(-1000)}`)); }
    });
    child.stdin.end(JSON.stringify({ tasks }));
  });
}

/** Largest absolute difference between two equally long numeric arrays (Infinity when lengths differ). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
