import { homedir } from "node:os";
import { posix } from "node:path";
import { LatticeworkError, TransportError, noopLogger, type ExecOptions, type ExecResult, type Logger } from "@latticework/core";
import type { Client, ClientChannel, ConnectConfig, SFTPWrapper } from "ssh2";
import type { ResolvedSshOptions } from "../options.js";
import { shJoin, shQuote, assertEnvName } from "../shell-quote.js";
import { prepareAuth, SshAuthError, ttyPromptHandler, type HopAuthOptions, type PromptHandler } from "./ssh-auth.js";
import { HostKeyError, hostVerifier } from "./host-verifier.js";
import type { SlurmTransport } from "./slurm-transport.js";
import { Semaphore, sleep } from "../util.js";

export type { PromptHandler } from "./ssh-auth.js";
export { SshAuthError, ttyPromptHandler } from "./ssh-auth.js";

/** Extra, non-serialisable parts of the SSH set-up. */
export interface SshHooks {
  onPrompt?: PromptHandler;
  logger?: Logger;
}

export { HostKeyError } from "./host-verifier.js";

type Ssh2Module = typeof import("ssh2");

async function loadSsh2(): Promise<Ssh2Module> {
  try {
    const mod = (await import("ssh2")) as Ssh2Module & { default?: Ssh2Module };
    return mod.default ?? mod;
  } catch (e) {
    throw new TransportError("TRANSPORT_ERROR", "[slurm] The SSH transport needs the `ssh2` package: npm i ssh2", { cause: e });
  }
}

/**
 * SSH transport: ONE connection per host shared by every command, poll and file transfer
 * (a channel semaphore caps concurrent channels; SFTP holds one), keep-alive, reconnect with
 * exponential back-off, host keys verified against known_hosts, keys with passphrases,
 * ssh-agent, a jump host, keyboard-interactive prompts. `ssh2` is imported only on first use.
 */
export class SshTransport implements SlurmTransport {
  readonly id: string;
  connectionCount = 0;
  commandCount = 0;
  readonly #o: ResolvedSshOptions;
  readonly #hooks: SshHooks;
  readonly #log: Logger;
  #client: Client | undefined;
  #jumpClient: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #sftp: Promise<SFTPWrapper> | undefined;
  #closed = false;
  readonly #sem: Semaphore;
  /** Bumped on every new connection; callers use it to notice a reconnect. */
  generation = 0;

  constructor(options: ResolvedSshOptions, hooks: SshHooks = {}) {
    this.#o = options;
    this.#hooks = hooks;
    this.#log = hooks.logger ?? noopLogger;
    this.id = `ssh://${options.username}@${options.host}:${options.port}`;
    this.#sem = new Semaphore(Math.max(1, options.maxChannels - 1));
  }

  /** Connect one hop (jump host or target) and authenticate; rejects with a clear error. */
  async #connectHop(ssh2: Ssh2Module, hop: HopAuthOptions & { knownHosts?: string | string[] | undefined }, extra: Partial<ConnectConfig>, what: string): Promise<Client> {
    const o = this.#o;
    const client = new ssh2.Client();
    const v = await hostVerifier(hop.knownHosts ?? o.knownHosts ?? posix.join(homedir(), ".ssh", "known_hosts"), hop.host, hop.port, o.hostKeyPolicy, this.#log);
    const auth = await prepareAuth(ssh2, hop, () => client, this.#hooks.onPrompt ?? (hop.keyboardInteractive && process.stdin.isTTY ? ttyPromptHandler() : undefined), what);
    await new Promise<void>((resolve, reject) => {
      client.once("ready", () => resolve());
      client.once("error", (e: Error & { level?: string }) => {
        client.end();
        const rejected = v.rejection();
        if (rejected) return reject(rejected);
        if (e.level === "client-authentication" && /authentication methods failed/i.test(e.message)) {
          return reject(new SshAuthError("TRANSPORT_ERROR", auth.explainFailure(), { cause: e, details: { host: `${hop.host}:${hop.port}` } }));
        }
        reject(e);
      });
      client.connect({
        host: hop.host,
        port: hop.port,
        username: hop.username,
        authHandler: auth.authHandler,
        hostVerifier: v.verify,
        readyTimeout: o.readyTimeoutMs,
        keepaliveInterval: o.keepaliveIntervalMs,
        keepaliveCountMax: 3,
        ...extra,
      });
    });
    this.connectionCount++;
    return client;
  }

  async #connectOnce(ssh2: Ssh2Module): Promise<Client> {
    const o = this.#o;
    let sock: ConnectConfig["sock"];
    let jc: Client | undefined;
    if (o.jump) {
      const j = o.jump;
      const jumpId = `ssh://${j.username}@${j.host}:${j.port}`;
      try {
        jc = await this.#connectHop(ssh2, { ...j, knownHosts: j.knownHosts ?? o.knownHosts }, {}, "ssh.jump");
      } catch (e) {
        if (e instanceof LatticeworkError) throw e;
        throw new TransportError("TRANSPORT_ERROR", `[slurm] Cannot reach the jump host ${jumpId}: ${(e as Error).message}. Check ssh.jump.host and ssh.jump.port, and that the jump host is up.`, { cause: e, details: { jump: true } });
      }
      const via = jc;
      try {
        sock = await new Promise((resolve, reject) => via.forwardOut("127.0.0.1", 0, o.host, o.port, (err, stream) => (err ? reject(err) : resolve(stream))));
      } catch (e) {
        via.end();
        throw new TransportError("TRANSPORT_ERROR", `[slurm] The jump host ${jumpId} could not open a connection to ${o.host}:${o.port}: ${(e as Error).message}. Check ssh.host and ssh.port as seen from the jump host (and AllowTcpForwarding there).`, { cause: e, details: { jump: true } });
      }
    }
    try {
      const client = await this.#connectHop(ssh2, o, sock ? { sock } : {}, "ssh");
      if (jc) {
        const j = jc;
        // The target connection lives inside the jump connection: they end together.
        client.on("close", () => j.end());
        j.on("close", () => client.end());
        this.#jumpClient = j;
      }
      return client;
    } catch (e) {
      jc?.end();
      throw e;
    }
  }

