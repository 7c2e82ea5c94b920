import type { JobResources, Placement } from "@latticework/core";

/** Cores a task asks for: the same rule as core's coresOf (kept here: the pilot does not import core). */
function coresOf(r: JobResources | undefined): number {
  if (!r) return 1;
  if (r.cpus !== undefined) return r.cpus;
  if (r.ranks !== undefined) return r.ranks * (r.cpusPerRank ?? 1);
  return 1;
}

/** Free slots per host of one block. */
export interface HostSlots {
  host: string;
  slots: number;
  free: number;
}

/**
 * Place a task on a block's hosts. Multi-node (or `nodes`-requesting) tasks get whole free
 * nodes; others get `coresOf(resources)` slots on the first host with room (first fit).
 * Returns undefined when it does not fit now; throws when it can never fit in this block.
 */
export function placeTask(hosts: HostSlots[], resources: JobResources, allocationId: string): Placement | undefined {
  const nodes = resources.nodes ?? 1;
  const total = hosts.reduce((n, h) => n + h.slots, 0);
  if (nodes > 1 || (resources.ranksPerNode !== undefined && resources.ranks !== undefined && resources.ranks > resources.ranksPerNode)) {
    const want = Math.max(nodes, resources.ranks && resources.ranksPerNode ? Math.ceil(resources.ranks / resources.ranksPerNode) : 1);
    if (want > hosts.length) throw new Error(`needs ${want} node(s) but the block has ${hosts.length}; raise pilot.nodesPerBlock`);
    const freeHosts = hosts.filter((h) => h.free === h.slots).slice(0, want);
    if (freeHosts.length < want) return undefined;
    for (const h of freeHosts) h.free = 0;
    return { hosts: freeHosts.map((h) => ({ host: h.host, slots: resources.ranksPerNode ?? h.slots })), source: "pilot", allocationId };
  }
  const cores = coresOf(resources);
  const maxPerHost = Math.max(...hosts.map((h) => h.slots));
  if (cores > maxPerHost) throw new Error(`needs ${cores} core(s) on one node but nodes have ${maxPerHost} (block total ${total})`);
  const h = hosts.find((x) => x.free >= cores);
  if (!h) return undefined;
  h.free -= cores;
  return { hosts: [{ host: h.host, slots: cores }], source: "pilot", allocationId };
}

/** Give a placement's slots back. */
export function releasePlacement(hosts: HostSlots[], placement: Placement, resources: JobResources): void {
  const whole = placement.hosts.length > 1 || (resources.nodes ?? 1) > 1;
  for (const p of placement.hosts) {
    const h = hosts.find((x) => x.host === p.host);
    if (!h) continue;
    h.free = whole ? h.slots : Math.min(h.slots, h.free + p.slots);
  }
}
