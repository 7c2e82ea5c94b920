import { LatticeworkError } from "@latticework/core";

/**
 * Parse `sbatch --parsable` output: "<jobid>" or "<jobid>;<cluster>", possibly preceded by
 * warning lines. Throws PARSE_ERROR naming the text when no job id is present.
 */
export function parseSbatchParsable(stdout: string): { jobId: string; cluster?: string } {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(\d+(?:_\d+)?)(?:;(\S+))?$/.exec(lines[i]!);
    if (m && m[1]) return m[2] ? { jobId: m[1], cluster: m[2] } : { jobId: m[1] };
  }
  throw new LatticeworkError("PARSE_ERROR", `[slurm] sbatch --parsable printed no job id: ${JSON.stringify(stdout.slice(0, 300))}`);
}

/** Controller errors that are worth retrying (the controller is busy or briefly unreachable). */
const TRANSIENT = [
  /Socket timed out/i,
  /Resource temporarily unavailable/i,
  /Unable to contact slurm controller/i,
  /Slurm temporarily unable to accept job/i,
  /Communication connection failure/i,
  /Connection refused/i,
  /Zero Bytes were transmitted or received/i,
  /MaxJobCount/i,
  /Job submit\/allocate rate limit/i,
  /slurm_load_jobs error: Socket timed out/i,
];

/** Is this stderr from sbatch/squeue/scancel a transient controller problem (retry with back-off)? */
export function isTransientSlurmError(stderr: string): boolean {
  return TRANSIENT.some((re) => re.test(stderr));
}

/** The meaningful line of an sbatch error ("sbatch: error: invalid partition specified: x"). */
export function slurmErrorMessage(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const errs = lines.filter((l) => /error/i.test(l));
  return (errs.length ? errs : lines).join(" | ").slice(0, 1000) || "(no message)";
}