  async #connection(): Promise<Client> {
    if (this.#closed) throw new TransportError("TRANSPORT_ERROR", `[slurm] ${this.id} is closed`);
    if (this.#client) return this.#client;
    if (this.#connecting) return this.#connecting;
    this.#connecting = (async () => {
      const ssh2 = await loadSsh2();
      let lastErr: unknown;
      for (let attempt = 1; attempt <= this.#o.connectAttempts; attempt++) {
        try {
          const c = await this.#connectOnce(ssh2);
          const drop = () => {
            if (this.#client === c) {
              this.#client = undefined;
              this.#sftp = undefined;
              this.#log.warn("[slurm] SSH connection closed; will reconnect on next use", { host: this.id });
            }
          };
          c.on("close", drop);
          c.on("error", drop);
          this.#client = c;
          this.generation++;
          return c;
        } catch (e) {
          lastErr = e;
          this.#jumpClient?.end();
          this.#jumpClient = undefined;
          // Wrong keys, passphrases, certificates or host keys: retrying cannot help.
          if (e instanceof HostKeyError || e instanceof SshAuthError) break;
          if (attempt < this.#o.connectAttempts) {
            const delay = Math.min(this.#o.reconnectMaxMs, this.#o.reconnectBaseMs * 2 ** (attempt - 1));
            this.#log.warn("[slurm] SSH connect failed; retrying", { host: this.id, attempt, delayMs: delay, error: String((e as Error)?.message ?? e) });
            await sleep(delay);
          }
        }
      }
      if (lastErr instanceof LatticeworkError) throw lastErr;
      throw new TransportError("TRANSPORT_ERROR", `[slurm] Cannot connect to ${this.id} after ${this.#o.connectAttempts} attempt(s): ${String((lastErr as Error)?.message ?? lastErr)}. Check the host, port, user and key, or that the cluster is reachable.`, { cause: lastErr });
    })();
    try {
      return await this.#connecting;
    } finally {
      this.#connecting = undefined;
    }
  }

  /** Open the connection now (fails fast on bad host keys or credentials). */
  async connect(): Promise<void> {
    await this.#connection();
  }

  /** Drop the current connection (for tests of reconnect); the next operation reconnects. */
  disconnect(): void {
    const c = this.#client;
    this.#client = undefined;
    this.#sftp = undefined;
    c?.end();
    this.#jumpClient?.end();
    this.#jumpClient = undefined;
  }

  /** Destroy the TCP socket abruptly, as a network cut would (fault-injection for tests). */
  simulateNetworkCut(): void {
    const sock = (this.#client as unknown as { _sock?: { destroy(): void } } | undefined)?._sock;
    sock?.destroy();
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new TransportError("TRANSPORT_ERROR", "[slurm] exec called with an empty argv");
    const envWords: string[] = [];
    for (const [k, v] of Object.entries(options.env ?? {})) {
      assertEnvName(k);
      envWords.push(`${k}=${v}`);
    }
    let line = shJoin(envWords.length ? ["env", ...envWords, ...argv] : argv);
    if (options.cwd) line = `cd ${shQuote(options.cwd)} && ${line}`;
    this.commandCount++;
    const release = await this.#sem.acquire();
    try {
      // A channel that could not even be opened ran nothing: safe to reconnect and try again.
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.#execOnce(await this.#connection(), line, argv, options);
        } catch (e) {
          if (attempt >= 2 || !(e instanceof TransportError) || e.details.ambiguous !== false) throw e;
          this.#dropClient();
        }
      }
    } finally {
      release();
    }
  }

