import type { Client } from "ssh2";

/** What an OpenSSH user certificate says (from its `*-cert-v01@openssh.com` blob). */
export interface SshCertificate {
  /** Certificate key type, e.g. "ssh-ed25519-cert-v01@openssh.com". */
  type: string;
  /** Plain key type, e.g. "ssh-ed25519". */
  baseType: string;
  /** The certificate blob (what the server receives as the public key). */
  blob: Buffer;
  /** The certified public key fields (without the type string). */
  keyFields: Buffer;
  keyId: string;
  serial: bigint;
  /** Principals the certificate is valid for ([] = any principal). */
  principals: string[];
  /** Validity window (seconds since the epoch; validBefore 2^64-1 = forever). */
  validAfter: bigint;
  validBefore: bigint;
}

const CERT_SUFFIX = "-cert-v01@openssh.com";

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  bytes(): Buffer {
    if (this.pos + 4 > this.buf.length) throw new Error("truncated certificate");
    const n = this.buf.readUInt32BE(this.pos);
    if (this.pos + 4 + n > this.buf.length) throw new Error("truncated certificate");
    const v = this.buf.subarray(this.pos + 4, this.pos + 4 + n);
    this.pos += 4 + n;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
}

/** Number of length-prefixed public key fields after the type string, per plain key type. */
function keyFieldCount(baseType: string): number {
  if (baseType === "ssh-ed25519") return 1;
  if (baseType === "ssh-rsa" || baseType.startsWith("ecdsa-sha2-")) return 2;
  throw new Error(`unsupported certificate key type ${baseType}${CERT_SUFFIX} (use an ed25519, ECDSA or RSA key)`);
}

/**
 * Parse an OpenSSH certificate file's text (`<type> <base64> [comment]`, as `ssh-keygen -s` writes it).
 * @throws Error saying what is wrong with the file.
 */
export function parseCertificate(text: string): SshCertificate {
  const [type, b64] = text.trim().split(/\s+/);
  if (!type || !b64 || !type.endsWith(CERT_SUFFIX)) throw new Error(`not an OpenSSH certificate (expected "<type>${CERT_SUFFIX} <base64>", as written by ssh-keygen -s)`);
  const blob = Buffer.from(b64, "base64");
  const r = new Reader(blob);
  const inner = r.bytes().toString("latin1");
  if (inner !== type) throw new Error(`certificate type ${inner} does not match its label ${type}`);
  const baseType = type.slice(0, -CERT_SUFFIX.length);
  r.bytes(); // nonce
  const fieldsStart = r.pos;
  for (let i = keyFieldCount(baseType); i > 0; i--) r.bytes();
  const keyFields = blob.subarray(fieldsStart, r.pos);
  const serial = r.u64();
  const certType = r.u32();
  if (certType !== 1) throw new Error("this is a HOST certificate; a USER certificate is needed (ssh-keygen -s without -h)");
  const keyId = r.bytes().toString("utf8");
  const pr = new Reader(r.bytes());
  const principals: string[] = [];
  while (pr.pos < pr.buf.length) principals.push(pr.bytes().toString("utf8"));
  const validAfter = r.u64();
  const validBefore = r.u64();
  return { type, baseType, blob, keyFields, keyId, serial, principals, validAfter, validBefore };
}

const FOREVER = 0xffffffffffffffffn;

function when(t: bigint): string {
  if (t === 0n) return "always";
  return t === FOREVER ? "forever" : new Date(Number(t) * 1000).toISOString();
}

/** One line describing a certificate, for error messages. */
export function describeCertificate(c: SshCertificate): string {
  const principals = c.principals.length ? c.principals.join(", ") : "any";
  return `key id "${c.keyId}", principals [${principals}], valid ${when(c.validAfter)} .. ${when(c.validBefore)}`;
}

/** Why a certificate would be refused for `username` at `now`, as a hint ("" when nothing obvious). */
export function certificateProblem(c: SshCertificate, username: string, now = Date.now()): string {
  const sec = BigInt(Math.floor(now / 1000));
  if (c.validBefore !== FOREVER && sec >= c.validBefore) return `the certificate EXPIRED at ${when(c.validBefore)}: get a new one signed by your CA`;
  if (sec < c.validAfter) return `the certificate is not valid before ${when(c.validAfter)} (check the clock)`;
  if (c.principals.length > 0 && !c.principals.includes(username)) return `the certificate's principals [${c.principals.join(", ")}] do not include the login user "${username}": set ssh.username to one of them or get a certificate for "${username}" (unless the server maps principals with AuthorizedPrincipalsFile)`;
  return "";
}

