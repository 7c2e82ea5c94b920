import { LatticeworkError } from "@latticework/core";

/** Split on commas that are not inside brackets: "a[1-2,4],b" -> ["a[1-2,4]", "b"]. */
function splitTop(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of list) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (depth < 0) throw parseError(list, "unbalanced ']'");
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth !== 0) throw parseError(list, "unbalanced '['");
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

function parseError(list: string, why: string): LatticeworkError {
  return new LatticeworkError("PARSE_ERROR", `[slurm] Cannot parse node list ${JSON.stringify(list)}: ${why}.`);
}

function expandRanges(inner: string, list: string): string[] {
  const out: string[] = [];
  for (const part of inner.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m || m[1] === undefined) throw parseError(list, `bad range "${part}"`);
    const a = m[1];
    const b = m[2] ?? a;
    const lo = Number(a);
    const hi = Number(b);
    if (hi < lo) throw parseError(list, `descending range "${part}"`);
    if (hi - lo > 100_000) throw parseError(list, `range "${part}" too large`);
    const width = a.length;
    for (let i = lo; i <= hi; i++) out.push(String(i).padStart(width, "0"));
  }
  return out;
}

function expandOne(item: string, list: string): string[] {
  const open = item.indexOf("[");
  if (open < 0) return [item];
  const close = item.indexOf("]", open);
  if (close < 0) throw parseError(list, "unbalanced '['");
  const prefix = item.slice(0, open);
  const nums = expandRanges(item.slice(open + 1, close), list);
  const rest = expandOne(item.slice(close + 1), list);
  const out: string[] = [];
  for (const n of nums) for (const r of rest) out.push(prefix + n + r);
  return out;
}

/**
 * Expand a SLURM host list (`SLURM_JOB_NODELIST`, squeue `%N`) into host names, in order.
 *
 * @example
 * ```ts
 * expandNodelist("node[1-3,5],gpu[01-02]") // ["node1","node2","node3","node5","gpu01","gpu02"]
 * ```
 */
export function expandNodelist(list: string): string[] {
  const trimmed = list.trim();
  if (trimmed === "" || trimmed === "(null)" || trimmed === "None assigned") return [];
  const out: string[] = [];
  for (const item of splitTop(trimmed)) out.push(...expandOne(item, list));
  return out;
}

/**
 * Compress host names into SLURM's bracket notation (the inverse of {@link expandNodelist} for
 * names with one trailing number). Order of first appearance of each prefix is kept; zero-padded
 * numbers keep their width.
 *
 * @example
 * ```ts
 * compressNodelist(["node1","node2","node3","node5"]) // "node[1-3,5]"
 * ```
 */
export function compressNodelist(hosts: readonly string[]): string {
  interface Group { prefix: string; width: number; nums: number[] }
  const items: (Group | string)[] = [];
  const groups: Group[] = [];
  for (const h of hosts) {
    const m = /^(.*?)(\d+)$/.exec(h);
    if (!m || m[1] === undefined || m[2] === undefined) {
      if (!items.includes(h)) items.push(h);
      continue;
    }
    const [prefix, digits] = [m[1], m[2]];
    const padded = digits.length > 1 && digits.startsWith("0");
    // An unpadded number joins a padded group when it is exactly as wide ("100" with "001").
    let g = groups.find((x) => x.prefix === prefix && (padded ? x.width === digits.length : x.width === 0 || x.width === digits.length));
    if (!g) {
      g = { prefix, width: padded ? digits.length : 0, nums: [] };
      groups.push(g);
      items.push(g);
    }
    const n = Number(digits);
    if (!g.nums.includes(n)) g.nums.push(n);
  }
  return items
    .map((it) => {
      if (typeof it === "string") return it;
      const pad = (n: number) => String(n).padStart(it.width, "0");
      const nums = [...it.nums].sort((a, b) => a - b);
      if (nums.length === 1) return it.prefix + pad(nums[0]!);
      const ranges: string[] = [];
      let start = nums[0]!;
      let prev = start;
      for (const n of [...nums.slice(1), Number.NaN]) {
        if (n === prev + 1) {
          prev = n;
          continue;
        }
        ranges.push(start === prev ? pad(start) : `${pad(start)}-${pad(prev)}`);
        start = prev = n;
      }
      return `${it.prefix}[${ranges.join(",")}]`;
    })
    .join(",");
}
