export { runTask, resolveOutcomeOutput, ARTIFACT_DIR_ENV } from "./run-task.js";
export type { RunTaskOptions } from "./run-task.js";
export { resolveJob, collectJobs } from "./resolve-job.js";
export { writeOutcomeAtomic, readOutcome } from "./outcome-file.js";
export { workerNodeArgs, workerEntryPath } from "./node-args.js";
export { workerMain } from "./main.js";
export { toTaskError } from "./task-error.js";
export { toJsonSafe, NotJsonSafeError } from "./json-safe.js";
