import { LatticeworkError } from "@latticework/core";

const SAFE_WORD = /^[A-Za-z0-9_\-.,:/@%+=]+$/;

/**
 * Quote one value for a POSIX shell (sh, bash, dash). The single quoting helper of this package:
 * every user value that ends up in a shell line (SSH command lines, batch script bodies) goes
 * through it. NUL bytes cannot be represented and are rejected.
 *
 * @example
 * ```ts
 * shQuote("a b");      // "'a b'"
 * shQuote("it's");     // "'it'\\''s'"
 * shQuote("$(rm -rf)") // "'$(rm -rf)'"
 * ```
 */
export function shQuote(value: string): string {
  if (value.includes("\0")) {
    throw new LatticeworkError("INPUT_INVALID", `[slurm] Value contains a NUL byte and cannot be passed to a shell: ${JSON.stringify(value.slice(0, 60))}`);
  }
  if (value.length > 0 && SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Join argv into one shell command line, each word quoted with {@link shQuote}. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(" ");
}

/** `export NAME=value` lines; names must be valid shell identifiers (rejected otherwise). */
export function shExport(name: string, value: string): string {
  assertEnvName(name);
  return `export ${name}=${shQuote(value)}`;
}

/** Throw a clear error when `name` is not a valid environment variable name. */
export function assertEnvName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new LatticeworkError("INPUT_INVALID", `[slurm] Invalid environment variable name ${JSON.stringify(name)}: use letters, digits and _ (not starting with a digit).`);
  }
}
