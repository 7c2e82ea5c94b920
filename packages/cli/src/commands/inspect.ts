import type { RunState } from "@latticework/core";
import { LatticeworkError } from "@latticework/core";
import { configFor, openExistingStore, requireRun } from "../context.js";
import type { GlobalOptions, Io } from "../context.js";
import { collectRunTree } from "../run-tree.js";
import type { ShowJob, ShowRun } from "../run-tree.js";
import { createStyle, formatDuration, wantsColor } from "../style.js";
import type { Style } from "../style.js";

const STATES: readonly RunState[] = ["pending", "submitted", "running", "completed", "failed", "cancelled", "timed-out", "lost"];

/** `latticework runs`: list recent top-level runs. */
export async function runsCommand(flags: { json?: boolean; limit?: string; state?: string }, globals: GlobalOptions, io: Io): Promise<number> {
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  const problems: string[] = [];
  if (!Number.isInteger(limit) || limit <= 0) problems.push(`--limit "${flags.limit}" must be a positive whole number.`);
  if (flags.state !== undefined && !(STATES as readonly string[]).includes(flags.state)) problems.push(`--state "${flags.state}" is not a state; use one of ${STATES.join(", ")}.`);
  if (problems.length) throw new LatticeworkError("INPUT_INVALID", `[runs] ${problems.join(" ")}`);
  const config = await configFor(globals, io, false);
  const store = await openExistingStore(config);
  const s = createStyle(wantsColor(io.stdout, globals.color, io.env));
  try {
    const runs = store ? await store.listRuns({ limit, topLevel: true, ...(flags.state ? { state: flags.state as RunState } : {}) }) : [];
    if (flags.json) {
      const rows = runs.map((r) => ({
        runId: r.runId,
        name: r.name,
        kind: r.kind,
        state: r.state,
        executor: r.executor,
        target: r.target,
        createdAt: r.createdAt,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        durationMs: r.startedAt !== null ? (r.endedAt ?? Date.now()) - r.startedAt : null,
      }));
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) {
      io.stdout.write(`No runs${flags.state ? ` in state ${flags.state}` : ""} in ${config.storeDir}.\n`);
      return 0;
    }
    const header = ["RUN", "NAME", "STATE", "STARTED", "DURATION", "EXECUTOR"];
    const rows = runs.map((r) => [
      r.runId,
      r.name,
      r.state,
      new Date(r.createdAt).toISOString().replace("T", " ").slice(0, 19),
      formatDuration(r.startedAt !== null ? (r.endedAt ?? Date.now()) - r.startedAt : null),
      r.executor ?? "-",
    ]);
    io.stdout.write(`${table(header, rows, s, 2)}\n`);
    return 0;
  } finally {
    await store?.close();
  }
}

function table(header: string[], rows: string[][], s: Style, stateCol: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: string[], isHeader: boolean) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        if (isHeader) return s.dim(padded);
        return i === stateCol ? s.state(c) + " ".repeat(Math.max(0, padded.length - c.length)) : padded;
      })
      .join("  ");
  return [fmt(header, true), ...rows.map((r) => fmt(r, false))].join("\n");
}

/** `latticework show <runId>`: the run as a tree (or JSON). */
export async function showCommand(runId: string, flags: { json?: boolean }, globals: GlobalOptions, io: Io): Promise<number> {
  const config = await configFor(globals, io, false);
  const store = await openExistingStore(config);
  try {
    const run = await requireRun(store, runId, config);
    const tree = await collectRunTree(store!, run);
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(tree, null, 2)}\n`);
      return 0;
    }
    const s = createStyle(wantsColor(io.stdout, globals.color, io.env));
    io.stdout.write(`${renderTree(tree, s).join("\n")}\n`);
    return 0;
  } finally {
    await store?.close();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function jobLine(job: ShowJob, s: Style): string[] {
  const parts = [s.bold(job.callPath)];
  if (job.name !== job.callPath) parts.push(s.dim(job.name));
  parts.push(s.state(job.state));
  if (job.executor) parts.push(s.dim(`[${job.executor}]`));
  parts.push(plural(job.attempts, "attempt"));
  if (job.durationMs !== null) parts.push(formatDuration(job.durationMs));
  if (job.inputsFrom.length) parts.push(s.dim(`\u2190 ${job.inputsFrom.map((e) => (e.path ? `${e.callPath}.${e.path}` : e.callPath)).join(", ")}`));
  if (job.note) parts.push(s.yellow(`(waiting: ${job.note})`));
  const lines = [parts.join("  ")];
  const detail = job.attemptList.length > 1 || job.state !== "completed";
  if (detail) {
    for (const a of job.attemptList) {
      let line = `${s.dim(`attempt ${a.attempt}`)} ${s.state(a.state)}`;
      if (a.durationMs !== null) line += ` ${formatDuration(a.durationMs)}`;
      if (a.nativeId) line += s.dim(` id ${a.nativeId}`);
      if (a.note && a.endedAt === null) line += s.yellow(` (${a.note})`);
      if (a.error) line += `: ${a.error.message.split("\n")[0]}`;
      lines.push(`  ${line}`);
      if (a.error && a.stderrPath) lines.push(s.dim(`    stderr: ${a.stderrPath}`));
    }
  }
  return lines;
}

/** Render a run tree with box-drawing branches. */
export function renderTree(tree: ShowRun, s: Style): string[] {
  const head = [
    `${tree.parentRunId ? "sub-flow" : tree.kind === "job" ? "job run" : "run"} ${s.bold(tree.runId)}`,
    tree.name,
    s.state(tree.state),
    formatDuration(tree.durationMs),
  ];
  if (tree.executor) head.push(s.dim(`executor ${tree.executor}`));
  if (tree.cancelRequested && tree.state !== "cancelled") head.push(s.yellow("(cancel requested)"));
  const lines = [head.join("  ")];
  if (tree.error && tree.jobs.every((j) => j.state === "completed")) lines.push(`${s.red("error")}: ${tree.error.message}`);
  const jobs = new Map(tree.jobs.map((j) => [`job:${j.callKey}`, j]));
  const subs = new Map(tree.subflows.map((r) => [`flow:${r.runId}`, r]));
  tree.order.forEach((key, i) => {
    const last = i === tree.order.length - 1;
    const branch = last ? "\u2514\u2500 " : "\u251c\u2500 ";
    const indent = last ? "   " : "\u2502  ";
    const job = jobs.get(key);
    const child = job ? undefined : subs.get(key);
    let body: string[] = [];
    if (job) body = jobLine(job, s);
    else if (child) {
      const sub = renderTree(child, s);
      body = [`${child.callPath ? `${s.bold(child.callPath)}  ` : ""}${sub[0] ?? ""}`, ...sub.slice(1)];
    }
    body.forEach((line, j) => lines.push(`${s.dim(j === 0 ? branch : indent)}${line}`));
  });
  if (tree.order.length === 0) lines.push(s.dim("   (no calls recorded)"));
  return lines;
}
