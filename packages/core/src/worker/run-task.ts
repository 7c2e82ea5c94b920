import { mkdirSync } from "node:fs";
import type { Container } from "../container.js";
import { CancelledError, LatticeworkError, TimeoutError, ValidationError, zodIssues } from "../errors.js";
import type { Job, JobContext } from "../job.js";
import type { LaunchOptions, LaunchResult } from "../launcher.js";
import { noopLogger, type Logger } from "../logger.js";
import { coresOf, type JobResources, type Placement } from "../resources.js";
import { TaskSpecSchema, type TaskError, type TaskOutcome, type TaskSpec, type TaskSpecInput } from "../task.js";
import { TOKENS } from "../tokens.js";
import { readArtifact, writeArtifact } from "../store/artifacts.js";
import { NotJsonSafeError, toJsonSafe } from "./json-safe.js";
import { resolveJob } from "./resolve-job.js";
import { toTaskError } from "./task-error.js";
import { defaultWorkerContainer, prepareWorkerContainer } from "./worker-setup.js";

/** Options of {@link runTask}. */
export interface RunTaskOptions {
  /** DI container (plugins register launchers on it); default: one per process. */
  container?: Container;
  /** Logger for the job (default: the container's Logger, else silent). */
  logger?: Logger;
  /** Abort to cancel the task (the outcome is then `cancelled`). */
  signal?: AbortSignal;
  /** Where big outputs go as artifacts (default: the spec's `inputRef.dir`, else `env.LATTICEWORK_ARTIFACT_DIR` of the spec). */
  artifactDir?: string;
  /** Outputs whose JSON is larger than this go to an artifact when a directory is known (default 256 KiB). */
  maxInlineOutputBytes?: number;
  /**
   * The spec was built by this version's runtime and reached the worker without passing through a
   * file or another program (e.g. a local pool's IPC channel), so it is not validated again. Leave
   * unset for specs read from disk or received from another machine: those are always validated.
   */
  trustedSpec?: boolean;
}

const DEFAULT_MAX_INLINE = 256 * 1024;
/** Spec env variable naming the store's artifact directory (executors set it so big outputs can go there). */
export const ARTIFACT_DIR_ENV = "LATTICEWORK_ARTIFACT_DIR";
const MAX_TIMER_MS = 2_147_483_647;

/** A failure the worker itself detected, already in TaskError form. */
class Failure {
  constructor(readonly error: TaskError) {}
}

function stateFor(error: TaskError): "failed" | "cancelled" | "timed-out" {
  if (error.code === "TIMEOUT") return "timed-out";
  if (error.code === "CANCELLED") return "cancelled";
  return "failed";
}

function parseSpec(input: unknown): TaskSpec {
  const parsed = TaskSpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const err = new ValidationError("CONFIG_INVALID", "[worker] Invalid TaskSpec; the executor that wrote it is out of date or buggy", zodIssues(parsed.error));
  throw new Failure({ ...toTaskError(err), code: "PARSE_ERROR" });
}

async function readInput(spec: TaskSpec): Promise<unknown> {
  if (!spec.inputRef) return spec.input;
  const bytes = await readArtifact(spec.inputRef.dir, spec.inputRef.artifact);
  if (!bytes) {
    throw new LatticeworkError("STORE_ERROR", `Input artifact ${spec.inputRef.artifact} is missing from ${spec.inputRef.dir}. Is the store's artifact directory shared with this machine?`);
  }
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
}

function timeLimit(spec: TaskSpec, job: Job): { ms: number; what: string } | undefined {
  const timeoutMs = spec.timeoutMs ?? (typeof job.timeout === "number" && job.timeout > 0 ? job.timeout : null);
  const fromDeadline = spec.deadline !== null ? spec.deadline - Date.now() : null;
  if (timeoutMs === null && fromDeadline === null) return undefined;
  if (fromDeadline !== null && (timeoutMs === null || fromDeadline < timeoutMs)) return { ms: Math.max(0, fromDeadline), what: `its deadline (${new Date(spec.deadline!).toISOString()})` };
  return { ms: timeoutMs!, what: `its time-out of ${timeoutMs} ms` };
}

function derivePlacement(spec: TaskSpec, resources: JobResources): Placement {
  return spec.placement ?? { hosts: [{ host: "localhost", slots: coresOf(resources) }], source: "local" };
}

/**
 * Run one attempt of one job from its TaskSpec and say how it ended. Never throws: every problem
 * (bad spec, unknown job, invalid input or output, a throwing job, time-out, cancel) becomes a
 * structured `failed` / `timed-out` / `cancelled` outcome.
 *
 * @example
 * ```ts
 * const outcome = await runTask({ v: 1, taskId: "t1", runId: "r1", callKey: "k1", job: "demo.add",
 *   module: "/home/me/jobs.ts", input: { a: 1, b: 2 }, workdir: "/tmp/t1", attempt: 1 });
 * if (outcome.state === "completed") console.log(outcome.output);
 * ```
 */
export async function runTask(spec: TaskSpec | TaskSpecInput, opts: RunTaskOptions = {}): Promise<TaskOutcome> {
  const startedAt = Date.now();
  const fail = (error: TaskError): TaskOutcome => ({ state: stateFor(error), error, startedAt, endedAt: Date.now() });
  try {
    return await runChecked(opts.trustedSpec ? (spec as TaskSpec) : parseSpec(spec), opts, startedAt);
  } catch (err) {
    if (err instanceof Failure) return fail(err.error);
    return fail(toTaskError(err, "INTERNAL"));
  }
}

