import type { z } from "zod";
import type { Job, JobInput, JobOutput, RetryPolicy } from "./job.js";
import type { JobResources } from "./resources.js";
import type { Logger } from "./logger.js";

/** Per-call options for `f.run` / `f.map` / `f.subflow`. They override the job's own settings. */
export interface CallOptions {
  /** Executor name for this call (beats rules and the run default). */
  executor?: string;
  /** Label used in the call path instead of the job name (must be deterministic). */
  label?: string;
  retry?: RetryPolicy | number;
  timeout?: number;
  resources?: JobResources;
  tags?: readonly string[];
  env?: Readonly<Record<string, string>>;
}

declare const DEFERRED: unique symbol;

/**
 * The value `f.run` returns: a Promise of the job's output that may also be passed, unawaited,
 * inside another call's input. The runtime then waits for it and records a data edge.
 */
export interface RunPromise<T> extends Promise<T> {
  readonly [DEFERRED]?: T;
  /** Deterministic call key, known once the call has been keyed (after its inputs resolve). */
  readonly callPath: string;
}

/** A reference to part of a run's output, e.g. `pick(relaxed, "atoms")`. */
export interface Ref<T> {
  readonly [DEFERRED]?: T;
  readonly kind: "ref";
}

/** A value, or something that will produce it (an unawaited run, a Ref), at any depth. */
export type Deferrable<T> =
  | T
  | RunPromise<T>
  | Ref<T>
  | (T extends readonly (infer E)[] ? readonly Deferrable<E>[] : T extends object ? { [K in keyof T]: Deferrable<T[K]> } : never);

/** What a flow body receives as its second argument. */
export interface FlowContext {
  readonly runId: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Run a job as its own task. Awaiting gives its (validated) output. */
  run<J extends Job>(job: J, input: Deferrable<JobInput<J>>, options?: CallOptions): RunPromise<JobOutput<J>>;
  /** Run a flow as a child run (own record, shared runtime, store and executors). */
  subflow<F extends Flow>(flow: F, input: Deferrable<FlowInput<F>>, options?: CallOptions): RunPromise<FlowOutput<F>>;
  /** Run one job per input, in parallel. */
  map<J extends Job>(job: J, inputs: readonly Deferrable<JobInput<J>>[], options?: CallOptions): Promise<JobOutput<J>[]>;
}

/** Definition passed to `defineFlow`. */
export interface FlowDefinition<I extends z.ZodType, R> {
  name: string;
  input: I;
  /** Optional output schema (validated before the run is stored as completed). */
  output?: z.ZodType<R>;
  description?: string;
  tags?: readonly string[];
  /** Human-readable rendering of the output (e.g. a table) that the CLI prints after a completed run. */
  summary?(output: R): string;
  run(input: z.output<I>, f: FlowContext): Promise<R>;
}

/** A defined flow. */
export interface Flow<I extends z.ZodType = z.ZodType, R = unknown> extends Readonly<FlowDefinition<I, R>> {
  readonly kind: "flow";
  readonly module: string | undefined;
}

export type FlowInput<F> = F extends Flow<infer I, unknown> ? z.input<I> : never;
export type FlowOutput<F> = F extends Flow<z.ZodType, infer R> ? R : never;
