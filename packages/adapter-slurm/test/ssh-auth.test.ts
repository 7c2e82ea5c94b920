import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { SshOptionsSchema } from "../src/options.js";
import { SshTransport, SshAuthError } from "../src/transports/ssh-transport.js";
import { SlurmExecutor } from "../src/slurm-executor.js";
import { context, scratch, task, testbedAvailable, waitFor } from "./helpers.js";

// Certificates, jump host, keyboard-interactive and credential errors against the testbed's REAL sshd
// (127.0.0.1:2222 plain; 127.0.0.1:2223 trusts the testbed user CA and asks lwmfa for key + password).
const enabled = testbedAvailable();
const env = process.env;

const base = () => ({
  host: env.LATTICEWORK_TESTBED_SSH_HOST!,
  username: env.LATTICEWORK_TESTBED_SSH_USER!,
  knownHosts: env.LATTICEWORK_TESTBED_SSH_KNOWN_HOSTS!,
  connectAttempts: 3,
  reconnectBaseMs: 50,
});
const port1 = () => Number(env.LATTICEWORK_TESTBED_SSH_PORT);
const port2 = () => Number(env.LATTICEWORK_TESTBED_SSH2_PORT);
const make = (o: Record<string, unknown>, hooks = {}) => new SshTransport(SshOptionsSchema.parse({ ...base(), ...o }), hooks);

/** Sign `pub` with the testbed user CA (extra ssh-keygen options such as -V and -n). */
function sign(pub: string, extra: string[]): string {
  execFileSync("ssh-keygen", ["-q", "-s", env.LATTICEWORK_TESTBED_SSH_USER_CA!, "-I", "lw-test", ...extra, pub], { stdio: "ignore" });
  return pub.replace(/\.pub$/, "-cert.pub");
}

function newKey(dir: string, name: string, type = "ed25519"): string {
  const p = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", p]);
  return p;
}

async function expectAuthError(t: SshTransport, re: RegExp): Promise<void> {
  await expect(t.exec(["true"])).rejects.toSatisfy((e: unknown) => {
    if (!(e instanceof SshAuthError)) throw e;
    if (!re.test((e as Error).message)) throw new Error(`message did not match ${re}: ${(e as Error).message}`);
    return true;
  });
  expect(t.connectionCount).toBe(0);
  await t.close();
}

