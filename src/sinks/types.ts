/**
 * The Sink contract. The engine calls `open` once, then `write` once per cycle from the main
 * thread (never concurrently), `flush` at shutdown (and whenever it wants data on disk), then
 * `close`. A sink throws what it could not write (a `SinkError` with the file or endpoint);
 * it never swallows errors. Counting and reporting live once in the engine.
 */
import type { CycleResult } from "../engine/cycle.ts";
import type { PoolStats } from "../engine/pool.ts";

/** Engine-level facts that sinks such as the status file record alongside a cycle. */
export type EngineStats = {
  provider: string;
  startedAt: number;
  intervalSeconds: number;
  cyclesRun: number;
  cyclesFailed: number;
  skippedTicks: number;
  overruns: number;
  /** Last cycle's wall time including emission, ms; and that over the interval. */
  lastCycleMs: number;
  budgetUsed: number;
  lastError: { at: number; message: string } | null;
  sinks: Record<string, SinkTotals>;
  /** Worker pool counters (null when everything runs inline). */
  pool: Readonly<PoolStats> | null;
};

export type SinkTotals = { rows: number; bytes: number; duplicatesSkipped: number; errors: number };

export type SinkReport = { rows: number; bytes: number; duplicatesSkipped: number };

export class SinkError extends Error {
  constructor(
    readonly sink: string,
    message: string,
  ) {
    super(`${sink}: ${message}`);
    this.name = "SinkError";
  }
}

export interface Sink {
  readonly name: string;
  open(): Promise<void>;
  write(result: CycleResult, stats: Readonly<EngineStats>): Promise<SinkReport>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
