/** One row of our squeue query. */
export interface SqueueRow {
  jobId: string;
  /** Long state name (`%T`), e.g. PENDING, RUNNING, TIMEOUT. */
  state: string;
  /** Pending reason or "None" (`%r`). */
  reason: string;
  /** Allocated nodes (`%N`), compressed. Empty while pending. */
  nodes: string;
  /** Job name (`%j`). */
  name: string;
}

/** Field separator of {@link SQUEUE_FORMAT}; job names are printed last so a separator inside a name is harmless. */
export const SQUEUE_SEP = "|";

/** `squeue -o` format matching {@link parseSqueue}: id, long state, reason, nodes, name (last). */
export const SQUEUE_FORMAT = "%i|%T|%r|%N|%j";

/**
 * argv for one squeue call covering every job of this user (all states still known to the
 * controller, so recently finished jobs show their final state). `--me` avoids long id lists and
 * the non-zero exit squeue gives for one unknown id.
 */
export function squeueArgv(squeue = "squeue", opts: { user?: string; names?: readonly string[] } = {}): string[] {
  const argv = [squeue, "--noheader", "--states=all", `--format=${SQUEUE_FORMAT}`];
  if (opts.user) argv.push(`--user=${opts.user}`);
  else argv.push("--me");
  if (opts.names && opts.names.length > 0) argv.push(`--name=${opts.names.join(",")}`);
  return argv;
}

/** Parse output of {@link squeueArgv}. Lines that do not match are ignored (warnings). */
export function parseSqueue(stdout: string): SqueueRow[] {
  const rows: SqueueRow[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const parts = line.split(SQUEUE_SEP);
    if (parts.length < 5) continue;
    const [jobId, state, reason, nodes] = parts as [string, string, string, string];
    if (!/^\d+(_\d+)?$/.test(jobId.trim())) continue;
    rows.push({ jobId: jobId.trim(), state: state.trim(), reason: reason.trim(), nodes: nodes.trim(), name: parts.slice(4).join(SQUEUE_SEP).trim() });
  }
  return rows;
}
