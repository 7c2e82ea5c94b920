export { local, LocalExecutor } from "./local-executor.js";
export { adapter } from "./adapter.js";
export { LocalOptionsSchema, parseLocalOptions } from "./options.js";
export type { LocalOptions, LocalOptionsInput } from "./options.js";
export { STDOUT_FILE, STDERR_FILE } from "./task-io.js";
