import type { AnyFlow } from "./any-flow.js";
import type { CallOptions, Flow } from "../flow.js";
import type { Job } from "../job.js";
import type { TaskError, TaskSpec } from "../task.js";
import type { RunState } from "../events.js";
import { containsDeferred, type CallHandle } from "./deferred.js";
import { FlowRun } from "./flow-run.js";
import { JobFailedError, LatticeworkError, describeThrown } from "../errors.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy } from "../retry.js";
import type { RetryPolicy } from "../job.js";
import { selectExecutor } from "./routing.js";
import { ARTIFACT_THRESHOLD, fromRowValue, readJsonArtifact, rowValue } from "./payloads.js";
import { childRunIdOf, slug } from "./ids.js";
import { ARTIFACT_DIR_ENV } from "../worker/run-task.js";
import type { ExecutorShell, ShellCall, ShellResult } from "../executor-shell.js";

/** A call whose inputs resolved (or a reason it cannot run). */
export type Prepared =
  | { ok: true; input: unknown; parsed: unknown; canon: string; inputHash: string; callKey: string }
  | { ok: false; error: TaskError; callKey: string; cancelled?: boolean };

const TERMINAL_FAILED = new Set<RunState>(["failed", "timed-out", "lost"]);

const NO_TAGS: readonly string[] = Object.freeze([]);
/** Env of specs without any (shared, frozen: executors copy before adding). */
const NO_ENV: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_RETRY = Object.freeze(resolveRetryPolicy(0));
const policyCache = new WeakMap<object, ResolvedRetryPolicy>();

/** Resolved retry policies, cached per policy object (most calls share their job's policy). */
function retryPolicyOf(policy: RetryPolicy | number | undefined): ResolvedRetryPolicy {
  if (policy === undefined || policy === 0) return NO_RETRY;
  if (typeof policy === "number") return resolveRetryPolicy(policy);
  let r = policyCache.get(policy);
  if (!r) policyCache.set(policy, (r = Object.freeze(resolveRetryPolicy(policy))));
  return r;
}

/** A TaskError from anything thrown. */
export function errorOf(err: unknown, fallbackCode: string): TaskError {
  const d = describeThrown(err);
  const code = LatticeworkError.is(err) ? err.code : fallbackCode;
  const te = LatticeworkError.is(err) ? (err.details["error"] as TaskError | undefined) : undefined;
  if (te && typeof te === "object" && typeof te.code === "string") return te;
  return { code, message: d.message, name: d.name, ...(d.stack ? { stack: d.stack } : {}) };
}

function failCall(run: FlowRun, kind: "job" | "flow", name: string, callPath: string, callKey: string, state: RunState, error: TaskError, attempt: number, record: boolean): never {
  const now = Date.now();
  const store = run.env.store;
  if (record) {
    store.upsertCall({
      runId: run.runId, callKey, callPath, kind, name, inputHash: "", input: null, state, executor: null, attempts: attempt,
      output: null, error, childRunId: null, createdAt: now, endedAt: now,
    });
  } else {
    store.updateCall(run.runId, callKey, attempt > 0 ? { state, error, endedAt: now, attempts: attempt } : { state, error, endedAt: now });
  }
  if (state !== "cancelled") {
    run.reportFailure({ runId: run.runId, callPath, job: name, attempt, state, error });
    run.logger.warn(`${kind} ${state}`, { callPath, job: name, attempt, code: error.code, message: error.message.split("\n")[0], ...(error.stderrPath ? { stderr: error.stderrPath } : {}) });
  }
  const code = error.code === "DEPENDENCY_FAILED" ? "DEPENDENCY_FAILED" : kind === "flow" ? "FLOW_FAILED" : "JOB_FAILED";
  throw new JobFailedError(code, `${kind === "flow" ? "Flow" : "Job"} "${name}" (${callPath}) ${state}: ${error.message}`, { details: { error, callPath, state } });
}

/** What {@link startJobCall} hands back: the call's value (replayed), or the attempts to run. */
type Started =
  | { replayed: true; value: unknown }
  | { replayed: false; callKey: string; shell: ExecutorShell; call: ShellCall };

/**
 * `f.run(job, input)`: resolve inputs, replay or execute through the executor shell, record.
 * Split in two so that a call waiting for an executor slot (100,000 pending calls) keeps only the
 * small frame below alive, not every intermediate value of {@link startJobCall}.
 */
export async function runJobCall(run: FlowRun, handle: CallHandle, job: Job, raw: unknown, opts: CallOptions): Promise<unknown> {
  // Calls whose input waits on other calls are not gated (see CallGate): they hold no place.
  if (containsDeferred(raw)) return runStartedJobCall(run, handle, job, raw, opts);
  const gate = run.env.gate;
  const wait = gate.enter();
  if (wait) await wait;
  try {
    return await runStartedJobCall(run, handle, job, raw, opts);
  } finally {
    gate.leave();
  }
}

