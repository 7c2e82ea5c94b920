/** What the launcher's own output says about the first failing rank. */
export interface RankFailure {
  rank?: number;
  host?: string;
  exitCode?: number;
  signal?: string;
}

const PATTERNS: { re: RegExp; map: (m: RegExpExecArray) => RankFailure }[] = [
  // Open MPI: "Process name: [[5447,1],2]\n  Exit code:    3"
  { re: /Process name:\s*\[\[\d+,\d+\],(\d+)\]\s*\n\s*Exit code:\s*(\d+)/, map: (m) => ({ rank: Number(m[1]), exitCode: Number(m[2]) }) },
  // Open MPI: "mpirun noticed that process rank 1 with PID 123 on node n1 exited on signal 9 (Killed)."
  {
    re: /process rank (\d+) with PID \d+ on node (\S+) exited on signal (\d+)(?: \(([^)]+)\))?/,
    map: (m) => ({ rank: Number(m[1]), host: m[2]!, signal: m[4] ?? `signal ${m[3]}` }),
  },
  // MPICH/Hydra: "=   RANK 2 PID 1234 RUNNING AT node1\n=   EXIT CODE: 3" (or KILLED BY SIGNAL: 9 (Killed))
  {
    re: /RANK (\d+) PID \d+ RUNNING AT (\S+)\s*\n=\s*(?:EXIT CODE: (\d+)|KILLED BY SIGNAL: (\d+)(?: \(([^)]+)\))?)/,
    map: (m) => ({ rank: Number(m[1]), host: m[2]!, ...(m[3] !== undefined ? { exitCode: Number(m[3]) } : { signal: m[5] ?? `signal ${m[4]}` }) }),
  },
  // srun: "srun: error: node1: task 2: Exited with exit code 3" / "task 0-1: Killed"
  {
    re: /srun: error: (\S+): tasks? (\d+)[^:]*: (?:Exited with exit code (\d+)|(Killed|Terminated|Segmentation fault|Aborted))/,
    map: (m) => ({ rank: Number(m[2]), host: m[1]!, ...(m[3] !== undefined ? { exitCode: Number(m[3]) } : { signal: m[4]! }) }),
  },
];

/**
 * Find the first failing rank in an MPI launcher's stderr/stdout (Open MPI, MPICH/Hydra, srun
 * formats). Returns {} when the text says nothing recognisable.
 */
export function parseRankFailure(text: string): RankFailure {
  let best: { at: number; f: RankFailure } | undefined;
  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (m && (!best || m.index < best.at)) best = { at: m.index, f: p.map(m) };
  }
  return best?.f ?? {};
}
