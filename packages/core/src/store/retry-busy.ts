import { StoreError } from "../errors.js";
import { corruptError, isBusyError, isCorruptionError } from "./sqlite-file.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run `fn`, retrying while SQLite reports SQLITE_BUSY/LOCKED (another process holds the lock),
 * with exponential back-off (5 ms doubling to 200 ms) and jitter, for at most `maxWaitMs`.
 * Corruption errors become STORE_CORRUPT; other errors propagate unchanged.
 */
export async function retryBusy<T>(fn: () => T, opts: { path: string; what: string; maxWaitMs: number; onRetry?: () => void }): Promise<T> {
  const start = Date.now();
  let delay = 5;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (isCorruptionError(err)) throw corruptError(opts.path, (err as Error).message, err);
      if (!isBusyError(err)) throw err;
      const waited = Date.now() - start;
      if (waited > opts.maxWaitMs) {
        throw new StoreError(
          "STORE_ERROR",
          `The store ${opts.path} stayed locked by another process for ${Math.round(waited / 1000)} s while ${opts.what}. Check for a hung latticework process (\`fuser ${opts.path}\`), or raise \`maxBusyWaitMs\`.`,
          { cause: err },
        );
      }
      opts.onRetry?.();
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 200);
    }
  }
}
