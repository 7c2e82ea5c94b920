import { LatticeworkError } from "@latticework/core";

/** Thrown for a nodelist or tasks-per-node string that cannot be parsed (code PARSE_ERROR). */
export class NodelistError extends LatticeworkError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("PARSE_ERROR", message, { details });
  }
}

/** Split on commas that are not inside brackets: "a[1,2],b" -> ["a[1,2]", "b"]. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of list) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (depth < 0) throw new NodelistError(`[mpi] Malformed nodelist "${list}": "]" without "[".`, { nodelist: list });
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth !== 0) throw new NodelistError(`[mpi] Malformed nodelist "${list}": unclosed "[".`, { nodelist: list });
  parts.push(cur);
  return parts;
}

/** Expand one bracket body "1-3,07" into zero-padded strings. */
function expandRanges(body: string, whole: string): string[] {
  const out: string[] = [];
  for (const item of body.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item.trim());
    if (!m) throw new NodelistError(`[mpi] Malformed nodelist "${whole}": "${item}" is not a number or a range like 1-4.`, { nodelist: whole });
    const lo = m[1]!;
    const hi = m[2] ?? lo;
    const a = Number(lo);
    const b = Number(hi);
    if (b < a) throw new NodelistError(`[mpi] Malformed nodelist "${whole}": range ${item} goes backwards.`, { nodelist: whole });
    if (b - a > 100_000) throw new NodelistError(`[mpi] Nodelist "${whole}": range ${item} is too large.`, { nodelist: whole });
    const width = lo.length;
    for (let i = a; i <= b; i++) out.push(String(i).padStart(width, "0"));
  }
  return out;
}

/** Expand one host expression with any number of bracket groups: "rack[1-2]-n[01-02]". */
function expandOne(expr: string, whole: string): string[] {
  let results = [""];
  let rest = expr;
  while (rest.length > 0) {
    const open = rest.indexOf("[");
    if (open < 0) {
      results = results.map((r) => r + rest);
      break;
    }
    const close = rest.indexOf("]", open);
    const prefix = rest.slice(0, open);
    const body = rest.slice(open + 1, close);
    if (body.length === 0) throw new NodelistError(`[mpi] Malformed nodelist "${whole}": empty brackets.`, { nodelist: whole });
    const values = expandRanges(body, whole);
    const next: string[] = [];
    for (const r of results) for (const v of values) next.push(r + prefix + v);
    results = next;
    rest = rest.slice(close + 1);
  }
  return results;
}

const HOST_CHARS = /^[A-Za-z0-9._\-[\],]+$/;

/**
 * Expand a SLURM nodelist (`SLURM_JOB_NODELIST`) into host names, in order, like
 * `scontrol show hostnames`: zero padding kept, several prefixes and several bracket groups.
 *
 * @example
 * ```ts
 * expandNodelist("node[1-3,7],gpu[01-02]"); // ["node1","node2","node3","node7","gpu01","gpu02"]
 * ```
 * @throws NodelistError (PARSE_ERROR) naming the malformed part.
 */
export function expandNodelist(nodelist: string): string[] {
  const list = nodelist.trim();
  if (list.length === 0) throw new NodelistError("[mpi] Empty nodelist: expected something like node[1-4].", { nodelist });
  if (!HOST_CHARS.test(list)) throw new NodelistError(`[mpi] Malformed nodelist "${nodelist}": only letters, digits, . _ - [ ] and commas are allowed.`, { nodelist });
  const hosts: string[] = [];
  for (const part of splitTopLevel(list)) {
    if (part.length === 0) throw new NodelistError(`[mpi] Malformed nodelist "${nodelist}": empty entry between commas.`, { nodelist });
    if (/\[[^\]]*\[/.test(part)) throw new NodelistError(`[mpi] Malformed nodelist "${nodelist}": nested brackets.`, { nodelist });
    hosts.push(...expandOne(part, nodelist));
  }
  return hosts;
}

interface Parsed {
  prefix: string;
  digits: string;
}

function splitHost(host: string): Parsed | undefined {
  const m = /^(.*?)(\d+)$/.exec(host);
  return m ? { prefix: m[1]!, digits: m[2]! } : undefined;
}

/**
 * Compress host names into a SLURM nodelist (the inverse of {@link expandNodelist}); hosts sharing a
 * prefix and digit width are grouped, ranges joined, first-seen order of prefixes kept.
 *
 * @example
 * ```ts
 * compressNodelist(["node1","node2","node3","node7"]); // "node[1-3,7]"
 * ```
 */
export function compressNodelist(hosts: readonly string[]): string {
  const groups = new Map<string, { prefix: string; nums: { n: number; s: string }[] }>();
  const order: string[] = [];
  const singles = new Map<string, string>();
  for (const h of hosts) {
    const p = splitHost(h);
    if (!p || p.prefix.includes("[") || p.prefix.includes("]")) {
      if (!singles.has(h)) {
        singles.set(h, h);
        order.push(`=${h}`);
      }
      continue;
    }
    const key = p.prefix;
    let g = groups.get(key);
    if (!g) {
      g = { prefix: p.prefix, nums: [] };
      groups.set(key, g);
      order.push(`#${key}`);
    }
    if (!g.nums.some((x) => x.s === p.digits)) g.nums.push({ n: Number(p.digits), s: p.digits });
  }
  const out: string[] = [];
  for (const o of order) {
    if (o.startsWith("=")) {
      out.push(o.slice(1));
      continue;
    }
    const g = groups.get(o.slice(1))!;
    if (g.nums.length === 1) {
      out.push(g.prefix + g.nums[0]!.s);
      continue;
    }
    const nums = [...g.nums].sort((a, b) => a.n - b.n);
    const ranges: string[] = [];
    let start = nums[0]!;
    let prev = nums[0]!;
    const flush = (): void => {
      ranges.push(start === prev ? start.s : `${start.s}-${prev.s}`);
    };
    for (const x of nums.slice(1)) {
      // a range continues only with consecutive numbers of the same zero-padded width
      if (x.n === prev.n + 1 && (x.s.length === prev.s.length || !prev.s.startsWith("0"))) {
        prev = x;
      } else {
        flush();
        start = x;
        prev = x;
      }
    }
    flush();
    out.push(`${g.prefix}[${ranges.join(",")}]`);
  }
  return out.join(",");
}

/**
 * Expand SLURM's compact per-node counts (`SLURM_TASKS_PER_NODE`, `SLURM_JOB_CPUS_PER_NODE`):
 * "2(x3),1" -> [2, 2, 2, 1].
 * @throws NodelistError (PARSE_ERROR) for anything else.
 */
export function expandCounts(value: string): number[] {
  const out: number[] = [];
  for (const part of value.trim().split(",")) {
    const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(part.trim());
    if (!m) throw new NodelistError(`[mpi] Malformed per-node count "${value}": expected a list like 2(x3),1.`, { value });
    const n = Number(m[1]);
    const times = m[2] === undefined ? 1 : Number(m[2]);
    for (let i = 0; i < times; i++) out.push(n);
  }
  return out;
}
