import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { TransportError } from "@latticework/core";
import type { AuthHandlerMiddleware, AuthenticationType, Client } from "ssh2";
import { certificateKey, certificateProblem, describeCertificate, parseCertificate, type SshCertificate } from "./ssh-cert.js";

type Ssh2Module = typeof import("ssh2");

/** Answers keyboard-interactive prompts (MFA). Called once per (re)connect whose server asks. */
export type PromptHandler = (prompts: { prompt: string; echo: boolean }[], info: { host: string; name: string; instructions: string }) => Promise<string[]>;

/** Authentication failed for a reason retrying cannot fix (bad key, passphrase, certificate, agent, answers). */
export class SshAuthError extends TransportError {}

/** Credentials of one SSH hop (the target host or the jump host). */
export interface HopAuthOptions {
  host: string;
  port: number;
  username: string;
  privateKeyPath?: string | undefined;
  passphrase?: string | undefined;
  passphraseEnv?: string | undefined;
  /** Certificate file; default `<privateKeyPath>-cert.pub` when that file exists (as OpenSSH does). */
  certificatePath?: string | undefined;
  useAgent: boolean;
  agent?: string | undefined;
  keyboardInteractive?: boolean | undefined;
}

/** What `prepareAuth` returns: an ssh2 authHandler plus what to say when the server refuses everything. */
export interface PreparedAuth {
  authHandler: AuthHandlerMiddleware;
  /** The message for "All configured authentication methods failed", naming what to fix. */
  explainFailure(): string;
}

const label = (o: HopAuthOptions) => `${o.username}@${o.host}:${o.port}`;

async function loadPrivateKey(ssh2: Ssh2Module, o: HopAuthOptions, path: string) {
  const data = await readFile(path).catch((e: unknown) => {
    throw new SshAuthError("CONFIG_INVALID", `[slurm] Cannot read SSH private key ${path} (${label(o)}): ${(e as Error).message}. Check ssh.privateKeyPath.`);
  });
  let pass = o.passphrase;
  if (pass === undefined && o.passphraseEnv) {
    pass = process.env[o.passphraseEnv];
    if (pass === undefined) throw new SshAuthError("CONFIG_INVALID", `[slurm] ssh.passphraseEnv names ${o.passphraseEnv}, but that environment variable is not set (passphrase of ${path}).`);
  }
  const key = ssh2.utils.parseKey(data, pass);
  const parsed = Array.isArray(key) ? key[0] : key;
  if (parsed instanceof Error || !parsed) {
    const msg = String((parsed as Error | undefined)?.message ?? "no key found");
    if (/no passphrase given/i.test(msg)) throw new SshAuthError("CONFIG_INVALID", `[slurm] SSH private key ${path} is encrypted: give its passphrase with ssh.passphraseEnv (the name of an environment variable holding it), or load the key into ssh-agent and set ssh.useAgent.`);
    if (/passphrase|decrypt|integrity/i.test(msg)) throw new SshAuthError("CONFIG_INVALID", `[slurm] Wrong passphrase for SSH private key ${path} (from ${o.passphraseEnv ? `$${o.passphraseEnv}` : "ssh.passphrase"}): ${msg}. Fix the passphrase.`);
    throw new SshAuthError("CONFIG_INVALID", `[slurm] Cannot parse SSH private key ${path}: ${msg}. Use an OpenSSH or PEM private key (not the .pub file).`);
  }
  return parsed;
}

async function agentIdentities(ssh2: Ssh2Module, sock: string): Promise<number> {
  const agent = new ssh2.OpenSSHAgent(sock);
  return new Promise((resolve, reject) =>
    agent.getIdentities((err, keys) => (err ? reject(err) : resolve(keys?.length ?? 0))),
  );
}

/**
 * Read keys and certificates and check the agent before connecting, so that mistakes surface as clear,
 * non-retried errors; returns the ordered authentication methods (certificate, key, agent,
 * keyboard-interactive) as an ssh2 authHandler that follows the server's remaining methods (partial
 * success, e.g. `AuthenticationMethods publickey,keyboard-interactive`).
 */
