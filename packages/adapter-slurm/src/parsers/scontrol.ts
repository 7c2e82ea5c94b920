/**
 * Parse `scontrol show job -o <id>` (one line per job, `Key=Value` pairs; values may contain
 * spaces only for a few keys such as Command/WorkDir/Reason, which this parser keeps whole by
 * splitting only before `Key=` tokens).
 */
export function parseScontrolJob(stdout: string): Record<string, string>[] {
  const jobs: Record<string, string>[] = [];
  const text = stdout.trim();
  if (!text || /Invalid job id/i.test(text)) return jobs;
  // -o prints one job per line; without -o, jobs are separated by blank lines.
  const blocks = text.includes("\n\n") ? text.split(/\n\s*\n/) : text.split(/\n(?=JobId=)/);
  for (const block of blocks) {
    const flat = block.replace(/\s*\n\s*/g, " ").trim();
    if (!flat.startsWith("JobId=")) continue;
    const rec: Record<string, string> = {};
    const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=/g;
    const marks: { key: string; start: number; valueStart: number }[] = [];
    let m: RegExpExecArray | null;
    while ((m = re.exec(flat)) !== null) {
      marks.push({ key: m[1]!, start: m.index, valueStart: m.index + m[0].length });
    }
    for (let i = 0; i < marks.length; i++) {
      const cur = marks[i]!;
      const end = i + 1 < marks.length ? marks[i + 1]!.start : flat.length;
      if (!(cur.key in rec)) rec[cur.key] = flat.slice(cur.valueStart, end).trim();
    }
    jobs.push(rec);
  }
  return jobs;
}
