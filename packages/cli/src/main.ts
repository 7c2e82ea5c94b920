import type { Io } from "./context.js";
import { buildProgram, EXIT, reportError } from "./program.js";

/**
 * Run the CLI with `argv` (without the node and script entries) and return the exit code.
 * Never calls process.exit except on a second Ctrl-C during a run.
 *
 * @example
 * ```ts
 * const code = await main(["run", "examples/01-serial.ts#relaxThenStatic", "--json"]);
 * ```
 */
export async function main(argv: readonly string[], io: Partial<Io> = {}): Promise<number> {
  const fullIo: Io = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
  };
  const result = { code: EXIT.OK as number };
  const program = buildProgram(fullIo, result);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return result.code;
  } catch (error) {
    const opts = program.opts() as { logLevel?: string; color?: boolean };
    const level = opts.logLevel ?? fullIo.env.LATTICEWORK_LOG_LEVEL;
    return reportError(error, fullIo, level === "debug" || level === "trace", opts.color);
  }
}
