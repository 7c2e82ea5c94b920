import { readFileSync } from "node:fs";
import { LatticeworkError, type Placement } from "@latticework/core";
import { expandCounts, expandNodelist, NodelistError } from "./nodelist.js";

/**
 * The placement of the SLURM allocation this process runs in, from `SLURM_JOB_NODELIST` (or
 * `SLURM_NODELIST`) and `SLURM_TASKS_PER_NODE` (falling back to `SLURM_JOB_CPUS_PER_NODE`, then 1
 * slot per node). Undefined outside an allocation.
 *
 * @example
 * ```ts
 * placementFromSlurmEnv({ SLURM_JOB_ID: "7", SLURM_JOB_NODELIST: "node[1-2]", SLURM_TASKS_PER_NODE: "2(x2)" });
 * // { hosts: [{ host: "node1", slots: 2 }, { host: "node2", slots: 2 }], source: "slurm", allocationId: "7" }
 * ```
 * @throws NodelistError when the variables are malformed.
 */
export function placementFromSlurmEnv(env: Readonly<Record<string, string | undefined>> = process.env): Placement | undefined {
  const nodelist = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (!nodelist) return undefined;
  const hosts = expandNodelist(nodelist);
  const countsText = env.SLURM_TASKS_PER_NODE ?? env.SLURM_JOB_CPUS_PER_NODE;
  const counts = countsText ? expandCounts(countsText) : hosts.map(() => 1);
  if (counts.length !== hosts.length) {
    throw new NodelistError(
      `[mpi] SLURM environment is inconsistent: ${hosts.length} nodes in "${nodelist}" but ${counts.length} counts in "${countsText}".`,
      { nodelist, counts: countsText },
    );
  }
  const allocationId = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  return { hosts: hosts.map((host, i) => ({ host, slots: counts[i]! })), source: "slurm", ...(allocationId ? { allocationId } : {}) };
}

/**
 * Parse a hostfile: OpenMPI style (`host slots=4`), MPICH/Hydra style (`host:4`) or one host per
 * line (1 slot; repeated lines add up). `#` starts a comment.
 * @throws NodelistError (PARSE_ERROR) naming the bad line.
 */
export function parseHostfile(text: string, source = "hostfile"): Placement {
  const slots = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    const m = /^([A-Za-z0-9._-]+)(?::(\d+)|\s+(?:slots\s*=\s*(\d+))(?:\s+max[-_]slots\s*=\s*\d+)?)?$/.exec(line);
    if (!m) throw new NodelistError(`[mpi] ${source} line ${i + 1} "${raw.trim()}" is not "host", "host slots=N" or "host:N".`, { line: i + 1 });
    const n = Number(m[2] ?? m[3] ?? 1);
    if (n < 1) throw new NodelistError(`[mpi] ${source} line ${i + 1}: slots must be at least 1.`, { line: i + 1 });
    slots.set(m[1]!, (slots.get(m[1]!) ?? 0) + n);
  });
  if (slots.size === 0) throw new NodelistError(`[mpi] ${source} lists no hosts.`);
  return { hosts: [...slots].map(([host, n]) => ({ host, slots: n })), source: "static" };
}

/** Read and parse a hostfile from disk (see {@link parseHostfile}). */
export function readHostfile(path: string): Placement {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new LatticeworkError("CONFIG_INVALID", `[mpi] Cannot read hostfile ${path}: ${(err as Error).message}. Check the \`hostfile\` option.`, { cause: err });
  }
  return parseHostfile(text, `hostfile ${path}`);
}

/**
 * A static placement from a host list: "node1:4,node2:4", a SLURM nodelist ("node[1-2]", with
 * `slotsPerHost` each) or an array of `{ host, slots }`.
 */
export function staticPlacement(hosts: string | readonly { host: string; slots: number }[], slotsPerHost = 1): Placement {
  if (typeof hosts !== "string") return { hosts: hosts.map((h) => ({ ...h })), source: "static" };
  const out: { host: string; slots: number }[] = [];
  for (const part of hosts.includes("[") ? [hosts] : hosts.split(",")) {
    const m = /^(.*?)(?::(\d+))?$/.exec(part.trim())!;
    const n = m[2] === undefined ? slotsPerHost : Number(m[2]);
    for (const host of expandNodelist(m[1]!)) out.push({ host, slots: n });
  }
  return { hosts: out, source: "static" };
}

/**
 * The placement a launch uses: the one the worker got (a pilot's or a static one) unless it is the
 * default local one and this process is inside a SLURM allocation, in which case the allocation's
 * nodes are used.
 */
export function effectivePlacement(placement: Placement, env: Readonly<Record<string, string | undefined>> = process.env): Placement {
  if (placement.source !== "local") return placement;
  return placementFromSlurmEnv(env) ?? placement;
}
