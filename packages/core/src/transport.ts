/**
 * How commands reach the machine where a scheduler's clients live: locally (execa) or over SSH.
 * adapter-slurm implements it; it is a core contract so other schedulers and tools can share it.
 */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  /** Text for stdin. */
  stdin?: string;
  /** Working directory on the target machine. */
  cwd?: string;
  /** Environment additions (values are passed safely, never interpolated into a shell line). */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Transport {
  /** e.g. "local" or "ssh://user@host:22". Never contains secrets. */
  readonly id: string;
  /** Run a program with arguments (argv, no shell). A non-zero exit is returned, not thrown. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Write a file (mode default 0600), creating parent directories. */
  writeFile(path: string, data: string | Uint8Array, mode?: number): Promise<void>;
  /** Read a file; undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  mkdirp(path: string, mode?: number): Promise<void>;
  close(): Promise<void>;
}
