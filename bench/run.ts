/**
 * `npm run bench`: runs every suite in bench/suites/ (or those named on the command line) side by side
 * with its peer on this machine, prints one table and writes bench/results/latest.json.
 *
 *   npm run bench                 # all suites
 *   npm run bench -- emt slurm    # some suites
 *   npm run bench -- --quick      # smaller sizes, for a smoke run
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchRow, BenchSuite } from "./types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const wanted = args.filter((a) => !a.startsWith("--"));

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Bring up the testbed (as root) and import its environment, so SLURM/MPI suites can run. */
function testbedEnv(): void {
  if (process.getuid?.() !== 0 || !fs.existsSync(path.join(root, "testbed/up.sh"))) return;
  try {
    execFileSync("bash", [path.join(root, "testbed/up.sh")], { stdio: ["ignore", "inherit", "inherit"] });
    const out = execFileSync("bash", ["-c", `source ${JSON.stringify(path.join(root, "testbed/env.sh"))} && env -0`], { encoding: "utf8" });
    for (const kv of out.split("\0")) {
      const i = kv.indexOf("=");
      if (i > 0) process.env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  } catch (e) {
    log(`testbed unavailable (${(e as Error).message}); SLURM/MPI suites may skip`);
  }
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "-";
  if (n === 0) return "0";
  const a = Math.abs(n);
  if (a >= 1000) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 0.1) return n.toFixed(3);
  return n.toPrecision(3);
}

async function main(): Promise<void> {
  const suiteDir = path.join(here, "suites");
  const files = fs.readdirSync(suiteDir).filter((f) => f.endsWith(".ts")).sort();
  const selected = files.filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, "")));
  if (selected.length === 0) throw new Error(`No bench suites match ${wanted.join(", ")}; have: ${files.join(", ")}`);
  testbedEnv();
  const rows: BenchRow[] = [];
  for (const f of selected) {
    const name = f.replace(/\.ts$/, "");
    log(`suite ${name} ...`);
    const t0 = performance.now();
    try {
      const mod = (await import(pathToFileURL(path.join(suiteDir, f)).href)) as { run: BenchSuite };
      rows.push(...(await mod.run({ quick, log: (m) => log(`${name}: ${m}`) })));
    } catch (e) {
      log(`suite ${name} failed: ${(e as Error).stack ?? e}`);
      rows.push({ suite: name, metric: "suite error", unit: "", ours: Number.NaN, notes: String((e as Error).message ?? e), pass: false });
    }
    log(`suite ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const header = ["suite", "metric", "ours", "peer", "unit", "ratio", "target", "ok"];
  const table = rows.map((r) => [
    r.suite,
    r.metric,
    fmt(r.ours),
    r.peer === undefined ? "-" : `${fmt(r.peer)} (${r.peerName ?? "peer"})`,
    r.unit,
    r.ratio === undefined ? "-" : `${fmt(r.ratio)}x`,
    r.target ?? "-",
    r.pass === undefined ? "" : r.pass ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const t of table) console.log(line(t));
  for (const r of rows) if (r.ratioNote || r.notes) console.log(`  ${r.suite}/${r.metric}: ${[r.ratioNote, r.notes].filter(Boolean).join("; ")}`);
  const outDir = path.join(here, "results");
  fs.mkdirSync(outDir, { recursive: true });
  const result = { date: new Date().toISOString(), node: process.version, cpus: (await import("node:os")).availableParallelism(), quick, rows };
  fs.writeFileSync(path.join(outDir, "latest.json"), JSON.stringify(result, null, 2) + "\n");
  log(`wrote bench/results/latest.json`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
