import type { Transport } from "@latticework/core";

/**
 * core's Transport plus the few directory operations the pilot's shared-filesystem queue needs.
 * Both transports of this package implement it.
 */
export interface SlurmTransport extends Transport {
  /** Entry names in a directory ([] when it does not exist). */
  list(dir: string): Promise<string[]>;
  /** Atomic rename; false when `from` does not exist (someone else took it). */
  rename(from: string, to: string): Promise<boolean>;
  /** Remove a file or directory tree; no error when absent. */
  remove(path: string): Promise<void>;
  /** Connections opened so far (SSH); 0 for local. */
  readonly connectionCount: number;
  /** Commands run so far. */
  readonly commandCount: number;
}
