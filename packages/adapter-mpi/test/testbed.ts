import { execFileSync } from "node:child_process";

/** Whether the testbed's SLURM is reachable (testbed/up.sh + source testbed/env.sh). */
export const slurmAvailable = (() => {
  if (!process.env.SLURM_CONF) return false;
  try {
    execFileSync("sinfo", ["-h"], { stdio: "pipe", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();

/** Whether Open MPI's mpirun and mpicc are installed. */
export const mpiAvailable = (() => {
  try {
    return /Open MPI/.test(execFileSync("mpirun", ["--version"], { encoding: "utf8", stdio: "pipe" })) && execFileSync("which", ["mpicc"], { stdio: "pipe" }).length > 0;
  } catch {
    return false;
  }
})();

/** With CI=true the real-infrastructure tests run (and fail when the thing is missing); elsewhere they may skip. */
export const inCI = process.env.CI === "true";
export const runSlurmTests = slurmAvailable || inCI;
export const runMpiTests = mpiAvailable || inCI;
export const HOW = "run `bash testbed/up.sh && source testbed/env.sh` first (as root)";
if (!runSlurmTests) console.warn(`[adapter-mpi tests] SLURM tests skipped: ${HOW}`);
if (!runMpiTests) console.warn(`[adapter-mpi tests] MPI tests skipped: install Open MPI (bash testbed/install.sh)`);
