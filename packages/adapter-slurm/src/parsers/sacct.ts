/** One sacct row for a job allocation (steps are dropped). */
export interface SacctRow {
  jobId: string;
  state: string;
  exitCode: string;
  reason: string;
  nodes: string;
}

/** argv for a post-mortem sacct query of ONE job (sacct hangs on long id lists; never batch many). */
export function sacctArgv(jobId: string, sacct = "sacct"): string[] {
  return [sacct, "--noheader", "--parsable2", "--allocations", `--jobs=${jobId}`, "--format=JobID,State,ExitCode,Reason,NodeList"];
}

/** Parse output of {@link sacctArgv} (`|`-separated, no trailing separator). */
export function parseSacct(stdout: string): SacctRow[] {
  const rows: SacctRow[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const [jobId, state, exitCode, reason, nodes] = line.split("|");
    if (!jobId || !/^\d+(_\d+)?$/.test(jobId.trim()) || state === undefined) continue;
    rows.push({ jobId: jobId.trim(), state: state.trim(), exitCode: (exitCode ?? "").trim(), reason: (reason ?? "").trim(), nodes: (nodes ?? "").trim() });
  }
  return rows;
}
