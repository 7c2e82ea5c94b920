import { LatticeworkError, type LaunchOptions, type Placement } from "@latticework/core";

/** Where each rank goes: the hosts used and how many ranks on each. */
export interface RankLayout {
  ranks: number;
  cpusPerRank: number;
  threadsPerRank: number | undefined;
  /** Ranks per node, when the caller asked for a fixed number. */
  ranksPerNode: number | undefined;
  hosts: { host: string; ranks: number; slots: number }[];
}

/** Thrown (before anything starts) when the ranks asked for do not fit the placement. */
export class PlacementError extends LatticeworkError {
  constructor(message: string, details: Record<string, unknown>) {
    super("LAUNCH_FAILED", message, { details });
  }
}

function describe(p: Placement): string {
  return p.hosts.map((h) => `${h.host}:${h.slots}`).join(",") + ` (from ${p.source})`;
}

/**
 * Decide how many ranks go on which host, or say clearly why the request does not fit.
 * Defaults: ranks = ranksPerNode x nodes, or every slot of the placement; ranks fill hosts in order.
 */
export function layoutRanks(options: LaunchOptions, placement: Placement): RankLayout {
  const cpr = options.cpusPerRank ?? 1;
  const rpn = options.ranksPerNode;
  const problems: string[] = [];
  for (const key of ["ranks", "ranksPerNode", "nodes", "cpusPerRank", "threadsPerRank"] as const) {
    const v = options[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) problems.push(`\`${key}\` must be a positive integer (got ${String(v)})`);
  }
  if (problems.length) throw new PlacementError(`[mpi] Invalid launch options: ${problems.join("; ")}.`, { problems });
  if (placement.hosts.length === 0) throw new PlacementError("[mpi] The placement has no hosts: nothing to launch on.", {});
  let hosts = placement.hosts;
  if (options.nodes !== undefined) {
    if (options.nodes > hosts.length) {
      throw new PlacementError(
        `[mpi] The launch asks for ${options.nodes} nodes but this task owns ${hosts.length}: ${describe(placement)}. Request nodes: ${options.nodes} in the job's resources, or lower \`nodes\`.`,
        { nodes: options.nodes, placement },
      );
    }
    hosts = hosts.slice(0, options.nodes);
  }
  const capacity = hosts.map((h) => Math.floor(h.slots / cpr));
  const total = capacity.reduce((a, b) => a + b, 0);
  const ranks = options.ranks ?? (rpn !== undefined ? rpn * hosts.length : total);
  const fail = (why: string): never => {
    throw new PlacementError(
      `[mpi] ${ranks} rank(s)${cpr > 1 ? ` x ${cpr} cpus` : ""}${rpn ? ` at ${rpn} per node` : ""} do not fit this task's placement ${describe(placement)}: ${why}. ` +
        "Declare matching resources on the job (ranks, ranksPerNode, nodes, cpusPerRank) so the executor reserves them, or ask for fewer ranks.",
      { ranks, cpusPerRank: cpr, ranksPerNode: rpn, placement },
    );
  };
  if (ranks < 1) fail("no slot can hold a rank");
  const out: RankLayout["hosts"] = [];
  if (rpn !== undefined) {
    if (rpn * hosts.length < ranks) fail(`${hosts.length} node(s) x ${rpn} = ${rpn * hosts.length} ranks at most`);
    let left = ranks;
    hosts.forEach((h, i) => {
      if (left <= 0) return;
      const n = Math.min(rpn, left);
      if (n > capacity[i]!) fail(`${h.host} has ${h.slots} slot(s), ${n * cpr} needed`);
      out.push({ host: h.host, ranks: n, slots: h.slots });
      left -= n;
    });
  } else {
    if (ranks > total) fail(`${total} rank(s) fit at most`);
    let left = ranks;
    hosts.forEach((h, i) => {
      if (left <= 0) return;
      const n = Math.min(capacity[i]!, left);
      if (n > 0) out.push({ host: h.host, ranks: n, slots: h.slots });
      left -= n;
    });
  }
  return { ranks, cpusPerRank: cpr, threadsPerRank: options.threadsPerRank ?? options.cpusPerRank, ranksPerNode: rpn, hosts: out };
}