/** The parts of an ssh2 parsed private key this module uses. */
interface ParsedKey {
  type: string;
  getPublicSSH(): Buffer;
  sign(data: Buffer, algo?: string): Buffer | Error;
}

/** Signature algorithm, public key algorithm and hash used with a certificate of each key type. */
function algorithms(c: SshCertificate): { pkAlgo: string; sigAlgo: string; hash?: string } {
  if (c.baseType === "ssh-rsa") return { pkAlgo: `rsa-sha2-512${CERT_SUFFIX}`, sigAlgo: "rsa-sha2-512", hash: "sha512" };
  return { pkAlgo: c.type, sigAlgo: c.baseType };
}

/** DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }) to SSH's string(mpint r) || string(mpint s). */
function derToSsh(der: Buffer): Buffer {
  let p = 2;
  if (der[1]! & 0x80) p = 2 + (der[1]! & 0x7f);
  const ints: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    if (der[p] !== 0x02) throw new Error("bad ECDSA signature");
    const n = der[p + 1]!;
    const v = der.subarray(p + 2, p + 2 + n);
    p += 2 + n;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(v.length);
    ints.push(len, v);
  }
  return Buffer.concat(ints);
}

function sshString(b: Buffer | string): Buffer {
  const v = typeof b === "string" ? Buffer.from(b, "latin1") : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(v.length);
  return Buffer.concat([len, v]);
}

type PacketWriter = { allocStart: number; alloc(n: number, force?: boolean): Buffer; finalize(p: Buffer, force?: boolean): Buffer };

/**
 * ssh2 (1.17) writes the certificate's type as the signature's algorithm name, which OpenSSH refuses
 * (a signature made with a certificate's key is named after the plain key type). This rewrites the one
 * signed USERAUTH_REQUEST packet before ssh2 encrypts it, replacing only the signature's name.
 */
function fixNextSignedRequest(client: Client, sigAlgo: string, encoded: (raw: Buffer) => Buffer): void {
  const proto = (client as unknown as { _protocol?: { _packetRW?: { write?: PacketWriter } } })._protocol;
  const w = proto?._packetRW?.write;
  if (!w) throw new Error("ssh2 internals changed: cannot use an OpenSSH certificate with this ssh2 version");
  const original = w.finalize;
  w.finalize = function (packet: Buffer, force?: boolean): Buffer {
    w.finalize = original;
    const start = w.allocStart;
    let p = start;
    const read = () => {
      const n = packet.readUInt32BE(p);
      const v = packet.subarray(p + 4, p + 4 + n);
      p += 4 + n;
      return v;
    };
    if (packet[p] !== 50 /* USERAUTH_REQUEST */) return original.call(w, packet, force);
    p++;
    read(); // user
    read(); // service
    if (read().toString("latin1") !== "publickey" || packet[p] !== 1) return original.call(w, packet, force);
    p++;
    read(); // algorithm
    read(); // certificate
    const headEnd = p;
    const sig = new Reader(read());
    sig.bytes(); // the wrong name
    const fixed = sshString(Buffer.concat([sshString(sigAlgo), sshString(encoded(sig.bytes()))]));
    const payload = Buffer.concat([packet.subarray(start, headEnd), fixed]);
    const out = w.alloc(payload.length);
    payload.copy(out, start);
    return original.call(w, out, force);
  };
}

/**
 * A key object ssh2 accepts for `publickey` authentication that presents the certificate and signs
 * with the private key. `client` returns the connection being authenticated.
 * @throws Error when the certificate is not for this private key.
 */
export function certificateKey(privateKey: ParsedKey, cert: SshCertificate, client: () => Client): ParsedKey {
  const plain = privateKey.getPublicSSH();
  const r = new Reader(plain);
  const plainType = r.bytes().toString("latin1");
  if (plainType !== cert.baseType || !plain.subarray(r.pos).equals(cert.keyFields)) {
    throw new Error(`the certificate (${cert.type}) was not issued for this private key (${plainType})`);
  }
  const { pkAlgo, sigAlgo, hash } = algorithms(cert);
  const key = Object.create(privateKey) as ParsedKey;
  Object.defineProperty(key, "type", { value: pkAlgo, enumerable: true });
  key.getPublicSSH = () => cert.blob;
  key.sign = (data: Buffer) => {
    const raw = privateKey.sign(data, hash);
    if (raw instanceof Error) return raw;
    try {
      fixNextSignedRequest(client(), sigAlgo, (s) => (cert.baseType.startsWith("ecdsa-") ? derToSsh(s) : s));
    } catch (e) {
      return e as Error; // ssh2 reports it as an authentication error and tries the next method
    }
    return raw;
  };
  return key;
}
