import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSlurmOptions } from "../src/options.js";
import { certificateProblem, describeCertificate, parseCertificate } from "../src/transports/ssh-cert.js";
import { scratch } from "./helpers.js";

// Pure checks (no sshd): option mistakes and certificate parsing (certificates made by the real ssh-keygen).

describe("SSH options", () => {
  it("reports every SSH credential mistake at once, with paths", () => {
    let msg = "";
    try {
      parseSlurmOptions({
        ssh: { host: "h", username: "u", certificatePath: "c", passphrase: "x", passphraseEnv: "PASS", jump: { host: "j", username: "u", certificatePath: "c" } },
        remote: { workRoot: "/w" },
      });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^\[slurm\] Invalid executor options/);
    expect(msg).toContain("ssh.certificatePath: needs privateKeyPath too");
    expect(msg).toContain("ssh.passphraseEnv: give either passphrase or passphraseEnv, not both");
    expect(msg).toContain("ssh.jump.certificatePath: needs privateKeyPath too");
  });

  it("accepts a jump host with its own known_hosts, certificate and agent", () => {
    const o = parseSlurmOptions({
      ssh: { host: "h", username: "u", privateKeyPath: "/k", jump: { host: "j", port: 2200, username: "v", privateKeyPath: "/jk", certificatePath: "/jk-cert.pub", knownHosts: ["/a", "/b"], agent: "/s" } },
      remote: { workRoot: "/w" },
    });
    expect(o.ssh?.jump).toMatchObject({ port: 2200, useAgent: false, knownHosts: ["/a", "/b"] });
  });
});

describe("OpenSSH certificate parsing", () => {
  const dir = scratch("lw certparse");
  const key = join(dir, "id");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "ca")]);
  execFileSync("ssh-keygen", ["-q", "-s", join(dir, "ca"), "-I", "my id", "-n", "alice,bob", "-z", "42", "-V", "20300101:20300201", `${key}.pub`], { stdio: "ignore" });
  const cert = parseCertificate(readFileSync(`${key}-cert.pub`, "utf8"));

  it("reads type, key id, serial, principals and validity", () => {
    expect(cert).toMatchObject({ type: "ssh-ed25519-cert-v01@openssh.com", baseType: "ssh-ed25519", keyId: "my id", serial: 42n, principals: ["alice", "bob"] });
    expect(describeCertificate(cert)).toMatch(/key id "my id", principals \[alice, bob\], valid 2030-01-01T.* \.\. 2030-02-01T/);
  });

  it("explains the likely reason for a refusal", () => {
    expect(certificateProblem(cert, "alice", Date.UTC(2029, 0, 1))).toMatch(/not valid before 2030-01-01/);
    expect(certificateProblem(cert, "alice", Date.UTC(2031, 0, 1))).toMatch(/EXPIRED at 2030-02-01/);
    expect(certificateProblem(cert, "carol", Date.UTC(2030, 0, 15))).toMatch(/principals \[alice, bob\] do not include the login user "carol"/);
    expect(certificateProblem(cert, "bob", Date.UTC(2030, 0, 15))).toBe("");
  });

  it("rejects public keys, host certificates and garbage", () => {
    expect(() => parseCertificate(readFileSync(`${key}.pub`, "utf8"))).toThrow(/not an OpenSSH certificate/);
    execFileSync("ssh-keygen", ["-q", "-s", join(dir, "ca"), "-I", "host", "-h", "-n", "h", `${join(dir, "ca")}.pub`], { stdio: "ignore" });
    expect(() => parseCertificate(readFileSync(join(dir, "ca-cert.pub"), "utf8"))).toThrow(/HOST certificate/);
    expect(() => parseCertificate("ssh-ed25519-cert-v01@openssh.com AAAA")).toThrow(/truncated/);
  });
});