async function runStartedJobCall(run: FlowRun, handle: CallHandle, job: Job, raw: unknown, opts: CallOptions): Promise<unknown> {
  const started = await startJobCall(run, handle, job, raw, opts);
  if (started.replayed) return started.value;
  return finishJobCall(run, handle.callPath, job.name, started.callKey, await started.shell.execute(started.call));
}

/** Record the outcome of a call's attempts; return its output or throw its failure. */
async function finishJobCall(run: FlowRun, callPath: string, name: string, callKey: string, result: ShellResult): Promise<unknown> {
  const store = run.env.store;
  const { outcome } = result;
  if (outcome.state === "completed") {
    const output = outcome.outputRef ? await readJsonArtifact(store, outcome.outputRef.artifact, outcome.outputRef.dir) : outcome.output;
    store.updateCall(run.runId, callKey, {
      state: "completed", attempts: result.attempt, output: rowValue(output, outcome.outputRef?.artifact), error: null, endedAt: outcome.endedAt ?? Date.now(),
    });
    // Durable before the flow sees it: dependents must never start on a completion a crash can lose.
    if (store.committed) await store.committed();
    return output;
  }
  return failCall(run, "job", name, callPath, callKey, outcome.state, outcome.error, result.attempt, false);
}

/** Artifact-directory env of local workers, one object per store directory. */
const artifactEnvCache = new Map<string, Record<string, string>>();

/** Resolve inputs, replay or record the pending call, and build the shell call (no waiting for slots). */
async function startJobCall(run: FlowRun, handle: CallHandle, job: Job, raw: unknown, opts: CallOptions): Promise<Started> {
  const { env } = run;
  const store = env.store;
  const prep = await run.prepare(handle, "job", job.name, job.input, raw);
  if (!prep.ok) return failCall(run, "job", job.name, handle.callPath, prep.callKey, prep.cancelled ? "cancelled" : "failed", prep.error, 0, true);
  const { callKey } = prep;

  const prior = run.prior?.get(callKey);
  if (prior?.state === "completed") {
    if (env.bus.active) env.bus.emit({ type: "task.ended", runId: run.runId, taskId: `${callKey}-${prior.attempts}`, job: job.name, attempt: prior.attempts, state: "completed", at: Date.now(), cached: true });
    return { replayed: true, value: await fromRowValue(store, prior.output) };
  }
  if (prior && run.mode === "resume" && TERMINAL_FAILED.has(prior.state) && prior.error) {
    return failCall(run, "job", job.name, handle.callPath, callKey, prior.state, prior.error, prior.attempts, false);
  }
  const tags = opts.tags ? [...(job.tags ?? []), ...opts.tags] : (job.tags ?? NO_TAGS);
  const executor = selectExecutor({
    job: job.name, tags, callExecutor: opts.executor, runRules: run.init.runRules, runtimeRules: env.rules,
    runDefault: run.init.runExecutor, runtimeDefault: env.defaultExecutor,
  });
  const shell = env.shell(executor);
  const now = Date.now();
  let inputArtifact: string | undefined;
  if (prep.canon.length > ARTIFACT_THRESHOLD) inputArtifact = await store.putArtifact(prep.canon);
  if (!prior) {
    store.upsertCall({
      runId: run.runId, callKey, callPath: handle.callPath, kind: "job", name: job.name, inputHash: prep.inputHash, input: rowValue(prep.input, inputArtifact),
      state: "pending", executor, attempts: 0, output: null, error: null, childRunId: null, createdAt: now, endedAt: null,
    });
  } else {
    store.updateCall(run.runId, callKey, { state: "pending", executor, error: null, endedAt: null });
  }
  if (!shell) {
    return failCall(run, "job", job.name, handle.callPath, callKey, "failed", {
      code: "EXECUTOR_NOT_FOUND",
      message: `No executor named "${executor}" (known: ${env.executorNames().join(", ") || "none"}). Add it to createRuntime({ executors }) or the config file, or fix the rule / executor option.`,
    }, 0, false);
  }
  if (!job.module) {
    return failCall(run, "job", job.name, handle.callPath, callKey, "failed", {
      code: "JOB_NOT_FOUND",
      message: `Job "${job.name}" has no recorded module, so workers cannot import it. Pass \`module: import.meta.url\` to defineJob.`,
    }, 0, false);
  }
  const module = job.module;
  const prevAttempts = run.priorAttempts?.get(callKey) ?? [];
  const last = prevAttempts[prevAttempts.length - 1];
  const firstAttempt = (last?.attempt ?? 0) + 1;
  const attach = last && last.nativeId && !TERMINAL_STATES.has(last.state) && last.executor === executor
    ? { nativeId: last.nativeId, attempt: last.attempt, taskId: last.taskId }
    : undefined;
  const timeout = opts.timeout ?? job.timeout;
  const resources = opts.resources ? { ...(job.resources ?? {}), ...opts.resources } : (job.resources ?? {});
  const retry = retryPolicyOf(opts.retry ?? job.retry);
  const dir = `${env.workRoot}/${run.runId}/${slug(opts.label ?? job.name)}-${callKey.slice(0, 10)}`;
  // Local workers may put outputs over 256 KiB straight into the store's artifact directory.
  let artifactEnv: Record<string, string> | undefined;
  if (!shell.capabilities.remote) {
    artifactEnv = artifactEnvCache.get(store.artifactDir);
    if (!artifactEnv) artifactEnvCache.set(store.artifactDir, (artifactEnv = Object.freeze({ [ARTIFACT_DIR_ENV]: store.artifactDir })));
  }
  const input = prep.input;
  const inputRef = inputArtifact ? { artifact: inputArtifact, dir: store.artifactDir } : undefined;
  const plugins = env.workerPlugins as string[];
  const call: ShellCall = {
    taskId: (attempt) => `${callKey}-${attempt}`,
    spec: (attempt, taskId): TaskSpec => {
      const spec: TaskSpec = {
        v: 1, taskId, runId: run.runId, callKey, job: job.name, module, resources, workdir: `${dir}/a${attempt}`,
        env: opts.env ? Object.assign({}, artifactEnv, opts.env) : (artifactEnv ?? NO_ENV), attempt,
        deadline: timeout ? Date.now() + timeout : null, timeoutMs: timeout ?? null, tags: tags as string[], plugins,
      };
      if (inputRef) spec.inputRef = inputRef;
      else spec.input = input;
      return spec;
    },
    retry,
    firstAttempt,
    ...(attach ? { attach } : {}),
    track: run.trackAttempt,
    cancelled: run.isCancelled,
    signal: run.signal,
  };
  return { replayed: false, callKey, shell, call };
}

