import { z } from "zod";
import { JobResourcesSchema, PlacementSchema } from "./resources.js";

/**
 * The plain-JSON description of ONE attempt of ONE job: what an executor receives and what the
 * worker runs. Everything an executor on another machine needs is here.
 */
export const TaskSpecSchema = z
  .object({
    /** Schema version of this document. */
    v: z.literal(1),
    /** Unique id of this attempt (stable across re-attach). */
    taskId: z.string().min(1),
    /** Flow run this task belongs to. */
    runId: z.string().min(1),
    /** Deterministic call key (run, call path, job name, input hash): identical across replays. */
    callKey: z.string().min(1),
    /** Job name (`defineJob({ name })`). */
    job: z.string().min(1),
    /** Module (absolute file path or package specifier) whose exports define the job. */
    module: z.string().min(1),
    /** Validated input, or a reference to an artifact holding it. */
    input: z.unknown().optional(),
    inputRef: z.object({ artifact: z.string(), dir: z.string() }).strict().optional(),
    resources: JobResourcesSchema.default({}),
    /** Directory the job runs in; stdout/stderr files live here. */
    workdir: z.string().min(1),
    env: z.record(z.string(), z.string()).default({}),
    /** 1-based attempt number. */
    attempt: z.number().int().positive(),
    /** Absolute deadline (epoch ms) after which the work must be killed; null = none. */
    deadline: z.number().nullable().default(null),
    /** Time-out in ms for this attempt (the worker enforces it too). */
    timeoutMs: z.number().int().positive().nullable().default(null),
    /** Where the worker writes `outcome.json` (atomically). Defaults to `<workdir>/outcome.json`. */
    outcomePath: z.string().optional(),
    /** Placement, when the executor already knows it (pilots); otherwise the worker derives it. */
    placement: PlacementSchema.optional(),
    tags: z.array(z.string()).default([]),
    /**
     * Worker plugins: module specifiers whose `registerWorker(container)` export the worker calls
     * before running the job (e.g. "@latticework/adapter-mpi" registers MPI launchers).
     */
    plugins: z.array(z.string()).default([]),
  })
  .strict();

/** One attempt of one job, as JSON. */
export type TaskSpec = z.infer<typeof TaskSpecSchema>;
/** What callers construct (defaults may be omitted). */
export type TaskSpecInput = z.input<typeof TaskSpecSchema>;

/** Structured description of why a task did not complete. */
export const TaskErrorSchema = z
  .object({
    /** Stable code, e.g. JOB_FAILED, INPUT_INVALID, OUTPUT_INVALID, JOB_NOT_FOUND, TIMEOUT, CANCELLED, LOST. */
    code: z.string(),
    message: z.string(),
    /** Error class name as thrown by the job (or "NonError"). */
    name: z.string().optional(),
    stack: z.string().optional(),
    exitCode: z.number().int().nullable().optional(),
    signal: z.string().nullable().optional(),
    /** Scheduler state, e.g. TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, CANCELLED, BOOT_FAIL. */
    schedulerState: z.string().optional(),
    /** Whether a retry may help even if the job's own retry predicate says nothing (lost, preempted, node fail). */
    retryable: z.boolean().optional(),
    stdoutPath: z.string().optional(),
    stderrPath: z.string().optional(),
    /** Last lines of stderr, when the executor has them. */
    stderrTail: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Structured task error. */
export type TaskError = z.infer<typeof TaskErrorSchema>;

/** Terminal states of one attempt. */
export const TERMINAL_TASK_STATES = ["completed", "failed", "cancelled", "timed-out", "lost"] as const;
export type TerminalTaskState = (typeof TERMINAL_TASK_STATES)[number];

/** How one attempt ended. `output` only when completed (already validated by the worker). */
export const TaskOutcomeSchema = z.discriminatedUnion("state", [
  z.object({
    state: z.literal("completed"), output: z.unknown(), outputRef: z.object({ artifact: z.string(), dir: z.string() }).strict().optional(), startedAt: z.number().optional(), endedAt: z.number().optional(),
    /** Files holding what the job printed, when it printed anything (recorded on the attempt). */
    stdoutPath: z.string().optional(),
    stderrPath: z.string().optional(),
  }).strict(),
  z.object({ state: z.enum(["failed", "cancelled", "timed-out", "lost"]), error: TaskErrorSchema, startedAt: z.number().optional(), endedAt: z.number().optional() }).strict(),
]);

/** How one attempt ended. */
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;