describe.runIf(enabled)("OpenSSH user certificates (real sshd with TrustedUserCAKeys)", () => {
  const dir = scratch("lw sshcert");

  it("logs in with <key>-cert.pub found next to the key (the key alone is not authorized)", async () => {
    const t = make({ port: port2(), privateKeyPath: env.LATTICEWORK_TESTBED_SSH_CERT_KEY });
    const r = await t.exec(["sh", "-c", 'echo "$(id -un) $SLURM_CONF"']);
    expect(r.stdout.trim()).toBe(`root ${env.SLURM_CONF}`);
    expect(t.connectionCount).toBe(1);
    await t.close();
    // Same private key without its certificate: refused by the same server.
    const bare = join(dir, "bare");
    copyFileSync(env.LATTICEWORK_TESTBED_SSH_CERT_KEY!, bare);
    await expectAuthError(make({ port: port2(), privateKeyPath: bare }), /authentication to root@127\.0\.0\.1:2223 failed.*key .*bare.*authorized_keys/);
  });

  it.each(["ecdsa", "rsa"])("also works with %s keys (explicit certificatePath)", async (type) => {
    const key = newKey(dir, `id_${type}`, type);
    const cert = sign(`${key}.pub`, ["-n", "root", "-V", "-5m:+1h"]);
    const moved = join(dir, `${type}.cert`);
    copyFileSync(cert, moved);
    const t = make({ port: port2(), privateKeyPath: key, certificatePath: moved });
    expect((await t.exec(["id", "-un"])).stdout.trim()).toBe("root");
    await t.close();
  });

  it("an expired certificate is refused by sshd, and the error says it expired", async () => {
    const key = newKey(dir, "id_expired");
    sign(`${key}.pub`, ["-n", "root", "-V", "20200101:20200102"]);
    const t = make({ port: port2(), privateKeyPath: key });
    await expectAuthError(t, /Certificate refused: the certificate EXPIRED at 2020-01-0/);
  });

  it("a certificate for another principal is refused, naming the principals", async () => {
    const key = newKey(dir, "id_alice");
    sign(`${key}.pub`, ["-n", "alice,bob", "-V", "-5m:+1h"]);
    await expectAuthError(make({ port: port2(), privateKeyPath: key }), /principals \[alice, bob\] do not include the login user "root"/);
  });

  it("a certificate signed by an untrusted CA is refused with a hint about TrustedUserCAKeys", async () => {
    const ca = newKey(dir, "rogue_ca");
    const key = newKey(dir, "id_rogue");
    execFileSync("ssh-keygen", ["-q", "-s", ca, "-I", "rogue", "-n", "root", `${key}.pub`], { stdio: "ignore" });
    await expectAuthError(make({ port: port2(), privateKeyPath: key }), /TrustedUserCAKeys/);
  });

  it("a certificate of a different key, or a file that is not a certificate, is a config error before connecting", async () => {
    const other = newKey(dir, "id_other");
    const t = make({ port: port2(), privateKeyPath: env.LATTICEWORK_TESTBED_SSH_CERT_KEY, certificatePath: sign(`${other}.pub`, ["-n", "root"]) });
    await expect(t.exec(["true"])).rejects.toThrow(/was not issued for this private key.*certificatePath/);
    const u = make({ port: port2(), privateKeyPath: other, certificatePath: `${other}.pub` });
    await expect(u.exec(["true"])).rejects.toThrow(/not an OpenSSH certificate/);
    await Promise.all([t.close(), u.close()]);
  });
});

describe.runIf(enabled)("jump host (ProxyJump) through the real sshd", () => {
  const root = scratch("lw sshjump");
  const jump = () => ({ host: env.LATTICEWORK_TESTBED_SSH_HOST!, port: port1(), username: "root", privateKeyPath: env.LATTICEWORK_TESTBED_SSH_KEY! });
  const target = () => ({ port: port2(), privateKeyPath: env.LATTICEWORK_TESTBED_SSH_CERT_KEY! });

  it("reaches the target through the jump host (both host keys verified; certificate on the target)", async () => {
    const t = make({ ...target(), jump: jump() });
    const r = await t.exec(["sh", "-c", "echo $SSH_CONNECTION"]);
    // The target sees the connection coming from the jump host's forwarding, to port 2223.
    expect(r.stdout.trim().split(" ")[3]).toBe(String(port2()));
    expect(t.connectionCount).toBe(2);
    await t.exec(["true"]);
    expect(t.connectionCount).toBe(2);
    // A cut inside the tunnel: both hops are reopened on next use.
    t.simulateNetworkCut();
    await waitFor(async () => (await t.exec(["echo", "back"]).then((r) => r.stdout.trim() === "back").catch(() => false)), 20_000, "reconnect through the jump host");
    expect(t.connectionCount).toBe(4);
    await t.close();
  });

  it("an unreachable jump host gives a clear error naming the jump host", async () => {
    const t = make({ ...target(), jump: { ...jump(), port: 1 }, connectAttempts: 2 });
    await expect(t.exec(["true"])).rejects.toThrow(/Cannot reach the jump host ssh:\/\/root@127\.0\.0\.1:1: .*ECONNREFUSED.*ssh\.jump\.host/);
    await t.close();
  });

  it("the jump host's key is verified too (own known_hosts)", async () => {
    const empty = join(root, "empty_known_hosts");
    writeFileSync(empty, "");
    const t = make({ ...target(), jump: { ...jump(), knownHosts: empty } });
    await expect(t.exec(["true"])).rejects.toSatisfy((e: unknown) => LatticeworkError.is(e, "HOST_KEY_REJECTED") && /\[127\.0\.0\.1\]:2222 .*is not in/.test((e as Error).message));
    await t.close();
  });

  it("a target the jump host cannot reach is reported as such", async () => {
    const t = make({ ...target(), port: 1, jump: jump(), connectAttempts: 1 });
    await expect(t.exec(["true"])).rejects.toThrow(/jump host ssh:\/\/root@127\.0\.0\.1:2222 could not open a connection to 127\.0\.0\.1:1/);
    await t.close();
  });

  it("per-job SLURM executor runs real jobs through the jump host", async () => {
    const ex = new SlurmExecutor({ ssh: { ...base(), ...target(), jump: jump() }, remote: { workRoot: join(root, "remote root") }, commandEnv: { SLURM_CONF: env.SLURM_CONF! }, pollMs: 500 }, "sshjump");
    await ex.start(context(root));
    const subs = [await ex.submit(task("slurmtest.add", { a: 20, b: 22 }, root), new AbortController().signal), await ex.submit(task("slurmtest.boom", { message: "jumped boom" }, root), new AbortController().signal)];
    const outs = await Promise.all(subs.map((s) => s.outcome));
    expect(outs[0]).toMatchObject({ state: "completed", output: { sum: 42 } });
    expect(outs[1]).toMatchObject({ state: "failed", error: { message: expect.stringContaining("jumped boom") } });
    expect(ex.commands.sbatchCalls).toBe(2);
    expect((ex.commands.transport as SshTransport).connectionCount).toBe(2);
    await ex.dispose();
  });
});

