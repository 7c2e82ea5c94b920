import { mkdir, readFile, readdir, rename, rm, writeFile, chmod } from "node:fs/promises";
import { dirname } from "node:path";
import { TransportError, type ExecOptions, type ExecResult } from "@latticework/core";
import type { SlurmTransport } from "./slurm-transport.js";

/**
 * Runs SLURM's client commands on this machine (a login node), with execa: argv only, never a
 * shell. Files are plain local files.
 *
 * @example
 * ```ts
 * const t = new LocalTransport();
 * const { stdout } = await t.exec(["squeue", "--me"]);
 * ```
 */
export class LocalTransport implements SlurmTransport {
  readonly id = "local";
  /** Commands run so far (for diagnostics and benches). */
  commandCount = 0;
  readonly connectionCount = 0;
  readonly #env: Readonly<Record<string, string>>;

  constructor(options: { env?: Readonly<Record<string, string>> } = {}) {
    this.#env = Object.freeze({ ...(options.env ?? {}) });
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    if (!file) throw new TransportError("TRANSPORT_ERROR", "[slurm] exec called with an empty argv");
    this.commandCount++;
    const { execa } = await import("execa");
    const r = await execa(file, args, {
      reject: false,
      stripFinalNewline: false,
      ...(options.stdin !== undefined ? { input: options.stdin } : { stdin: "ignore" as const }),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: { ...this.#env, ...(options.env ?? {}) },
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    if (r.exitCode === undefined) {
      const code = (r as { code?: string }).code;
      if (code === "ENOENT") return { stdout: "", stderr: `${file}: command not found`, exitCode: 127 };
      if (r.timedOut) throw new TransportError("TRANSPORT_ERROR", `[slurm] Command timed out after ${options.timeoutMs} ms: ${file}`);
      if (r.isCanceled) throw new TransportError("TRANSPORT_ERROR", `[slurm] Command aborted: ${file}`);
      return { stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? r.message), exitCode: r.signal ? 128 : 1 };
    }
    return { stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), exitCode: r.exitCode };
  }

  async writeFile(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, data, { mode });
    await chmod(tmp, mode);
    await rename(tmp, path);
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new TransportError("TRANSPORT_ERROR", `[slurm] Cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  async mkdirp(path: string, mode = 0o700): Promise<void> {
    await mkdir(path, { recursive: true, mode });
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new TransportError("TRANSPORT_ERROR", `[slurm] Cannot list ${dir}: ${(e as Error).message}`, { cause: e });
    }
  }

  async rename(from: string, to: string): Promise<boolean> {
    try {
      await rename(from, to);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw new TransportError("TRANSPORT_ERROR", `[slurm] Cannot rename ${from}: ${(e as Error).message}`, { cause: e });
    }
  }

  async remove(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}
