import { LatticeworkError } from "@latticework/core";

/**
 * A structure file could not be read or written: names the file, the 1-based line (when known) and
 * what was expected there. Code PARSE_ERROR (reading) or INPUT_INVALID (writing something the format
 * cannot hold).
 */
export class StructureFormatError extends LatticeworkError {
  /** File name (or "<string>" for in-memory text). */
  readonly file: string;
  /** 1-based line number, when the problem is on a line. */
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, message: string, options: { code?: "PARSE_ERROR" | "INPUT_INVALID"; cause?: unknown } = {}) {
    super(options.code ?? "PARSE_ERROR", `${file}${line !== undefined ? `:${line}` : ""}: ${message}`, {
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
      details: { file, ...(line !== undefined ? { line } : {}) },
    });
    this.file = file;
    this.line = line;
  }
}

/** Parse a finite float or throw a {@link StructureFormatError} naming what was expected. */
export function parseFloatStrict(token: string | undefined, file: string, line: number, what: string): number {
  const v = token === undefined ? NaN : Number(token.replace(/[dD]/, "e"));
  if (token === undefined || token === "" || !Number.isFinite(v)) {
    throw new StructureFormatError(file, line, `expected ${what} (a number), got ${token === undefined ? "end of line" : JSON.stringify(token)}`);
  }
  return v;
}

/** Parse a non-negative integer or throw a {@link StructureFormatError}. */
export function parseIntStrict(token: string | undefined, file: string, line: number, what: string): number {
  if (token === undefined || !/^\d+$/.test(token)) {
    throw new StructureFormatError(file, line, `expected ${what} (a non-negative integer), got ${token === undefined ? "end of line" : JSON.stringify(token)}`);
  }
  return Number(token);
}