  #dropClient(): void {
    const c = this.#client;
    this.#client = undefined;
    this.#sftp = undefined;
    try {
      c?.end();
    } catch {
      /* already gone */
    }
  }

  #execOnce(client: Client, line: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
      return new Promise<ExecResult>((resolve, reject) => {
        const notOpened = (err: Error) => reject(new TransportError("TRANSPORT_ERROR", `[slurm] SSH exec failed on ${this.id}: ${err.message}`, { cause: err, details: { ambiguous: false } }));
        try {
        client.exec(line, (err, stream: ClientChannel) => {
          if (err) return notOpened(err);
          let stdout = "";
          let stderr = "";
          let code: number | null = null;
          let timer: NodeJS.Timeout | undefined;
          const fail = (why: string) => {
            stream.close();
            reject(new TransportError("TRANSPORT_ERROR", `[slurm] ${why}: ${argv[0]}`, { details: { ambiguous: true } }));
          };
          if (options.timeoutMs) timer = setTimeout(() => fail(`Command timed out after ${options.timeoutMs} ms on ${this.id}`), options.timeoutMs);
          options.signal?.addEventListener("abort", () => fail("Command aborted"), { once: true });
          stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
          stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
          stream.on("exit", (c: number | null) => (code = c));
          stream.on("close", () => {
            if (timer) clearTimeout(timer);
            if (code === null) return reject(new TransportError("TRANSPORT_ERROR", `[slurm] SSH connection to ${this.id} closed while running ${argv[0]}`, { details: { ambiguous: true } }));
            resolve({ stdout, stderr, exitCode: code });
          });
          if (options.stdin !== undefined) stream.end(options.stdin);
          else stream.end();
        });
        } catch (e) {
          notOpened(e as Error);
        }
      });
  }

  async #sftpSession(): Promise<SFTPWrapper> {
    const client = await this.#connection();
    if (!this.#sftp) {
      this.#sftp = new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
      this.#sftp.catch(() => (this.#sftp = undefined));
    }
    return this.#sftp;
  }

  async #withSftp<T>(what: string, fn: (s: SFTPWrapper) => Promise<T>): Promise<T> {
    let lastErr: unknown;
    for (let i = 0; i < 2; i++) {
      const s = await this.#sftpSession();
      try {
        return await fn(s);
      } catch (e) {
        lastErr = e;
        // A dropped connection: reconnect once and retry (file ops here are idempotent).
        if (!/No response from server|Not connected|closed|ECONNRESET/i.test(String((e as Error)?.message))) break;
        this.#dropClient();
      }
    }
    throw new TransportError("TRANSPORT_ERROR", `[slurm] SFTP ${what} on ${this.id} failed: ${String((lastErr as Error)?.message ?? lastErr)}`, { cause: lastErr });
  }

  /** Directories known to exist (saves one remote `mkdir -p` per staged file). */
  readonly #dirs = new Set<string>();

  async writeFile(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
    const dir = posix.dirname(path);
    if (!this.#dirs.has(dir)) await this.mkdirp(dir);
    const tmp = `${path}.${Math.random().toString(36).slice(2)}.tmp`;
    await this.#withSftp(`write ${path}`, (s) =>
      new Promise<void>((resolve, reject) =>
        s.writeFile(tmp, typeof data === "string" ? data : Buffer.from(data), { mode }, (err) => {
          if (err) return reject(err);
          s.ext_openssh_rename(tmp, path, (e2) => (e2 ? s.rename(tmp, path, (e3) => (e3 ? reject(e3) : resolve())) : resolve()));
        }),
      ),
    );
  }

  async readFile(path: string): Promise<string | undefined> {
    return this.#withSftp(`read ${path}`, (s) =>
      new Promise<string | undefined>((resolve, reject) =>
        s.readFile(path, (err: (Error & { code?: number }) | null | undefined, buf: Buffer) => {
          if (err) return err.code === 2 ? resolve(undefined) : reject(err);
          resolve(buf.toString("utf8"));
        }),
      ),
    );
  }

  async mkdirp(path: string, mode = 0o700): Promise<void> {
    if (this.#dirs.has(path)) return;
    const r = await this.exec(["mkdir", "-p", "-m", mode.toString(8), "--", path]);
    if (r.exitCode !== 0) throw new TransportError("TRANSPORT_ERROR", `[slurm] Cannot create ${path} on ${this.id}: ${r.stderr.trim()}`);
    this.#dirs.add(path);
  }

  async list(dir: string): Promise<string[]> {
    return this.#withSftp(`list ${dir}`, (s) =>
      new Promise<string[]>((resolve, reject) =>
        s.readdir(dir, (err: (Error & { code?: number }) | undefined, entries) => {
          if (err) return err.code === 2 ? resolve([]) : reject(err);
          resolve(entries.map((e) => e.filename));
        }),
      ),
    );
  }

  async rename(from: string, to: string): Promise<boolean> {
    return this.#withSftp(`rename ${from}`, (s) =>
      new Promise<boolean>((resolve, reject) =>
        s.ext_openssh_rename(from, to, (err: (Error & { code?: number }) | null | undefined) => {
          if (err) return err.code === 2 ? resolve(false) : reject(err);
          resolve(true);
        }),
      ),
    );
  }

  async remove(path: string): Promise<void> {
    await this.exec(["rm", "-rf", "--", path]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.disconnect();
  }
}
