/** One measured figure, side by side with the peer. */
export interface BenchRow {
  suite: string;
  metric: string;
  unit: string;
  ours: number;
  /** The peer's figure measured in the same invocation (Dask, ASE, plain sbatch), when there is one. */
  peer?: number;
  peerName?: string;
  /** ours/peer or peer/ours, whichever is "higher is better" for us; explained in `ratioNote`. */
  ratio?: number;
  ratioNote?: string;
  target?: string;
  pass?: boolean;
  notes?: string;
}

/** A bench suite: bench/suites/<name>.ts exports `run` with this signature. */
export type BenchSuite = (opts: { quick: boolean; log: (msg: string) => void }) => Promise<BenchRow[]>;
