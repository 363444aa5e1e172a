/**
 * Run statistics: what the engine knows about the run (cycles, ticks, per-sink totals) and what
 * the worker pool counts. The engine owns and updates them; sinks, metrics, the server and the
 * summary only read them.
 */
import type { SinkFault } from "./errors.ts";

/** Engine-level facts that sinks such as the status file record alongside a cycle. */
export type EngineStats = {
  provider: string;
  startedAt: number;
  intervalSeconds: number;
  cyclesRun: number;
  cyclesFailed: number;
  skippedTicks: number;
  /** Ticks whose cycle started late because the event loop was busy (see scheduler.ts). */
  lateTicks: number;
  overruns: number;
  /** Last cycle's wall time including emission, ms; and that over the interval. */
  lastCycleMs: number;
  budgetUsed: number;
  lastError: { at: number; message: string } | null;
  sinks: Record<string, SinkTotals>;
  /** Worker pool counters (null when everything runs inline). */
  pool: Readonly<PoolStats> | null;
};

/**
 * Per-sink totals since start. `errors` counts failed writes (a thrown write, and each target
 * faulted in a cycle); `failing` lists the targets that faulted in the last cycle (empty when
 * the sink is healthy), so the status file, /readyz, the dashboard and metrics can name them.
 */
export type SinkTotals = { rows: number; bytes: number; duplicatesSkipped: number; errors: number; failing: SinkFault[] };

/** How a worker failed a job. */
export type FailureKind = "error" | "exit" | "timeout";
export type PoolEvent = { job: number; failure: FailureKind; message: string; then: "retried" | "inline" };

export type PoolStats = {
  workers: number;
  jobs: number;
  inlineJobs: number;
  retries: number;
  restarts: number;
  failures: Record<FailureKind, number>;
};
