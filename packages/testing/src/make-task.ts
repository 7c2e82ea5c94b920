import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { JobResources, TaskSpec } from "@latticework/core";
import { FIXTURES_MODULE } from "./fixtures/jobs.js";

/** What a test says about a task; the rest of the TaskSpec is filled in. */
export interface TaskRequest {
  job: string;
  input?: unknown;
  resources?: JobResources;
  timeoutMs?: number;
  attempt?: number;
  /** Job module (default: the conformance fixtures). */
  module?: string;
}

/**
 * Build a complete TaskSpec for a test: fresh task id, workdir under `workRoot`, fixture module.
 *
 * @example
 * ```ts
 * const spec = makeTaskSpec({ job: "lw-testing.echo", input: { text: "hi" } }, { workRoot: "/tmp/w" });
 * ```
 */
export function makeTaskSpec(req: TaskRequest, opts: { workRoot: string; module?: string }): TaskSpec {
  const taskId = `t-${randomUUID()}`;
  return {
    v: 1,
    taskId,
    runId: "conformance",
    callKey: `conformance/${req.job}/${taskId}`,
    job: req.job,
    module: req.module ?? opts.module ?? FIXTURES_MODULE,
    input: req.input ?? {},
    resources: req.resources ?? {},
    workdir: join(opts.workRoot, taskId),
    env: {},
    attempt: req.attempt ?? 1,
    deadline: req.timeoutMs ? Date.now() + req.timeoutMs : null,
    timeoutMs: req.timeoutMs ?? null,
    tags: [],
    plugins: [],
  };
}
