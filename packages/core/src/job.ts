import type { z } from "zod";
import type { JobResources, Placement } from "./resources.js";
import type { Logger } from "./logger.js";
import type { LaunchOptions, LaunchResult } from "./launcher.js";

/** Retry policy for a job. */
export interface RetryPolicy {
  /** Extra attempts after the first (default 0). */
  retries: number;
  /** First back-off delay in ms (default 1000); doubles each attempt up to `maxDelayMs`. */
  delayMs?: number;
  maxDelayMs?: number;
  /** Random jitter fraction 0..1 applied to each delay (default 0.2). */
  jitter?: number;
  /** Only retry when this returns true for the attempt's structured error. */
  retryIf?: (error: { code: string; message: string; name?: string; schedulerState?: string }) => boolean;
}

/** What a job's `run` receives besides its input. */
export interface JobContext {
  /** Directory owned by this attempt (created before run). */
  readonly workdir: string;
  readonly logger: Logger;
  /** Aborts on cancel or time-out. Long computations should check it. */
  readonly signal: AbortSignal;
  readonly attempt: number;
  readonly runId: string;
  readonly taskId: string;
  readonly jobName: string;
  readonly resources: JobResources;
  /** Hosts and slots this attempt owns. */
  readonly placement: Placement;
  /** Run an external program (through the Launcher chosen for the options; MPI when ranks > 1). */
  launch(program: string, options?: LaunchOptions): Promise<LaunchResult>;
}

/** Definition passed to {@link defineJob}. */
export interface JobDefinition<I extends z.ZodType, O extends z.ZodType> {
  /** Stable id, e.g. "emt.relax". Workers find the job by this name. */
  name: string;
  input: I;
  output: O;
  resources?: JobResources;
  retry?: RetryPolicy | number;
  /** Kill the attempt after this many ms. */
  timeout?: number;
  tags?: readonly string[];
  /** Human description (shown by the CLI). */
  description?: string;
  /** Human-readable rendering of the output that the CLI prints after a completed one-job run. */
  summary?(output: z.output<O>): string;
  run(input: z.output<I>, ctx: JobContext): Promise<z.input<O>> | z.input<O>;
}

/** A defined job. Jobs are plain values; pass them to `f.run` or run them as a one-job run. */
export interface Job<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> extends Readonly<JobDefinition<I, O>> {
  readonly kind: "job";
  /** Module that defined the job (file path or package specifier); recorded so workers can import it. */
  readonly module: string | undefined;
}

/** Input type a job accepts (before defaults). */
export type JobInput<J> = J extends Job<infer I, z.ZodType> ? z.input<I> : never;
/** Output type a job produces (after parsing). */
export type JobOutput<J> = J extends Job<z.ZodType, infer O> ? z.output<O> : never;
