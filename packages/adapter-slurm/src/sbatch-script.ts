import { createHash } from "node:crypto";
import { posix } from "node:path";
import { LatticeworkError, workerEntryPath, workerNodeArgs, type JobResources } from "@latticework/core";
import { shExport, shJoin, shQuote } from "./shell-quote.js";
import { parseSlurmOptions, type ResolvedSlurmOptions } from "./options.js";

/** Short and long spellings of the directives this package renders, for `skipDirectives`. */
const ALIASES: Record<string, string> = {
  "-N": "--nodes", "-n": "--ntasks", "-c": "--cpus-per-task", "-t": "--time", "-p": "--partition",
  "-A": "--account", "-q": "--qos", "-C": "--constraint", "-J": "--job-name", "-o": "--output",
  "-e": "--error", "-G": "--gpus", "-D": "--chdir",
};

/** Canonical long name of a directive option ("-n" -> "--ntasks"). */
export function directiveName(flag: string): string {
  const name = flag.split("=")[0]!.trim().split(/\s+/)[0]!;
  return ALIASES[name] ?? name;
}

/**
 * Quote a value for an `#SBATCH` line. sbatch's own parser (not a shell) reads these lines:
 * double quotes group words and a backslash escapes the next character. Newlines cannot be
 * represented and are rejected.
 */
export function directiveValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new LatticeworkError("INPUT_INVALID", `[slurm] Directive value contains a newline: ${JSON.stringify(value.slice(0, 80))}`);
  if (/^[A-Za-z0-9_.,:@+=%\/\-\[\]]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** SLURM `--output` patterns treat `%` specially: a literal `%` is written `%%`. */
function filenamePattern(path: string): string {
  return path.replace(/%/g, "%%");
}

/** `--time` value for seconds: D-HH:MM:SS. */
export function formatWalltime(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d}-${p(h)}:${p(m)}:${p(sec)}`;
}

/** SLURM job name used as the idempotency tag of one task attempt. */
export function slurmJobName(prefix: string, executorName: string, taskId: string): string {
  const raw = `${prefix}${executorName}.${taskId}`;
  const clean = raw.replace(/[^A-Za-z0-9_.\-]/g, "_");
  if (clean === raw && clean.length <= 120) return clean;
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, 10);
  return `${clean.slice(0, 100)}.${hash}`;
}

/** Directives derived from job resources (before site options). */
export function resourceDirectives(r: JobResources, defaultWalltime?: number): string[] {
  const d: string[] = [];
  if (r.nodes !== undefined) d.push(`--nodes=${r.nodes}`);
  if (r.ranks !== undefined || r.ranksPerNode !== undefined) {
    if (r.ranks !== undefined) d.push(`--ntasks=${r.ranks}`);
    if (r.ranksPerNode !== undefined) d.push(`--ntasks-per-node=${r.ranksPerNode}`);
    if (r.cpusPerRank !== undefined) d.push(`--cpus-per-task=${r.cpusPerRank}`);
  } else {
    d.push("--ntasks=1");
    const cpus = r.cpus ?? r.cpusPerRank;
    if (cpus !== undefined) d.push(`--cpus-per-task=${cpus}`);
  }
  if (r.memoryMb !== undefined) d.push(`--mem=${r.memoryMb}M`);
  if (r.gpus !== undefined && r.gpus > 0) d.push(`--gpus-per-node=${r.gpus}`);
  const wall = r.walltimeSeconds ?? defaultWalltime;
  if (wall !== undefined) d.push(`--time=${formatWalltime(wall)}`);
  return d;
}

/** Everything one batch script needs. */
export interface BatchScriptParams {
  jobName: string;
  resources: JobResources;
  options: ResolvedSlurmOptions;
  /** Directory the job runs in (on the cluster). */
  workdir: string;
  /** The command the job runs (argv; every word is quoted). */
  command: readonly string[];
  /** Files the script and SLURM write. */
  stdoutPath: string;
  stderrPath: string;
  exitCodePath: string;
  /** Extra environment (task env); quoted. */
  env?: Readonly<Record<string, string>>;
  /** A comment line naming the task. */
  description?: string;
}

/**
 * Render a complete sbatch script. Resource directives come first, then site options, then
 * `extraDirectives`; anything named in `skipDirectives` is left out. The script records the
 * worker's exit status in `exitCodePath` (so success is decided from files, not from squeue).
 */
export function renderBatchScript(p: BatchScriptParams): string {
  const o = p.options;
  const directives: string[] = [
    `--job-name=${directiveValue(p.jobName)}`,
    `--output=${directiveValue(filenamePattern(p.stdoutPath))}`,
    `--error=${directiveValue(filenamePattern(p.stderrPath))}`,
    ...resourceDirectives(p.resources, o.defaultWalltimeSeconds),
  ];
  if (o.partition) directives.push(`--partition=${o.partition}`);
  if (o.account) directives.push(`--account=${o.account}`);
  if (o.qos) directives.push(`--qos=${o.qos}`);
  if (o.constraint) directives.push(`--constraint=${directiveValue(o.constraint)}`);
  if (o.reservation) directives.push(`--reservation=${o.reservation}`);
  if (o.exclusive) directives.push("--exclusive");
  directives.push(...o.extraDirectives);
  const skip = new Set(o.skipDirectives.map(directiveName));
  const kept = directives.filter((d) => !skip.has(directiveName(d)));

  const env = { ...o.environment, ...(p.env ?? {}) };
  const lines = [
    "#!/bin/bash",
    ...kept.map((d) => `#SBATCH ${d}`),
    `# Generated by @latticework/adapter-slurm${p.description ? ` for ${p.description.replace(/[\r\n]/g, " ")}` : ""}.`,
    ...(o.prologue.length ? ["# prologue", ...o.prologue] : []),
    `cd ${shQuote(p.workdir)} || exit 97`,
    ...Object.entries(env).map(([k, v]) => shExport(k, v)),
    shJoin(p.command),
    "lw_status=$?",
    `printf '%s\\n' "$lw_status" > ${shQuote(p.exitCodePath + ".tmp")} && mv -f ${shQuote(p.exitCodePath + ".tmp")} ${shQuote(p.exitCodePath)}`,
    ...(o.epilogue.length ? ["# epilogue", ...o.epilogue] : []),
    'exit "$lw_status"',
    "",
  ];
  return lines.join("\n");
}

