export { subprocess, SubprocessExecutor } from "./subprocess-executor.js";
export type { SubprocessOptions } from "./subprocess-executor.js";
