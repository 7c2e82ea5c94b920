import { createReadStream, existsSync } from "node:fs";
import { join } from "node:path";
import { LatticeworkError } from "@latticework/core";
import { configFor, openExistingStore, requireRun } from "../context.js";
import type { GlobalOptions, Io } from "../context.js";
import { allJobs, collectRunTree } from "../run-tree.js";
import { createStyle, wantsColor } from "../style.js";

/** Flags of `latticework logs`. */
export interface LogsFlags {
  stream?: string;
  attempt?: string;
}

/**
 * The recorded path, or (for attempts whose executor did not record one, e.g. completed local
 * attempts) the conventional file in the attempt's workdir.
 */
function streamFile(recorded: string | null, workdir: string | null, kind: "stdout" | "stderr"): string | null {
  if (recorded) return recorded;
  if (!workdir) return null;
  for (const name of [`${kind}.log`, `${kind}.txt`, kind]) {
    const candidate = join(workdir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
}

/**
 * `latticework logs <runId> [job]`: print the stdout/stderr files of every attempt (of the jobs
 * whose name or call path matches `job`, a `*` glob allowed), sub-flows included.
 */
export async function logsCommand(runId: string, jobFilter: string | undefined, flags: LogsFlags, globals: GlobalOptions, io: Io): Promise<number> {
  const stream = flags.stream ?? "both";
  if (!["stdout", "stderr", "both"].includes(stream)) {
    throw new LatticeworkError("INPUT_INVALID", `[logs] --stream "${stream}" must be stdout, stderr or both.`);
  }
  const attemptFilter = flags.attempt === undefined ? undefined : Number(flags.attempt);
  if (attemptFilter !== undefined && (!Number.isInteger(attemptFilter) || attemptFilter < 1)) {
    throw new LatticeworkError("INPUT_INVALID", `[logs] --attempt "${flags.attempt}" must be a positive whole number.`);
  }
  const config = await configFor(globals, io, false);
  const store = await openExistingStore(config);
  const s = createStyle(wantsColor(io.stdout, globals.color, io.env));
  try {
    const run = await requireRun(store, runId, config);
    const tree = await collectRunTree(store!, run);
    let jobs = allJobs(tree);
    if (jobFilter !== undefined) {
      const re = globToRegExp(jobFilter);
      jobs = jobs.filter(({ job }) => re.test(job.name) || re.test(job.callPath));
      if (jobs.length === 0) {
        const names = [...new Set(allJobs(tree).flatMap(({ job }) => [job.callPath, job.name]))];
        throw new LatticeworkError(
          "JOB_NOT_FOUND",
          `[logs] No job in run ${runId} matches "${jobFilter}". Jobs and call paths: ${names.slice(0, 30).join(", ")}${names.length > 30 ? ", ..." : ""}.`,
        );
      }
    }
    let printed = 0;
    for (const { job } of jobs) {
      for (const a of job.attemptList) {
        if (attemptFilter !== undefined && a.attempt !== attemptFilter) continue;
        const files: [string, string | null][] = [];
        if (stream !== "stderr") files.push(["stdout", streamFile(a.stdoutPath, a.workdir, "stdout")]);
        if (stream !== "stdout") files.push(["stderr", streamFile(a.stderrPath, a.workdir, "stderr")]);
        for (const [kind, file] of files) {
          io.stdout.write(`${s.bold(`==> ${job.callPath}`)} ${s.dim(`(${job.name}) attempt ${a.attempt} ${a.state} ${kind}: ${file ?? "(no output)"}`)} ${s.bold("<==")}\n`);
          printed++;
          if (!file) continue;
          if (!existsSync(file)) {
            io.stdout.write(s.dim(`(file not on this machine${a.executor ? `; executor ${a.executor} may keep it remotely` : ""})\n`));
            continue;
          }
          await copyFile(file, io);
        }
      }
    }
    if (printed === 0) io.stdout.write(s.dim(`No attempts recorded${jobFilter ? ` for "${jobFilter}"` : ""} in run ${runId}.\n`));
    return 0;
  } finally {
    await store?.close();
  }
}

async function copyFile(file: string, io: Io): Promise<void> {
  let last = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8" })) {
    io.stdout.write(chunk as string);
    if ((chunk as string).length) last = chunk as string;
  }
  if (last && !last.endsWith("\n")) io.stdout.write("\n");
}
