import { LatticeworkError } from "@latticework/core";

/**
 * Bad structural input (atoms, cells, element symbols, neighbour-list arguments): code INPUT_INVALID.
 * The message names the offending value and what to fix. It is also a RangeError-like failure for
 * callers that only check `instanceof Error`.
 */
export class InputError extends LatticeworkError {
  /** @param message what is wrong and what to do */
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("INPUT_INVALID", message, { details });
  }
}
