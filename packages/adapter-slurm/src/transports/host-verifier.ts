import { appendFile, readFile } from "node:fs/promises";
import { TransportError, type Logger } from "@latticework/core";
import { checkHostKey, fingerprint, knownHostsLine, knownHostsName } from "./known-hosts.js";

/** Thrown when a host key is unknown, changed or revoked. Never retried. */
export class HostKeyError extends TransportError {}

/** A synchronous ssh2 hostVerifier plus the error explaining its last refusal. */
export interface HostVerifier {
  verify(key: Buffer): boolean;
  rejection(): HostKeyError | undefined;
}

/**
 * Verify a host's key against known_hosts file(s) (read once per connection attempt). "strict"
 * refuses unknown and changed keys; "accept-new" appends unknown keys to the first file (never
 * changed ones). Refusals carry the SHA256 fingerprint and what to do.
 */
export async function hostVerifier(knownHosts: string | string[], host: string, port: number, policy: "strict" | "accept-new", log: Logger): Promise<HostVerifier> {
  const files = Array.isArray(knownHosts) ? knownHosts : [knownHosts];
  let content = "";
  for (const f of files) content += `${await readFile(f, "utf8").catch(() => "")}\n`;
  let rejection: HostKeyError | undefined;
  const verify = (key: Buffer): boolean => {
    const fp = fingerprint(key);
    const r = checkHostKey(content, host, port, key);
    if (r.status === "match") return true;
    const name = knownHostsName(host, port);
    if (r.status === "unknown" && policy === "accept-new") {
      void appendFile(files[0]!, `${knownHostsLine(host, port, key)}\n`, { mode: 0o600 }).catch(() => {});
      log.warn("[slurm] accepted new SSH host key", { host: name, fingerprint: fp });
      return true;
    }
    const what =
      r.status === "unknown"
        ? `is not in ${files.join(", ")}. Verify the fingerprint with the site, then add the key (e.g. \`ssh-keyscan -p ${port} ${host} >> ${files[0]}\`) or set ssh.hostKeyPolicy: "accept-new"`
        : r.status === "changed"
          ? `DOES NOT MATCH the key recorded in ${files.join(", ")} (possible man-in-the-middle, or the host was reinstalled). Remove the old entry only after confirming the new fingerprint with the site`
          : "is marked @revoked in known_hosts";
    rejection = new HostKeyError("HOST_KEY_REJECTED", `[slurm] SSH host key of ${name} (${fp}) ${what}.`, { details: { host: name, fingerprint: fp, status: r.status } });
    return false;
  };
  return { verify, rejection: () => rejection };
}
