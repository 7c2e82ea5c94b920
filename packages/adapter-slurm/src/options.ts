import { z } from "zod";
import { ValidationError, zodIssues } from "@latticework/core";

/** Values that go into `#SBATCH` lines as words: no whitespace, quotes or shell syntax. */
const word = (what: string) =>
  z.string().min(1).regex(/^[A-Za-z0-9_.,:@+=%\/\-\[\]]+$/, `${what} may only contain letters, digits and _ . , : @ + = % / - [ ]`);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names use letters, digits and _");

/** SSH connection options (the SSH transport is used when this block is present). */
export const SshOptionsSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1),
    /** Path of a private key file (OpenSSH or PEM). */
    privateKeyPath: z.string().min(1).optional(),
    /** Passphrase of the private key; or use `passphraseEnv` to read it from the environment. */
    passphrase: z.string().optional(),
    passphraseEnv: envName.optional(),
    /** OpenSSH user certificate (`id_ed25519-cert.pub`) presented with the private key; default `<privateKeyPath>-cert.pub` when that file exists (as OpenSSH). */
    certificatePath: z.string().min(1).optional(),
    /** ssh-agent socket; default `$SSH_AUTH_SOCK` when `useAgent` is true. */
    agent: z.string().min(1).optional(),
    useAgent: z.boolean().default(false),
    /** known_hosts file(s) used to verify the host key (default ~/.ssh/known_hosts). */
    knownHosts: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** "strict" refuses unknown and changed keys; "accept-new" appends unknown keys (never changed ones). */
    hostKeyPolicy: z.enum(["strict", "accept-new"]).default("strict"),
    /** Jump host (ProxyJump), reached first with the same kinds of options. */
    jump: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(22),
        username: z.string().min(1),
        privateKeyPath: z.string().min(1).optional(),
        passphrase: z.string().optional(),
        passphraseEnv: envName.optional(),
        /** OpenSSH certificate for the jump host (default `<privateKeyPath>-cert.pub` when present). */
        certificatePath: z.string().min(1).optional(),
        agent: z.string().min(1).optional(),
        useAgent: z.boolean().default(false),
        /** known_hosts for the jump host's key (default: the same files as the target's). */
        knownHosts: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
      })
      .strict()
      .optional(),
    /** Answer keyboard-interactive (MFA) prompts through the `onPrompt` hook (or the terminal when none); asked once per connection. */
    keyboardInteractive: z.boolean().default(false),
    /** Concurrent channels on the one connection (sshd's MaxSessions is 10 by default). */
    maxChannels: z.number().int().min(1).max(64).default(8),
    keepaliveIntervalMs: z.number().int().min(0).default(15_000),
    readyTimeoutMs: z.number().int().positive().default(20_000),
    /** Connection attempts before an operation fails (exponential back-off between them). */
    connectAttempts: z.number().int().min(1).default(5),
    reconnectBaseMs: z.number().int().min(0).default(1_000),
    reconnectMaxMs: z.number().int().min(0).default(60_000),
  })
  .strict()
  .superRefine((o, ctx) => {
    const hops: [string[], { privateKeyPath?: string | undefined; certificatePath?: string | undefined; passphrase?: string | undefined; passphraseEnv?: string | undefined }][] = [[[], o]];
    if (o.jump) hops.push([["jump"], o.jump]);
    for (const [at, h] of hops) {
      if (h.certificatePath && !h.privateKeyPath) ctx.addIssue({ code: "custom", path: [...at, "certificatePath"], message: "needs privateKeyPath too (the certificate's private key)" });
      if (h.passphrase !== undefined && h.passphraseEnv) ctx.addIssue({ code: "custom", path: [...at, "passphraseEnv"], message: "give either passphrase or passphraseEnv, not both" });
    }
  });

/** Pilot (job packing) options. */
export const PilotOptionsSchema = z
  .object({
    nodesPerBlock: z.number().int().positive().default(1),
    minBlocks: z.number().int().min(0).default(0),
    maxBlocks: z.number().int().positive().default(1),
    /** Slots per node the pilot fills (default: SLURM_CPUS_ON_NODE inside the allocation). */
    coresPerNode: z.number().int().positive().optional(),
    /** Walltime of each block. */
    walltimeSeconds: z.number().int().positive().default(3600),
    /** A pilot with nothing to do for this long exits (unless needed for minBlocks). */
    idleTimeoutSeconds: z.number().int().positive().default(120),
    /** Stop taking new tasks this long before the block's walltime ends. */
    drainSeconds: z.number().int().min(0).default(60),
    heartbeatSeconds: z.number().positive().default(2),
    /** A pilot whose heartbeat has not changed for this long is dead; its tasks become `lost`. */
    heartbeatTimeoutSeconds: z.number().positive().default(30),
    /** Queued tasks per running slot before another block is requested. */
    backlogPerBlock: z.number().int().positive().default(1),
    /** How the pilot polls its queue directory when busy / idle (ms). */
    pollMs: z.number().int().positive().default(20),
    idlePollMs: z.number().int().positive().default(250),
    /** Task workers each node's pool (the leader's and every node agent's) starts at once (default: the node's CPU count). */
    initialWorkers: z.number().int().min(0).optional(),
    /** A task waiting this long for a free worker makes the node's pool start another one, up to the node's slots (ms). */
    workerSpawnAfterMs: z.number().int().min(0).default(100),
  })
  .strict();