const TERMINAL_STATES = new Set<RunState>(["completed", "failed", "cancelled", "timed-out", "lost"]);

/** `f.subflow(flow, input)`: a child run with a deterministic id, replayed like its parent. */
export async function runSubflowCall(run: FlowRun, handle: CallHandle, flow: AnyFlow, raw: unknown, opts: CallOptions): Promise<unknown> {
  const store = run.env.store;
  const prep = await run.prepare(handle, "flow", flow.name, flow.input, raw);
  if (!prep.ok) return failCall(run, "flow", flow.name, handle.callPath, prep.callKey, prep.cancelled ? "cancelled" : "failed", prep.error, 0, true);
  const { callKey } = prep;
  const childRunId = childRunIdOf(run.runId, callKey);
  const prior = run.prior?.get(callKey);
  if (prior?.state === "completed") return fromRowValue(store, prior.output);
  const now = Date.now();
  if (!prior) {
    store.upsertCall({
      runId: run.runId, callKey, callPath: handle.callPath, kind: "flow", name: flow.name, inputHash: prep.inputHash, input: prep.input,
      state: "running", executor: opts.executor ?? run.init.runExecutor ?? null, attempts: 1, output: null, error: null, childRunId, createdAt: now, endedAt: null,
    });
  } else {
    store.updateCall(run.runId, callKey, { state: "running", error: null, endedAt: null, attempts: prior.attempts + 1 });
  }
  const child = new FlowRun(run.env, {
    runId: childRunId, mode: prior ? run.mode : "new", parent: run, pathPrefix: handle.callPath, parentCallKey: callKey,
    runExecutor: opts.executor ?? run.init.runExecutor, runRules: run.init.runRules, target: null,
  });
  const remove = run.addChild(child);
  const before = run.failures.length;
  const result = await child.execute(flow, prep.input, {});
  remove();
  const endedAt = Date.now();
  if (result.state === "completed") {
    store.updateCall(run.runId, callKey, { state: "completed", output: result.output ?? null, endedAt });
    return result.output;
  }
  const error = result.error ?? { code: "FLOW_FAILED", message: `Sub-flow ${flow.name} ${result.state}` };
  store.updateCall(run.runId, callKey, { state: result.state, error, endedAt });
  const childReported = run.failures.length > before;
  if (!childReported && result.state !== "cancelled") run.reportFailure({ runId: childRunId, callPath: handle.callPath, job: flow.name, attempt: 1, state: result.state, error });
  throw new JobFailedError("FLOW_FAILED", `Sub-flow "${flow.name}" (${handle.callPath}) ${result.state}: ${error.message}`, { details: { error, callPath: handle.callPath, state: result.state, childRunId } });
}
