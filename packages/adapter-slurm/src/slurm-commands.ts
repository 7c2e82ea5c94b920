import { LatticeworkError, noopLogger, TransportError, type Logger } from "@latticework/core";
import type { ResolvedSlurmOptions } from "./options.js";
import type { SlurmTransport } from "./transports/slurm-transport.js";
import { isTransientSlurmError, parseSbatchParsable, slurmErrorMessage } from "./parsers/sbatch.js";
import { parseSqueue, squeueArgv, type SqueueRow } from "./parsers/squeue.js";
import { parseScontrolJob } from "./parsers/scontrol.js";
import { parseSacct, sacctArgv, type SacctRow } from "./parsers/sacct.js";
import { sleep } from "./util.js";

/** sbatch refused the job for a reason retrying will not fix (bad partition, account, limits). */
export class SubmitRejectedError extends LatticeworkError {}

/**
 * SLURM's client commands over a transport, with transient controller errors ("Socket timed
 * out", "Resource temporarily unavailable") retried with exponential back-off, and sbatch made
 * idempotent by its job name (checked with squeue before any resubmission).
 */
export class SlurmCommands {
  readonly #t: SlurmTransport;
  readonly #o: ResolvedSlurmOptions;
  readonly #log: Logger;
  #sacctUsable: boolean | undefined;
  /** sbatch calls made (for tests and benches). */
  sbatchCalls = 0;
  squeueCalls = 0;

  constructor(transport: SlurmTransport, options: ResolvedSlurmOptions, logger: Logger = noopLogger) {
    this.#t = transport;
    this.#o = options;
    this.#log = logger;
    this.#sacctUsable = options.sacct === "never" ? false : options.sacct === "always" ? true : undefined;
  }

  get transport(): SlurmTransport {
    return this.#t;
  }

  #delay(attempt: number): number {
    return Math.min(30_000, this.#o.commandRetryBaseMs * 2 ** attempt);
  }

  /** Run a command, retrying transient controller and transport errors. */
  async run(argv: readonly string[], opts: { cwd?: string; what: string; okCodes?: number[] } = { what: "command" }): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.#o.commandRetries; attempt++) {
      try {
        const r = await this.#t.exec(argv, { ...(opts.cwd ? { cwd: opts.cwd } : {}), env: this.#o.commandEnv, timeoutMs: 120_000 });
        if (r.exitCode === 0 || opts.okCodes?.includes(r.exitCode) || !isTransientSlurmError(r.stderr)) return r;
        last = new TransportError("TRANSPORT_ERROR", `[slurm] ${opts.what}: ${slurmErrorMessage(r.stderr)}`);
      } catch (e) {
        if (LatticeworkError.is(e, "HOST_KEY_REJECTED") || LatticeworkError.is(e, "CONFIG_INVALID")) throw e;
        last = e;
      }
      const d = this.#delay(attempt);
      this.#log.warn(`[slurm] ${opts.what} failed transiently; retrying`, { attempt: attempt + 1, delayMs: d, error: String((last as Error)?.message ?? last) });
      await sleep(d);
    }
    throw last instanceof Error ? last : new TransportError("TRANSPORT_ERROR", String(last));
  }

  /** Every job of this user still known to the controller, in one squeue call. */
  async squeue(names?: readonly string[]): Promise<SqueueRow[]> {
    this.squeueCalls++;
    const r = await this.run(squeueArgv(this.#o.commands.squeue, names ? { names } : {}), { what: "squeue" });
    if (r.exitCode !== 0) throw new TransportError("TRANSPORT_ERROR", `[slurm] squeue failed (exit ${r.exitCode}): ${slurmErrorMessage(r.stderr)}`);
    return parseSqueue(r.stdout);
  }

  /**
   * Submit a script once. Before any retry (after a transient error or an ambiguous transport
   * failure, when the job may have been accepted), look for the job name in squeue and adopt it.
   */
  async sbatch(scriptPath: string, cwd: string, jobName: string): Promise<string> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.#o.commandRetries; attempt++) {
      if (attempt > 0) {
        try {
          const found = (await this.squeue([jobName])).find((r) => r.name === jobName);
          if (found) {
            this.#log.info("[slurm] found earlier submission by its tag; not resubmitting", { jobName, jobId: found.jobId });
            return found.jobId;
          }
        } catch (e) {
          last = e;
          await sleep(this.#delay(attempt));
          continue;
        }
      }
      try {
        this.sbatchCalls++;
        const r = await this.#t.exec([this.#o.commands.sbatch, "--parsable", scriptPath], { cwd, env: this.#o.commandEnv, timeoutMs: 120_000 });
        if (r.exitCode === 0) return parseSbatchParsable(r.stdout).jobId;
        if (!isTransientSlurmError(r.stderr)) {
          throw new SubmitRejectedError("EXECUTOR_ERROR", `[slurm] sbatch rejected the job: ${slurmErrorMessage(r.stderr)}. Check the executor's partition/account/qos options and the job's resources.`, { details: { stderr: r.stderr.slice(0, 2000) } });
        }
        last = new TransportError("TRANSPORT_ERROR", `[slurm] sbatch: ${slurmErrorMessage(r.stderr)}`);
      } catch (e) {
        if (e instanceof SubmitRejectedError || LatticeworkError.is(e, "HOST_KEY_REJECTED") || LatticeworkError.is(e, "PARSE_ERROR")) throw e;
        last = e;
      }
      const d = this.#delay(attempt);
      this.#log.warn("[slurm] sbatch failed transiently; will check for the job and retry", { jobName, delayMs: d, error: String((last as Error)?.message ?? last) });
      await sleep(d);
    }
    throw last instanceof Error ? last : new TransportError("TRANSPORT_ERROR", String(last));
  }

  /** scancel the given ids (idempotent; ids that already ended are fine). */
  async scancel(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.run([this.#o.commands.scancel, ...ids], { what: "scancel", okCodes: [1] });
  }

  /** `scontrol show job -o <id>` fields, or undefined when the controller forgot the job. */
  async scontrol(jobId: string): Promise<Record<string, string> | undefined> {
    try {
      const r = await this.run([this.#o.commands.scontrol, "show", "job", "-o", jobId], { what: "scontrol", okCodes: [1] });
      return parseScontrolJob(r.stdout).find((j) => j.JobId === jobId);
    } catch {
      return undefined;
    }
  }

  /** sacct post-mortem of one job, when accounting is available (auto-detected once). */
  async sacct(jobId: string): Promise<SacctRow | undefined> {
    if (this.#sacctUsable === false) return undefined;
    try {
      const r = await this.#t.exec(sacctArgv(jobId, this.#o.commands.sacct), { env: this.#o.commandEnv, timeoutMs: 30_000 });
      if (r.exitCode !== 0) {
        if (this.#o.sacct === "auto") this.#sacctUsable = false;
        return undefined;
      }
      if (this.#o.sacct === "auto") this.#sacctUsable = true;
      return parseSacct(r.stdout).find((x) => x.jobId === jobId);
    } catch {
      return undefined;
    }
  }
}
