import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { SshOptionsSchema } from "../src/options.js";
import { SshTransport } from "../src/transports/ssh-transport.js";
import { SlurmExecutor } from "../src/slurm-executor.js";
import { SlurmPilotExecutor } from "../src/pilot/pilot-executor.js";
import { context, scratch, task, testbedAvailable } from "./helpers.js";

const enabled = testbedAvailable();
const env = process.env;

function sshOpts(extra: Record<string, unknown> = {}) {
  return {
    host: env.LATTICEWORK_TESTBED_SSH_HOST!,
    port: Number(env.LATTICEWORK_TESTBED_SSH_PORT),
    username: env.LATTICEWORK_TESTBED_SSH_USER!,
    privateKeyPath: env.LATTICEWORK_TESTBED_SSH_KEY!,
    knownHosts: env.LATTICEWORK_TESTBED_SSH_KNOWN_HOSTS!,
    ...extra,
  };
}

describe.runIf(enabled)("SSH transport against the testbed's sshd", () => {
  const root = scratch("lw ssh");
  let t: SshTransport;
  beforeAll(() => {
    t = new SshTransport(SshOptionsSchema.parse(sshOpts()));
  });
  afterAll(() => t.close());

  it("runs argv with nasty words over one connection, never through an unquoted shell", async () => {
    const words = ["a b", "it's", "$(touch /tmp/lw-pwned)", "`id`", "x\ny", ";", "*"];
    const r = await t.exec(["printf", "[%s]", ...words]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(words.map((w) => `[${w}]`).join(""));
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => t.exec(["echo", String(i)], { env: { X: "y z" } })));
    expect(many.map((m) => m.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(t.connectionCount).toBe(1);
    const fail = await t.exec(["sh", "-c", "exit 5"]);
    expect(fail.exitCode).toBe(5);
  });

  it("stages files with SFTP (0600), lists, renames, reads missing as undefined", async () => {
    const p = join(root, "sub dir", "f.json");
    await t.writeFile(p, '{"a":1}');
    expect(await t.readFile(p)).toBe('{"a":1}');
    expect((await t.exec(["stat", "-c", "%a", p])).stdout.trim()).toBe("600");
    expect(await t.list(join(root, "sub dir"))).toContain("f.json");
    expect(await t.rename(p, `${p}.2`)).toBe(true);
    expect(await t.rename(p, `${p}.3`)).toBe(false);
    expect(await t.readFile(p)).toBeUndefined();
  });

  it("refuses an unknown host key, showing its SHA256 fingerprint", async () => {
    const empty = join(root, "known_hosts_empty");
    writeFileSync(empty, "");
    const u = new SshTransport(SshOptionsSchema.parse(sshOpts({ knownHosts: empty, connectAttempts: 3 })));
    const expected = execFileSync("ssh-keygen", ["-lf", env.LATTICEWORK_TESTBED_SSH_HOST_KEY!]).toString().split(" ")[1]!;
    await expect(u.exec(["true"])).rejects.toSatisfy((e: unknown) => LatticeworkError.is(e, "HOST_KEY_REJECTED") && (e as Error).message.includes(expected) && /not in/.test((e as Error).message));
    expect(u.connectionCount).toBe(0);
    await u.close();
  });

  it("refuses a changed host key", async () => {
    const other = join(root, "known_hosts_other");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(root, "otherkey")]);
    const pub = readFileSync(join(root, "otherkey.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    writeFileSync(other, `[${env.LATTICEWORK_TESTBED_SSH_HOST}]:${env.LATTICEWORK_TESTBED_SSH_PORT} ${pub}\n`);
    const u = new SshTransport(SshOptionsSchema.parse(sshOpts({ knownHosts: other })));
    await expect(u.exec(["true"])).rejects.toThrow(/DOES NOT MATCH/);
    await u.close();
  });

  it("accepts a new key only with hostKeyPolicy accept-new, and records it", async () => {
    const fresh = join(root, "known_hosts_fresh");
    writeFileSync(fresh, "");
    const u = new SshTransport(SshOptionsSchema.parse(sshOpts({ knownHosts: fresh, hostKeyPolicy: "accept-new" })));
    expect((await u.exec(["echo", "ok"])).stdout.trim()).toBe("ok");
    await u.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(fresh, "utf8")).toContain("ssh-ed25519");
  });

  it("gives a clear error for an unreachable host after the configured attempts", async () => {
    const u = new SshTransport(SshOptionsSchema.parse(sshOpts({ port: 1, connectAttempts: 2, reconnectBaseMs: 50 })));
    await expect(u.exec(["true"])).rejects.toThrow(/Cannot connect to ssh:\/\/.*after 2 attempt/);
    await u.close();
  });

  it("reconnects after a network cut", async () => {
    expect((await t.exec(["echo", "1"])).stdout.trim()).toBe("1");
    const before = t.connectionCount;
    t.simulateNetworkCut();
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.exec(["echo", "2"])).stdout.trim()).toBe("2");
    expect(t.connectionCount).toBe(before + 1);
  });
});

describe.runIf(enabled)("SLURM executors over SSH", () => {
  const root = scratch("lw sshx");
  const common = { remote: { workRoot: join(root, "remote root") }, commandEnv: { SLURM_CONF: env.SLURM_CONF! }, pollMs: 500 };

  it("per-job: a connection cut mid-flow reconnects, submits nothing twice, loses no result", async () => {
    const ex = new SlurmExecutor({ ...common, ssh: sshOpts() }, "sshhpc");
    await ex.start(context(root));
    const tasks = [task("slurmtest.add", { a: 1, b: 2 }, root), task("slurmtest.sleepy", { seconds: 4 }, root), task("slurmtest.boom", { message: "remote boom" }, root)];
    const subs = [];
    for (const [i, tk] of tasks.entries()) {
      subs.push(await ex.submit(tk, new AbortController().signal));
      if (i === 1) (ex.commands.transport as SshTransport).simulateNetworkCut();
    }
    const outs = await Promise.all(subs.map((s) => s.outcome));
    expect(outs[0]).toMatchObject({ state: "completed", output: { sum: 3 } });
    expect(outs[1]).toMatchObject({ state: "completed", output: { slept: 4 } });
    expect(outs[2]).toMatchObject({ state: "failed", error: { message: expect.stringContaining("remote boom") } });
    expect(ex.commands.sbatchCalls).toBe(3);
    const tr = ex.commands.transport as SshTransport;
    expect(tr.connectionCount).toBe(2);
    await ex.dispose();
  });

  it("pilot: many tasks over ONE SSH connection", async () => {
    const ex = new SlurmPilotExecutor({ ...common, ssh: sshOpts(), pilot: { nodesPerBlock: 2, maxBlocks: 1, idleTimeoutSeconds: 30, heartbeatSeconds: 1 } }, "sshpilot");
    await ex.start(context(root));
    const subs = await Promise.all(Array.from({ length: 30 }, (_, i) => ex.submit(task("slurmtest.add", { a: i, b: i }, root), new AbortController().signal)));
    const outs = await Promise.all(subs.map((s) => s.outcome));
    outs.forEach((o, i) => expect(o).toMatchObject({ state: "completed", output: { sum: 2 * i } }));
    expect((ex.transport as SshTransport).connectionCount).toBe(1);
    await ex.dispose();
  });
});
