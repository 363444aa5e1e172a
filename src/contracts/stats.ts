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
  /** Adaptive load control (src/engine/load-control.ts); absent when it is off. */
  load?: LoadStats;
};

/**
 * Load control's state: the steps shed now, in the declared order (the first shed first), and
 * the steps shed and restored since start.
 */
export type LoadStats = { shed: readonly string[]; sheds: number; restores: number };

/**
 * Per-sink totals since start, counted in one place (the running sink, src/engine/running-sink.ts)
 * and read by the status file, /readyz, the dashboard and the metrics alike.
 * - `rows`, `bytes`, `duplicatesSkipped`, `rejected`: rows written, bytes written, rows already
 *   present and skipped, rows refused for good by the target.
 * - `errors` counts failed writes (a write that threw after its retries, and each target faulted
 *   in a write); `failing` lists the targets of the last write that faulted (empty when healthy).
 * - `written`: cycles written; `queued`: cycles waiting now; `dropped`: cycles dropped (queue
 *   full under drop_oldest, or a write that failed for good); `retries`: write attempts repeated;
 *   `blocked`: cycles that waited for room in a full queue; `spooled`: payloads waiting in the
 *   spool (spooling sinks only).
 * - `lagMs`: how long the last written cycle waited from hand-over to written; `oldestQueuedAt`:
 *   when the oldest waiting cycle was handed over (wall clock, epoch ms), or null.
 * - `degraded`: why a spooling sink is behind while nothing is lost ("" when it is not): its
 *   target is unreachable and the spool keeps every payload. Degraded is shown (status file,
 *   /readyz body, dashboard, metrics) but leaves the engine ready; a sink that cannot keep what
 *   it could not deliver is failing instead.
 * - `spoolBytes`: bytes of the spool on disk; `spoolOldestAt`: when the oldest payload still
 *   waiting in the spool was appended (wall clock, epoch ms), or null; `deadLettered`: rows the
 *   target refused for good that were set aside in a dead-letter file (counted in `rejected` too).
 */
export type SinkTotals = {
  rows: number;
  bytes: number;
  duplicatesSkipped: number;
  rejected: number;
  errors: number;
  failing: SinkFault[];
  written: number;
  queued: number;
  dropped: number;
  retries: number;
  blocked: number;
  spooled: number;
  lagMs: number;
  oldestQueuedAt: number | null;
  degraded: string;
  spoolBytes: number;
  spoolOldestAt: number | null;
  deadLettered: number;
};

/** Totals of a sink that has written nothing yet. */
export function emptySinkTotals(): SinkTotals {
  return { rows: 0, bytes: 0, duplicatesSkipped: 0, rejected: 0, errors: 0, failing: [], written: 0, queued: 0, dropped: 0, retries: 0, blocked: 0, spooled: 0, lagMs: 0, oldestQueuedAt: null, degraded: "", spoolBytes: 0, spoolOldestAt: null, deadLettered: 0 };
}

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
