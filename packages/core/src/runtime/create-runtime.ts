import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Executor } from "../executor.js";
import type { Flow } from "../flow.js";
import type { Job } from "../job.js";
import type { RunStore } from "../store/run-store.js";
import type { EventSink, EventSource } from "../events.js";
import type { Container } from "../container.js";
import type { ExecutorRule, RunHandle, RunOptions, RunResult, Runtime, RuntimeOptions } from "../runtime-types.js";
import { LatticeworkError, ValidationError, zodIssues } from "../errors.js";
import { noopLogger, type Logger } from "../logger.js";
import { createContainer } from "../container.js";
import { TOKENS } from "../tokens.js";
import { createEventBus, type EventBus } from "../events-bus.js";
import { ExecutorShell } from "../executor-shell.js";
import { canonicalJson } from "../canonical.js";
import { createLauncherRegistry } from "../launch/launcher-registry.js";
import { inProcessExecutor } from "../executors/in-process.js";
import { Deadlines } from "./deadlines.js";
import { CallGate } from "./call-gate.js";
import { FlowRun, type ReplayMode } from "./flow-run.js";
import { findExportPath, loadTarget } from "./target.js";
import { newRunId } from "./ids.js";
import { parseRuntimeOptions } from "./options.js";
import { defaultStore } from "./default-store.js";
import type { RunEnv } from "./env.js";

interface Active {
  run: { cancel(reason: string): void };
  topLevel: boolean;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

class LatticeworkRuntime implements Runtime {
  readonly store: RunStore;
  readonly container: Container;
  readonly logger: Logger;
  readonly #bus: EventBus;
  readonly #deadlines = new Deadlines();
  readonly #shells = new Map<string, ExecutorShell>();
  readonly #active = new Map<string, Active>();
  readonly #results = new Set<Promise<unknown>>();
  readonly #ownsStore: boolean;
  readonly #env: RunEnv;
  readonly #cancelPollMs: number;
  #ready: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #poll: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(options: RuntimeOptions) {
    const executors: Record<string, Executor> = options.executors && Object.keys(options.executors).length ? { ...options.executors } : { local: inProcessExecutor({ name: "local" }) };
    const names = Object.keys(executors);
    const parsed = parseRuntimeOptions(options, names);
    this.logger = options.logger ?? noopLogger;
    this.#cancelPollMs = parsed.cancelPollMs;
    const storeOpt = options.store;
    const isStore = storeOpt !== undefined && typeof (storeOpt as RunStore).open === "function";
    const storeDir = isStore ? (storeOpt as { dir?: unknown }).dir : (storeOpt as { dir?: string } | undefined)?.dir;
    const baseDir = resolve(typeof storeDir === "string" ? storeDir : ".latticework");
    this.store = isStore ? (storeOpt as RunStore) : defaultStore(baseDir);
    this.#ownsStore = !isStore;
    this.#bus = createEventBus();
    this.container = (options.container ?? createContainer()).createChild();
    this.container.register(TOKENS.Logger, { useValue: this.logger });
    this.container.register(TOKENS.RunStore, { useValue: this.store });
    this.container.register(TOKENS.Events, { useValue: this.#bus });
    this.container.register(TOKENS.Launchers, { useFactory: () => createLauncherRegistry() });
    const store = this.store;
    const bus = this.#bus;
    for (const [name, executor] of Object.entries(executors)) {
      // The shell records what the executor reports (it holds attempts not yet written).
      let shell: ExecutorShell | undefined;
      const events: EventSink = {
        emit(e) {
          if (e.type === "task.running") shell?.noteRunning(e.taskId, e.at);
          else if (e.type === "task.waiting") shell?.noteWaiting(e.taskId, e.reason);
          if (bus.active) bus.emit(e);
        },
      };
      const context = { logger: this.logger.child({ executor: name }), events, stateDir: join(baseDir, "executors", name) };
      shell = new ExecutorShell(name, executor, { context, store, bus, deadlines: this.#deadlines });
      this.#shells.set(name, shell);
    }
    const defaultExecutor = options.defaultExecutor ?? (executors["local"] ? "local" : (names[0] as string));
    const shells = this.#shells;
    this.#env = {
      store, bus, logger: this.logger, container: this.container,
      workRoot: resolve(options.workRoot ?? join(baseDir, "work")),
      workerPlugins: parsed.workerPlugins,
      rules: parsed.rules,
      defaultExecutor,
      gate: new CallGate(parsed.maxStartedCalls),
      shell: (name) => shells.get(name),
      executorNames: () => [...shells.keys()],
      register: (runId, run, topLevel) => {
        this.#active.set(runId, { run, topLevel });
        if (topLevel) this.#startPolling();
      },
      unregister: (runId) => {
        this.#active.delete(runId);
        if (![...this.#active.values()].some((a) => a.topLevel)) this.#stopPolling();
      },
    };
  }

  get events(): EventSource {
    return this.#bus;
  }

  #open(): Promise<void> {
    if (this.#closed) return Promise.reject(new LatticeworkError("EXECUTOR_DISPOSED", "This runtime was closed; create a new one with createRuntime()."));
    this.#ready ??= this.store.open();
    return this.#ready;
  }

  #startPolling(): void {
    if (this.#poll) return;
    this.#poll = setInterval(() => void this.#checkCancelRequests(), this.#cancelPollMs);
    this.#poll.unref();
  }

  #stopPolling(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
  }

  async #checkCancelRequests(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const [runId, a] of [...this.#active]) {
        if (!a.topLevel) continue;
        const rec = await this.store.getRun(runId);
        if (rec?.cancelRequested) a.run.cancel("Cancelled by request from another process (latticework cancel)");
      }
    } catch (err) {
      this.logger.warn("could not poll the store for cancel requests", { error: (err as Error).message });
    } finally {
      this.#polling = false;
    }
  }

