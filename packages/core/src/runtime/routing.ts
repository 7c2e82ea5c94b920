import type { ExecutorRule } from "../runtime-types.js";

const globCache = new Map<string, RegExp>();

function globRe(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    globCache.set(glob, re);
  }
  return re;
}

/** Does a rule match a job name and its tags? Both given criteria must match. */
export function ruleMatches(rule: ExecutorRule, job: string, tags: readonly string[]): boolean {
  if (rule.job === undefined && rule.tag === undefined) return false;
  if (rule.job !== undefined && !(rule.job.includes("*") ? globRe(rule.job).test(job) : rule.job === job)) return false;
  if (rule.tag !== undefined && !tags.includes(rule.tag)) return false;
  return true;
}

/** Inputs of executor selection, from the most to the least specific. */
export interface RouteQuery {
  job: string;
  tags: readonly string[];
  /** `executor` call option. */
  callExecutor: string | undefined;
  runRules: readonly ExecutorRule[];
  runtimeRules: readonly ExecutorRule[];
  runDefault: string | undefined;
  runtimeDefault: string;
}

/**
 * Choose the executor for a call: call option > run rules > runtime rules (first match wins,
 * by job-name glob and/or tag) > run default > runtime default.
 */
export function selectExecutor(q: RouteQuery): string {
  if (q.callExecutor) return q.callExecutor;
  for (const r of q.runRules) if (ruleMatches(r, q.job, q.tags)) return r.executor;
  for (const r of q.runtimeRules) if (ruleMatches(r, q.job, q.tags)) return r.executor;
  return q.runDefault ?? q.runtimeDefault;
}