describe.runIf(enabled)("keyboard-interactive (PAM, key + password) on the real sshd", () => {
  const password = () => readFileSync(env.LATTICEWORK_TESTBED_MFA_PASSWORD_FILE!, "utf8").trim();
  const mfa = () => ({ port: port2(), username: env.LATTICEWORK_TESTBED_MFA_USER!, privateKeyPath: env.LATTICEWORK_TESTBED_SSH_KEY! });

  it("asks once per connection; later commands reuse it; a reconnect asks again", async () => {
    const asked: string[][] = [];
    const t = make({ ...mfa(), keyboardInteractive: true }, {
      onPrompt: async (prompts: { prompt: string; echo: boolean }[]) => {
        asked.push(prompts.map((p) => `${p.prompt}|${p.echo}`));
        return prompts.map(() => password());
      },
    });
    expect((await t.exec(["id", "-un"])).stdout.trim()).toBe("lwmfa");
    const many = await Promise.all(Array.from({ length: 10 }, (_, i) => t.exec(["echo", String(i)])));
    expect(many.map((m) => m.stdout.trim())).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(asked).toEqual([["Password: |false"]]);
    expect(t.connectionCount).toBe(1);
    t.simulateNetworkCut();
    await waitFor(async () => (await t.exec(["echo", "again"]).then((r) => r.stdout.trim() === "again").catch(() => false)), 20_000, "reconnect");
    expect(asked.length).toBe(2);
    expect(t.connectionCount).toBe(2);
    await t.close();
  });

  it("with no onPrompt, asks on the terminal once (hidden input) and reuses the connection", async () => {
    const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    if (!existsSync(dist)) throw new Error(`build adapter-slurm first (npx tsc -p packages/adapter-slurm/tsconfig.build.json): ${dist} is missing`);
    const dir = scratch("lw sshtty");
    const script = join(dir, "tty.mjs");
    writeFileSync(
      script,
      `const { SshTransport, SshOptionsSchema } = await import(${JSON.stringify(pathToFileURL(dist).href)});
const t = new SshTransport(SshOptionsSchema.parse(${JSON.stringify({ ...base(), ...mfa(), keyboardInteractive: true, connectAttempts: 1 })}));
const a = await t.exec(["id", "-un"]);
const b = await t.exec(["echo", "second"]);
console.log("RESULT " + a.stdout.trim() + " " + b.stdout.trim() + " connections=" + t.connectionCount);
await t.close();
`,
    );
    // `script` gives the child a real pseudo-terminal; the password is typed once after the prompt shows.
    const child = spawn("script", ["-qec", `${process.execPath} ${JSON.stringify(script)}`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Password:") && !child.stdin!.writableEnded) child.stdin!.end(`${password()}\n`);
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(out).toContain("[127.0.0.1] Password:");
    expect(out).toContain("RESULT lwmfa second connections=1");
    expect(out.match(/Password:/g)?.length).toBe(1);
    expect(out).not.toContain(password());
    expect(code).toBe(0);
  });

  it("keyboardInteractive with no hook and no terminal says how to answer", async () => {
    expect(process.stdin.isTTY).toBeFalsy();
    await expectAuthError(make({ ...mfa(), keyboardInteractive: true }), /no onPrompt handler was given \(pass hooks\.onPrompt, or run from a terminal\)/);
  });

  it("without keyboardInteractive the error says the server wants MFA after the key", async () => {
    await expectAuthError(make(mfa()), /requires keyboard-interactive \(MFA\): set ssh\.keyboardInteractive: true/);
  });

  it("a wrong answer is refused and said so (not retried)", async () => {
    let n = 0;
    const t = make({ ...mfa(), keyboardInteractive: true }, { onPrompt: async (p: unknown[]) => (n++, p.map(() => "wrong")) });
    await expectAuthError(t, /answers to the keyboard-interactive prompts were refused/);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(3); // sshd's own retries inside ONE connection, never our reconnects
  });
});

describe.runIf(enabled)("credential errors name what to fix", () => {
  const dir = scratch("lw sshcred");
  let agent: ChildProcess | undefined;
  afterAll(() => void agent?.kill());

  it("encrypted key: no passphrase, wrong passphrase, right passphrase", async () => {
    const key = join(dir, "enc key");
    copyFileSync(env.LATTICEWORK_TESTBED_SSH_KEY!, key);
    execFileSync("ssh-keygen", ["-q", "-p", "-N", "s3cret pass", "-f", key]);
    const o = { port: port1(), privateKeyPath: key };
    await expectAuthError(make(o), /enc key is encrypted: give its passphrase with ssh\.passphraseEnv/);
    process.env.LW_TEST_PASSPHRASE = "nope";
    await expectAuthError(make({ ...o, passphraseEnv: "LW_TEST_PASSPHRASE" }), /Wrong passphrase for SSH private key .*enc key \(from \$LW_TEST_PASSPHRASE\)/);
    await expectAuthError(make({ ...o, passphraseEnv: "LW_TEST_UNSET_VAR" }), /LW_TEST_UNSET_VAR, but that environment variable is not set/);
    process.env.LW_TEST_PASSPHRASE = "s3cret pass";
    const t = make({ ...o, passphraseEnv: "LW_TEST_PASSPHRASE" });
    expect((await t.exec(["echo", "ok"])).stdout.trim()).toBe("ok");
    await t.close();
    delete process.env.LW_TEST_PASSPHRASE;
  });

  describe("ssh-agent", () => {
    const sock = join(dir, "agent.sock");
    beforeAll(async () => {
      agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
      await waitFor(() => existsSync(sock), 10_000, "ssh-agent socket");
    });

    it("an agent with no keys, or no agent at all, is a clear error; with a key it logs in", async () => {
      await expectAuthError(make({ port: port1(), agent: sock }), /ssh-agent at .*agent\.sock holds no keys: add one with `ssh-add/);
      await expectAuthError(make({ port: port1(), agent: join(dir, "missing.sock") }), /Cannot talk to ssh-agent at .*missing\.sock.*Is the agent running/);
      execFileSync("ssh-add", ["-q", env.LATTICEWORK_TESTBED_SSH_KEY!], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: "ignore" });
      const t = make({ port: port1(), agent: sock });
      expect((await t.exec(["echo", "agent ok"])).stdout.trim()).toBe("agent ok");
      await t.close();
    });
  });
});
