import { createHash, createHmac } from "node:crypto";

/** SHA256 fingerprint of a host key blob, as OpenSSH prints it ("SHA256:base64-without-padding"). */
export function fingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** Key type name inside an SSH public key blob ("ssh-ed25519", "ecdsa-sha2-nistp256", ...). */
export function keyTypeOf(keyBlob: Uint8Array): string {
  const buf = Buffer.from(keyBlob);
  if (buf.length < 4) return "unknown";
  const len = buf.readUInt32BE(0);
  return buf.subarray(4, 4 + len).toString("latin1");
}

/** How known_hosts names a host: "host" for port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostPatternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    if (!salt || !hash) return false;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  // Simple glob support (* and ?), as OpenSSH.
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\[\]]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return re.test(name);
}

/** Result of checking a presented host key against known_hosts content. */
export type HostKeyCheck =
  | { status: "match" }
  | { status: "unknown" }
  | { status: "changed"; knownTypes: string[] }
  | { status: "revoked" };

/**
 * Check a host key against known_hosts text (plain and hashed names, `[host]:port`, negations,
 * `@revoked`). Entries of other key types for the same host do not make a key "changed" unless
 * the same type is listed with a different key (OpenSSH behaviour).
 */
export function checkHostKey(content: string, host: string, port: number, keyBlob: Uint8Array): HostKeyCheck {
  const name = knownHostsName(host, port);
  const b64 = Buffer.from(keyBlob).toString("base64");
  const type = keyTypeOf(keyBlob);
  const sameTypeOther: string[] = [];
  let matched = false;
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const parts = line.split(/\s+/);
    let marker: string | undefined;
    if (parts[0]?.startsWith("@")) marker = parts.shift();
    const [hosts, ktype, key] = parts;
    if (!hosts || !ktype || !key) continue;
    const patterns = hosts.split(",");
    const negated = patterns.some((p) => p.startsWith("!") && hostPatternMatches(p.slice(1), name));
    if (negated || !patterns.some((p) => !p.startsWith("!") && hostPatternMatches(p, name))) continue;
    if (marker === "@revoked") {
      if (key === b64) return { status: "revoked" };
      continue;
    }
    if (marker === "@cert-authority") continue;
    if (key === b64) matched = true;
    else if (ktype === type) sameTypeOther.push(ktype);
  }
  if (matched) return { status: "match" };
  if (sameTypeOther.length > 0) return { status: "changed", knownTypes: sameTypeOther };
  return { status: "unknown" };
}

/** The known_hosts line for a host key (what accept-new appends). */
export function knownHostsLine(host: string, port: number, keyBlob: Uint8Array): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(keyBlob)} ${Buffer.from(keyBlob).toString("base64")}`;
}