/** Paths and programs on the machine where jobs run (defaults: this installation, for shared filesystems). */
export const RemoteOptionsSchema = z
  .object({
    /** Shared directory for staged specs, scripts and outcomes (must be visible from compute nodes). Default: the task's workdir. */
    workRoot: z.string().min(1).optional(),
    /** node binary on compute nodes. */
    node: z.string().min(1).default(process.execPath),
    /** Extra node arguments before the worker entry (default: core's `workerNodeArgs()`). */
    nodeArgs: z.array(z.string()).optional(),
    /** Path of core's worker entry on compute nodes (default: this installation's `workerEntryPath()`). */
    workerEntry: z.string().min(1).optional(),
    /** Path of this package's pilot entry on compute nodes (default: this installation's). */
    pilotEntry: z.string().min(1).optional(),
    /** Rewrite path prefixes of job modules from the orchestrator's view to the cluster's. */
    pathMap: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) }).strict()).default([]),
  })
  .strict();

/** Options of `slurm(...)`: one strict schema, defaults inside. */
export const SlurmOptionsSchema = z
  .object({
    mode: z.enum(["per-job", "pilot"]).default("per-job"),
    ssh: SshOptionsSchema.optional(),
    partition: word("partition").optional(),
    account: word("account").optional(),
    qos: word("qos").optional(),
    constraint: z.string().min(1).regex(/^[A-Za-z0-9_.,:@+=\-\[\]&|*()!]+$/, "constraint may only contain feature names and & | * ( ) [ ] ,").optional(),
    reservation: word("reservation").optional(),
    exclusive: z.boolean().default(false),
    /** Extra `#SBATCH` lines, e.g. "--gres=gpu:1" (no newlines). */
    extraDirectives: z.array(z.string().min(1).regex(/^[^\n\r\0]+$/, "directives must be one line")).default([]),
    /** Directives to leave out, by option name, e.g. ["--mem", "--cpus-per-task"]. */
    skipDirectives: z.array(z.string().regex(/^-{1,2}[A-Za-z][A-Za-z0-9-]*$/, 'write directives to skip as "--mem" or "-n"')).default([]),
    /** Shell lines run before the worker (module load, env activation). Trusted: written as is. */
    prologue: z.array(z.string()).default([]),
    /** Shell lines run after the worker (its exit status is kept). Trusted: written as is. */
    epilogue: z.array(z.string()).default([]),
    /** Environment for the job (values are quoted; never executed). */
    environment: z.record(envName, z.string()).default({}),
    /** Defaults for jobs that do not declare them. */
    defaultWalltimeSeconds: z.number().int().positive().optional(),
    /** Prefix of SLURM job names (idempotency tag: `<prefix><executor>.<task id>`). */
    jobNamePrefix: word("jobNamePrefix").default("lw."),
    remote: RemoteOptionsSchema.default({ pathMap: [], node: process.execPath }),
    /** squeue cadence: starts at `pollMs`, backs off to `maxPollMs` while nothing changes. */
    pollMs: z.number().int().positive().default(1_000),
    maxPollMs: z.number().int().positive().default(10_000),
    /** Retries of transient controller errors per command, with exponential back-off. */
    commandRetries: z.number().int().min(0).default(6),
    commandRetryBaseMs: z.number().int().min(0).default(500),
    /** Use sacct for post-mortems: "auto" tries it once and stops when accounting is off. */
    sacct: z.enum(["auto", "always", "never"]).default("auto"),
    /** Programs (absolute paths or names on PATH). */
    commands: z
      .object({
        sbatch: z.string().min(1).default("sbatch"),
        squeue: z.string().min(1).default("squeue"),
        scancel: z.string().min(1).default("scancel"),
        scontrol: z.string().min(1).default("scontrol"),
        sacct: z.string().min(1).default("sacct"),
      })
      .strict()
      .default({ sbatch: "sbatch", squeue: "squeue", scancel: "scancel", scontrol: "scontrol", sacct: "sacct" }),
    /** Extra environment for SLURM client commands (e.g. SLURM_CONF). */
    commandEnv: z.record(envName, z.string()).default({}),
    /** scancel outstanding jobs on dispose (turn off to keep them running for a later `resume`). */
    cancelOnDispose: z.boolean().default(true),
    pilot: PilotOptionsSchema.default(PilotOptionsSchema.parse({})),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.maxPollMs < o.pollMs) ctx.addIssue({ code: "custom", path: ["maxPollMs"], message: "must be >= pollMs" });
    if (o.pilot.minBlocks > o.pilot.maxBlocks) ctx.addIssue({ code: "custom", path: ["pilot", "minBlocks"], message: "must be <= pilot.maxBlocks" });
    if (o.pilot.drainSeconds >= o.pilot.walltimeSeconds) ctx.addIssue({ code: "custom", path: ["pilot", "drainSeconds"], message: "must be shorter than pilot.walltimeSeconds" });
    if (o.ssh && !o.remote.workRoot) ctx.addIssue({ code: "custom", path: ["remote", "workRoot"], message: "is required with `ssh`: a directory on the cluster's shared filesystem for specs and outcomes" });
  });

/** Options as users write them. */
export type SlurmOptions = z.input<typeof SlurmOptionsSchema>;
/** Options after defaults. */
export type ResolvedSlurmOptions = z.output<typeof SlurmOptionsSchema>;
/** SSH options after defaults. */
export type ResolvedSshOptions = z.output<typeof SshOptionsSchema>;

/**
 * Validate options, reporting every problem at once, prefixed with `[slurm]`.
 * @throws ValidationError (CONFIG_INVALID) listing each bad option.
 */
export function parseSlurmOptions(input: unknown): ResolvedSlurmOptions {
  const r = SlurmOptionsSchema.safeParse(input ?? {});
  if (!r.success) throw new ValidationError("CONFIG_INVALID", "[slurm] Invalid executor options", zodIssues(r.error));
  return Object.freeze(r.data) as ResolvedSlurmOptions;
}
