import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkHostKey, fingerprint, knownHostsLine } from "../src/transports/known-hosts.js";

function blob(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, body]);
}

describe("known_hosts checks", () => {
  const key = blob("ssh-ed25519", randomBytes(36));
  const other = blob("ssh-ed25519", randomBytes(36));
  const line = knownHostsLine("127.0.0.1", 2222, key);
  it("matches [host]:port entries, plain and hashed", () => {
    expect(line.startsWith("[127.0.0.1]:2222 ssh-ed25519 ")).toBe(true);
    expect(checkHostKey(line, "127.0.0.1", 2222, key)).toEqual({ status: "match" });
    const salt = randomBytes(20);
    const hash = createHmac("sha1", salt).update("[127.0.0.1]:2222").digest("base64");
    expect(checkHostKey(`|1|${salt.toString("base64")}|${hash} ssh-ed25519 ${key.toString("base64")}`, "127.0.0.1", 2222, key)).toEqual({ status: "match" });
    expect(checkHostKey(line, "127.0.0.1", 22, key)).toEqual({ status: "unknown" });
  });
  it("reports a changed key of the same type, and revoked keys", () => {
    expect(checkHostKey(line, "127.0.0.1", 2222, other).status).toBe("changed");
    expect(checkHostKey(`@revoked ${line}`, "127.0.0.1", 2222, key).status).toBe("revoked");
  });
  it("prints OpenSSH-style fingerprints", () => {
    expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
