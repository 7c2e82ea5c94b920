import { z } from "zod";

/**
 * What a job asks for. Executors map this onto their own world: the local pool counts `cpus`
 * (total cores = ranks * cpusPerRank, or `cpus` when given), SLURM renders directives, MPI
 * launchers render ranks and hosts.
 */
export const JobResourcesSchema = z
  .object({
    /** Cores for a non-MPI job (default 1). For MPI jobs total cores are `ranks * cpusPerRank`. */
    cpus: z.number().int().positive().optional(),
    /** Nodes (allocations / whole-node subsets). */
    nodes: z.number().int().positive().optional(),
    /** Total MPI ranks. */
    ranks: z.number().int().positive().optional(),
    /** MPI ranks per node. */
    ranksPerNode: z.number().int().positive().optional(),
    /** Cores per rank (threads per rank default to this). */
    cpusPerRank: z.number().int().positive().optional(),
    /** Memory per node, in MiB. */
    memoryMb: z.number().int().positive().optional(),
    /** GPUs per node. */
    gpus: z.number().int().nonnegative().optional(),
    /** Walltime in seconds (SLURM `--time`). Distinct from the job time-out, which kills the work. */
    walltimeSeconds: z.number().int().positive().optional(),
    /** Whether the job launches MPI programs (`ctx.launch` with ranks). */
    mpi: z.boolean().optional(),
  })
  .strict();

/** Resources a job declares. */
export type JobResources = z.infer<typeof JobResourcesSchema>;

/** Cores a job occupies on one machine (used by pools to count slots). */
export function coresOf(r: JobResources | undefined): number {
  if (!r) return 1;
  if (r.cpus !== undefined) return r.cpus;
  if (r.ranks !== undefined) return r.ranks * (r.cpusPerRank ?? 1);
  return 1;
}

/**
 * Where a task runs: the hosts it owns and how many slots on each. Given to the job context so MPI
 * launchers can render host lists. Local executors give `[{ host: "localhost", slots: n }]`.
 */
export const PlacementSchema = z
  .object({
    hosts: z.array(z.object({ host: z.string().min(1), slots: z.number().int().positive() }).strict()),
    /** Where the placement came from: "local", "slurm" (per-job allocation), "pilot", "static". */
    source: z.string().default("local"),
    /** Scheduler job id, when inside an allocation. */
    allocationId: z.string().optional(),
  })
  .strict();

/** Hosts and slots a task owns. */
export type Placement = z.infer<typeof PlacementSchema>;
