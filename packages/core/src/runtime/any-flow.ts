import type { Flow } from "../flow.js";

/** A flow of any input/output type (Flow is invariant in its output because of `summary`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFlow = Flow<any, any>;