  #checkRunOptions(options: { executor?: string | undefined; rules?: readonly ExecutorRule[] | undefined }): void {
    const issues: { path: string; message: string }[] = [];
    const known = [...this.#shells.keys()];
    if (options.executor !== undefined && !this.#shells.has(options.executor)) issues.push({ path: "executor", message: `no executor named "${options.executor}" (known: ${known.join(", ")})` });
    (options.rules ?? []).forEach((r, i) => {
      if (!this.#shells.has(r.executor)) issues.push({ path: `rules.${i}.executor`, message: `no executor named "${r.executor}" (known: ${known.join(", ")})` });
      if (r.job === undefined && r.tag === undefined) issues.push({ path: `rules.${i}`, message: "a rule needs `job` and/or `tag`" });
    });
    if (issues.length) throw new ValidationError("CONFIG_INVALID", "[runtime] Invalid run options", issues);
  }

  #hook(fr: FlowRun, signal: AbortSignal | undefined, work: Promise<RunResult>): Promise<RunResult> {
    let onAbort: (() => void) | undefined;
    if (signal) {
      onAbort = () => fr.cancel(signal.reason instanceof Error ? signal.reason.message : "Cancelled by signal");
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    const done = work.finally(() => {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      this.#results.delete(done);
    });
    this.#results.add(done);
    return done;
  }

  run<T>(target: Flow<any, T> | Job, input: unknown, options?: RunOptions): Promise<RunResult<T>> {
    return this.start(target, input, options).result;
  }

  start<T>(target: Flow<any, T> | Job, input: unknown, options: RunOptions = {}): RunHandle<T> {
    const runId = options.runId ?? newRunId();
    let fr: FlowRun | undefined;
    let early: string | undefined;
    const result = (async (): Promise<RunResult<T>> => {
      const kind = (target as { kind?: unknown } | undefined)?.kind;
      if (kind !== "flow" && kind !== "job") throw new LatticeworkError("INPUT_INVALID", "runtime.run(target, input): target must be a flow (defineFlow) or a job (defineJob)");
      this.#checkRunOptions(options);
      await this.#open();
      const parsed = target.input.safeParse(input);
      if (!parsed.success) throw new ValidationError("INPUT_INVALID", `Input of ${kind} "${target.name}" is invalid (nothing was run)`, zodIssues(parsed.error));
      canonicalJson(input);
      if (options.runId && (await this.store.getRun(runId))) {
        throw new LatticeworkError("CONFIG_INVALID", `A run with id "${runId}" already exists; use runtime.resume("${runId}") or another id.`);
      }
      const recorded = options.target ?? (await findExportPath(target)) ?? null;
      if (!recorded) this.logger.warn("run target is not exported from its module; resume/retry will not be able to import it", { name: target.name });
      fr = new FlowRun(this.#env, { runId, mode: "new", pathPrefix: "", runExecutor: options.executor, runRules: options.rules ?? [], target: recorded });
      if (early !== undefined) fr.cancel(early);
      const snapshot = { ...(options.executor ? { executor: options.executor } : {}), ...(options.rules ? { rules: options.rules.map((r) => ({ ...r })) } : {}) };
      return this.#hook(fr, options.signal, fr.execute(target, input, snapshot)) as Promise<RunResult<T>>;
    })();
    return {
      runId,
      result,
      cancel: (reason = "Cancelled") => {
        if (fr) fr.cancel(reason);
        else early = reason;
      },
    };
  }

  resume(runId: string, options: Omit<RunOptions, "runId"> = {}): Promise<RunResult> {
    return this.#replay(runId, "resume", options);
  }

  retry(runId: string, options: Omit<RunOptions, "runId"> = {}): Promise<RunResult> {
    return this.#replay(runId, "retry", options);
  }

  async #replay(runId: string, mode: ReplayMode, options: Omit<RunOptions, "runId">): Promise<RunResult> {
    this.#checkRunOptions(options);
    await this.#open();
    const rec = await this.store.getRun(runId);
    if (!rec) throw new LatticeworkError("RUN_NOT_FOUND", `No run "${runId}" in the store at ${this.store.artifactDir}/..; list runs with \`latticework runs\`.`);
    if (rec.parentRunId) throw new LatticeworkError("CONFIG_INVALID", `Run ${runId} is a sub-flow of ${rec.parentRunId}; ${mode} the top-level run instead.`);
    if (this.#active.has(runId)) throw new LatticeworkError("CONFIG_INVALID", `Run ${runId} is already running in this process.`);
    if (rec.state === "running" && rec.ownerPid !== null && rec.ownerPid !== process.pid && rec.ownerHost === hostname() && pidAlive(rec.ownerPid)) {
      throw new LatticeworkError("CONFIG_INVALID", `Run ${runId} is still running in process ${rec.ownerPid}; cancel it (latticework cancel ${runId}) or wait for it before ${mode}.`);
    }
    if (rec.state === "completed") return { runId, state: "completed", output: rec.output, error: null, failures: [] };
    if (!rec.target) {
      throw new LatticeworkError("RUN_NOT_FOUND", `Run ${runId} has no recorded target (its flow was not exported from its module); it cannot be replayed. Export the flow and start a new run.`);
    }
    const target = await loadTarget(rec.target, runId, { kind: rec.kind, name: rec.name });
    const runRules = options.rules ?? ((rec.options["rules"] as ExecutorRule[] | undefined) ?? []);
    const runExecutor = options.executor ?? rec.executor ?? undefined;
    const fr = new FlowRun(this.#env, { runId, mode, pathPrefix: "", runExecutor, runRules, target: rec.target });
    return this.#hook(fr, options.signal, fr.execute(target, rec.input, rec.options));
  }

  async cancel(runId: string): Promise<void> {
    const active = this.#active.get(runId);
    if (active) return active.run.cancel("Cancelled by runtime.cancel()");
    await this.#open();
    const rec = await this.store.getRun(runId);
    if (!rec) throw new LatticeworkError("RUN_NOT_FOUND", `No run "${runId}" in this store; list runs with \`latticework runs\`.`);
    if (rec.state !== "running" && rec.state !== "pending" && rec.state !== "submitted") return;
    if (rec.ownerPid !== null && rec.ownerHost === hostname() && !pidAlive(rec.ownerPid)) {
      // Nobody is left to honour the request: record the end now (resume can still continue it).
      this.store.updateRun(runId, {
        state: "cancelled", endedAt: Date.now(), ownerPid: null, ownerHost: null, cancelRequested: true,
        error: { code: "CANCELLED", message: `Cancelled; its orchestrator (process ${rec.ownerPid}) had already stopped` },
      });
    } else {
      this.store.requestCancel(runId);
    }
    await this.store.flush();
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const a of this.#active.values()) if (a.topLevel) a.run.cancel("Runtime closed");
      await Promise.allSettled([...this.#results]);
      this.#stopPolling();
      await Promise.allSettled([...this.#shells.values()].map((s) => s.dispose()));
      this.#deadlines.clear();
      if (this.#ready) {
        await this.#ready.catch(() => {});
        await this.store.flush().catch(() => {});
        if (this.#ownsStore) await this.store.close();
      }
    })();
    return this.#closed;
  }
}

/**
 * Create the orchestrator: one store, one event stream, one DI scope and one set of executors
 * shared by every run (and every sub-flow) it starts. Without options it runs jobs in-process
 * with the SQLite store in `.latticework/` of the working directory.
 *
 * @example
 * ```ts
 * const rt = createRuntime({ executors: { local: localExecutor(), hpc: slurm({ partition: "debug" }) },
 *   rules: [{ tag: "mpi", executor: "hpc" }] });
 * const result = await rt.run(relaxThenStatic, { atoms });
 * await rt.close();
 * ```
 */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  return new LatticeworkRuntime(options);
}
