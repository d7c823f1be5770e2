/** What a running step may do besides computing: report progress, log, plot a curve, stop when asked, keep a checkpoint. */
export interface RunContext {
  /** Fraction done, 0..1. */
  progress(fraction: number, message?: string): void;
  log(message: string): void;
  /** One point of a live curve (per epoch): `values` like { loss, accuracy, val_loss }. */
  epoch(epoch: number, values: Record<string, number>): void;
  signal: AbortSignal;
  /** Identifies this step's run, e.g. for naming what it publishes. */
  runId: string;
  nodeId: string;
  /**
   * The step's last saved state, kept across a retry on another worker (a worker killed mid-training
   * resumes from here); cleared once the step succeeds.
   */
  checkpoint: { load(): unknown | null; save(state: unknown): void };
}