export async function prepareAuth(ssh2: Ssh2Module, o: HopAuthOptions, client: () => Client, onPrompt: PromptHandler | undefined, what = "ssh"): Promise<PreparedAuth> {
  const methods: { type: AuthenticationType; make: () => unknown; describe: string }[] = [];
  let cert: SshCertificate | undefined;
  let certPath: string | undefined;
  if (o.privateKeyPath) {
    const priv = await loadPrivateKey(ssh2, o, o.privateKeyPath);
    certPath = o.certificatePath ?? (existsSync(`${o.privateKeyPath}-cert.pub`) ? `${o.privateKeyPath}-cert.pub` : undefined);
    if (certPath) {
      const text = await readFile(certPath, "utf8").catch((e: unknown) => {
        throw new SshAuthError("CONFIG_INVALID", `[slurm] Cannot read SSH certificate ${certPath}: ${(e as Error).message}. Check ${what}.certificatePath.`);
      });
      let key;
      try {
        cert = parseCertificate(text);
        key = certificateKey(priv as never, cert, client);
      } catch (e) {
        throw new SshAuthError("CONFIG_INVALID", `[slurm] SSH certificate ${certPath}: ${(e as Error).message}. Check ${what}.certificatePath and ${what}.privateKeyPath.`);
      }
      methods.push({ type: "publickey", make: () => ({ type: "publickey", username: o.username, key }), describe: `certificate ${certPath} (${describeCertificate(cert)})` });
    }
    methods.push({ type: "publickey", make: () => ({ type: "publickey", username: o.username, key: priv }), describe: `key ${o.privateKeyPath}` });
  }
  if (o.useAgent || o.agent) {
    const sock = o.agent ?? process.env.SSH_AUTH_SOCK;
    if (!sock) throw new SshAuthError("CONFIG_INVALID", `[slurm] ${what}.useAgent is set but SSH_AUTH_SOCK is empty: start ssh-agent (eval $(ssh-agent)) and ssh-add your key, or set ${what}.agent to the agent's socket.`);
    let n: number;
    try {
      n = await agentIdentities(ssh2, sock);
    } catch (e) {
      throw new SshAuthError("CONFIG_INVALID", `[slurm] Cannot talk to ssh-agent at ${sock}: ${(e as Error).message}. Is the agent running? Check SSH_AUTH_SOCK or ${what}.agent.`);
    }
    if (n === 0 && methods.length === 0 && !o.keyboardInteractive) throw new SshAuthError("CONFIG_INVALID", `[slurm] ssh-agent at ${sock} holds no keys: add one with \`ssh-add <private key>\`, or set ${what}.privateKeyPath.`);
    if (n > 0) methods.push({ type: "agent", make: () => ({ type: "agent", username: o.username, agent: sock }), describe: `ssh-agent ${sock} (${n} key(s))` });
  }
  let prompted = 0;
  let promptFailure: string | undefined;
  if (o.keyboardInteractive) {
    const prompt = (name: string, instructions: string, _lang: string, prompts: { prompt: string; echo?: boolean }[], finish: (answers: string[]) => void) => {
      if (!onPrompt) {
        promptFailure = "the server asked keyboard-interactive questions but no onPrompt handler was given (pass hooks.onPrompt, or run from a terminal)";
        return finish(prompts.map(() => ""));
      }
      prompted++;
      onPrompt(prompts.map((p) => ({ prompt: p.prompt, echo: p.echo ?? false })), { host: o.host, name, instructions })
        .then((answers) => finish(answers))
        .catch((e: unknown) => {
          promptFailure = `the onPrompt handler failed: ${(e as Error)?.message ?? e}`;
          finish(prompts.map(() => ""));
        });
    };
    methods.push({ type: "keyboard-interactive", make: () => ({ type: "keyboard-interactive", username: o.username, prompt }), describe: "keyboard-interactive" });
  }
  if (methods.length === 0) throw new SshAuthError("CONFIG_INVALID", `[slurm] No SSH credentials for ${label(o)}: set ${what}.privateKeyPath, ${what}.useAgent or ${what}.keyboardInteractive.`);

  let next = 0;
  let serverMethods: string[] | null = null;
  let partial = false;
  const authHandler: AuthHandlerMiddleware = (methodsLeft, partialSuccess) => {
    if (methodsLeft) serverMethods = methodsLeft;
    if (partialSuccess) partial = true;
    while (next < methods.length) {
      const m = methods[next++]!;
      const serverName = m.type === "agent" ? "publickey" : m.type;
      if (!methodsLeft || methodsLeft.includes(serverName)) return m.make() as never;
    }
    return false;
  };
  const explainFailure = (): string => {
    const tried = methods.map((m) => m.describe).join("; ");
    const hints: string[] = [];
    if (cert) {
      const p = certificateProblem(cert, o.username);
      hints.push(p ? `Certificate refused: ${p}.` : "The certificate was refused: check that the server trusts its CA (TrustedUserCAKeys) and accepts its principals.");
    }
    const left = serverMethods as string[] | null;
    if (partial && left?.includes("keyboard-interactive") && !o.keyboardInteractive) hints.push(`The server accepted the key but also requires keyboard-interactive (MFA): set ${what}.keyboardInteractive: true and answer the prompts (onPrompt, or from the terminal).`);
    else if (o.keyboardInteractive && promptFailure) hints.push(`Keyboard-interactive failed: ${promptFailure}.`);
    else if (o.keyboardInteractive && prompted > 0) hints.push("The answers to the keyboard-interactive prompts were refused (wrong password or code?).");
    else if (left && !left.some((m) => methods.some((x) => (x.type === "agent" ? "publickey" : x.type) === m))) hints.push(`The server accepts only [${left.join(", ")}]; none of the configured credentials can do that.`);
    if (!cert && hints.length === 0) hints.push(`Check ${what}.username and that the key is in the server's authorized_keys.`);
    return `[slurm] SSH authentication to ${label(o)} failed (tried: ${tried}${left ? `; the server offers: ${left.join(", ")}` : ""}). ${hints.join(" ")}`;
  };
  return { authHandler, explainFailure };
}

/**
 * A PromptHandler that asks on the controlling terminal (hidden input for non-echo prompts), for CLI
 * use. Rejects when there is no terminal.
 */
export function ttyPromptHandler(): PromptHandler {
  return async (prompts, info) => {
    if (!process.stdin.isTTY) throw new Error("no terminal to ask keyboard-interactive questions on");
    const { createInterface } = await import("node:readline");
    const answers: string[] = [];
    if (info.instructions) process.stderr.write(`${info.instructions}\n`);
    for (const p of prompts) {
      let muted = false;
      const rl = createInterface({
        input: process.stdin,
        output: new (await import("node:stream")).Writable({
          write(chunk, _enc, cb) {
            if (!muted) process.stderr.write(chunk);
            cb();
          },
        }),
        terminal: true,
      });
      const answer = await new Promise<string>((resolve) => {
        rl.question(`[${info.host}] ${p.prompt}`, resolve);
        muted = !p.echo;
      });
      rl.close();
      if (!p.echo) process.stderr.write("\n");
      answers.push(answer);
    }
    return answers;
  };
}