async function runChecked(spec: TaskSpec, opts: RunTaskOptions, startedAt: number): Promise<TaskOutcome> {
  if (opts.signal?.aborted) throw new Failure(toTaskError(new CancelledError(`Task ${spec.taskId} (job "${spec.job}") was cancelled before it started`)));
  const container = opts.container ?? defaultWorkerContainer();
  const launchers = await prepareWorkerContainer(container, spec.plugins);
  const job = await resolveJob(spec.module, spec.job);

  const input = await readInput(spec);
  const parsedInput = await job.input.safeParseAsync(input);
  if (!parsedInput.success) {
    throw new ValidationError("INPUT_INVALID", `Input of job "${job.name}" does not match its schema`, zodIssues(parsedInput.error));
  }

  const resources = Object.keys(spec.resources).length > 0 ? spec.resources : (job.resources ?? {});
  const placement = derivePlacement(spec, resources);
  const baseLogger = opts.logger ?? container.tryResolve(TOKENS.Logger) ?? noopLogger;
  const logger = baseLogger.child({ job: job.name, taskId: spec.taskId, attempt: spec.attempt });

  const limit = timeLimit(spec, job);
  const cancelled = (): CancelledError => new CancelledError(`Job "${job.name}" (task ${spec.taskId}) was cancelled`);
  // Without a time limit the caller's signal is the only way to stop the job: use it as is (one
  // AbortController fewer per task; its reason becomes a CancelledError below). With a limit the
  // job gets its own signal that either source can fire.
  const controller = limit || !opts.signal ? new AbortController() : undefined;
  const signal = controller ? controller.signal : opts.signal!;
  const onOuterAbort = (): void => controller!.abort(cancelled());
  if (controller && opts.signal) {
    opts.signal.addEventListener("abort", onOuterAbort, { once: true });
    if (opts.signal.aborted) onOuterAbort();
  }
  let timer: NodeJS.Timeout | undefined;
  if (limit) {
    const fire = (): void =>
      controller!.abort(
        new TimeoutError(`Job "${job.name}" (attempt ${spec.attempt}) ran past ${limit.what} and was stopped. Raise the job's \`timeout\` (or the call's) if it needs longer.`),
      );
    if (limit.ms <= 0) fire();
    else timer = setTimeout(fire, Math.min(limit.ms, MAX_TIMER_MS));
  }

  // The workdir is created on first use: most tiny jobs never touch it, and a mkdir per task is
  // the largest fixed cost of a no-op task. Launches create it too.
  let workdirReady = false;
  const workdir = (): string => {
    if (!workdirReady) {
      mkdirSync(spec.workdir, { recursive: true, mode: 0o700 });
      workdirReady = true;
    }
    return spec.workdir;
  };
  const ctx: JobContext = Object.freeze({
    get workdir(): string {
      return workdir();
    },
    logger,
    signal,
    attempt: spec.attempt,
    runId: spec.runId,
    taskId: spec.taskId,
    jobName: job.name,
    resources,
    placement,
    launch(program: string, options: LaunchOptions = {}): Promise<LaunchResult> {
      const merged: LaunchOptions = { ...options, env: { ...spec.env, ...(options.env ?? {}) } };
      return Promise.resolve().then(() => launchers.select(merged).launch({ program, options: merged, placement, workdir: workdir(), signal }));
    },
  });

  let raw: unknown;
  try {
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => {});
    logger.debug("job started", { workdir: spec.workdir });
    raw = await Promise.race([Promise.resolve().then(() => job.run(parsedInput.data, ctx)), aborted]);
  } catch (err) {
    const thrown: unknown = signal.aborted ? (controller ? signal.reason : cancelled()) : err;
    logger.debug("job ended with an error", { aborted: signal.aborted });
    throw new Failure(toTaskError(thrown, "JOB_FAILED"));
  } finally {
    if (timer) clearTimeout(timer);
    if (controller) opts.signal?.removeEventListener("abort", onOuterAbort);
  }

  const parsedOutput = await job.output.safeParseAsync(raw);
  if (!parsedOutput.success) {
    throw new ValidationError("OUTPUT_INVALID", `Output of job "${job.name}" does not match its schema`, zodIssues(parsedOutput.error));
  }
  let output: unknown;
  try {
    output = toJsonSafe(parsedOutput.data);
  } catch (err) {
    if (!(err instanceof NotJsonSafeError)) throw err;
    throw new ValidationError("OUTPUT_INVALID", `Output of job "${job.name}" is not JSON-serialisable`, [{ path: err.path, message: err.reason }]);
  }
  const endedAt = Date.now();
  const artifactDir = opts.artifactDir ?? spec.inputRef?.dir ?? spec.env[ARTIFACT_DIR_ENV];
  if (artifactDir) {
    const json = JSON.stringify(output);
    if (Buffer.byteLength(json) > (opts.maxInlineOutputBytes ?? DEFAULT_MAX_INLINE)) {
      const artifact = await writeArtifact(artifactDir, json);
      return { state: "completed", output: null, outputRef: { artifact, dir: artifactDir }, startedAt, endedAt };
    }
  }
  return { state: "completed", output, startedAt, endedAt };
}

/**
 * The output of a completed outcome, reading it from its artifact when the worker stored it there
 * (`outputRef`, for outputs over 256 KiB).
 */
export async function resolveOutcomeOutput(outcome: TaskOutcome): Promise<unknown> {
  if (outcome.state !== "completed") {
    throw new LatticeworkError("INTERNAL", `resolveOutcomeOutput: the outcome is "${outcome.state}", not "completed"`);
  }
  if (!outcome.outputRef) return outcome.output;
  const bytes = await readArtifact(outcome.outputRef.dir, outcome.outputRef.artifact);
  if (!bytes) throw new LatticeworkError("STORE_ERROR", `Output artifact ${outcome.outputRef.artifact} is missing from ${outcome.outputRef.dir}.`);
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
}