/** Files of one staged per-job task, all under its directory. */
export function taskFiles(dir: string): { spec: string; script: string; stdout: string; stderr: string; exitCode: string; outcome: string } {
  return {
    spec: posix.join(dir, "spec.json"),
    script: posix.join(dir, "job.sbatch"),
    stdout: posix.join(dir, "slurm.out"),
    stderr: posix.join(dir, "slurm.err"),
    exitCode: posix.join(dir, "exit-code"),
    outcome: posix.join(dir, "outcome.json"),
  };
}

/** The worker command: `<node> <nodeArgs...> <workerEntry> <spec.json>`. */
export function workerCommand(node: string, nodeArgs: readonly string[], workerEntry: string, specPath: string): string[] {
  return [node, ...nodeArgs, workerEntry, specPath];
}

/**
 * Node arguments for a per-job worker. The default arguments load tsx (~0.4 s of CPU per job)
 * so that `.ts` job modules import; a job module that is plain JavaScript (.js/.mjs/.cjs) does
 * not need it, so the loader is left out. Arguments the user configured are kept as they are.
 */
export function workerNodeArgsFor(module: string | undefined, defaults: readonly string[], configured?: readonly string[]): string[] {
  if (configured) return [...configured];
  if (!module || !/\.(m|c)?js$/.test(module)) return [...defaults];
  const out: string[] = [];
  for (let i = 0; i < defaults.length; i++) {
    const a = defaults[i]!;
    if ((a === "--import" || a === "--loader") && /tsx/.test(defaults[i + 1] ?? "")) i++;
    else if (!/^--(import|loader)=.*tsx/.test(a)) out.push(a);
  }
  return out;
}

/** What `renderSlurmScript` needs to know about a job. */
export interface ScriptJob {
  name: string;
  /** The job's defining module (its extension decides whether the worker loads tsx). */
  module?: string | undefined;
  resources?: JobResources;
}

/**
 * The exact script a job would get from `slurm(options)`, without submitting. Used by
 * `latticework slurm script <job>`. Worker paths default like the executor's (this installation).
 *
 * @example
 * ```ts
 * console.log(renderSlurmScript({ job: relax, input: { atoms }, options: { partition: "debug" }, executorName: "hpc" }));
 * ```
 */
export function renderSlurmScript(args: {
  job: ScriptJob;
  input?: unknown;
  options?: unknown;
  executorName?: string;
  /** Task id used for the job name and directory (default "preview"). */
  taskId?: string;
  workerEntry?: string;
  nodeArgs?: readonly string[];
  resources?: JobResources;
}): string {
  const options = parseSlurmOptions(args.options ?? {});
  const executorName = args.executorName ?? "slurm";
  const taskId = args.taskId ?? "preview";
  const root = options.remote.workRoot ?? posix.join(process.cwd(), ".latticework", "slurm");
  const dir = posix.join(root, executorName, taskId);
  const files = taskFiles(dir);
  const worker = options.remote.workerEntry ?? args.workerEntry ?? workerEntryPath();
  return renderBatchScript({
    jobName: slurmJobName(options.jobNamePrefix, executorName, taskId),
    resources: { ...(args.job.resources ?? {}), ...(args.resources ?? {}) },
    options,
    workdir: dir,
    command: workerCommand(options.remote.node, workerNodeArgsFor(args.job.module, args.nodeArgs ?? workerNodeArgs(), options.remote.nodeArgs), worker, files.spec),
    stdoutPath: files.stdout,
    stderrPath: files.stderr,
    exitCodePath: files.exitCode,
    description: `job ${args.job.name}`,
  });
}
