/**
 * The Sink contract. The engine calls `open` once, then `write` once per cycle from the main
 * thread (never concurrently), `flush` at shutdown (and whenever it wants data on disk), then
 * `close`; `market`, when the sink has it, on each market state change of a live provider. A sink throws what it could not write (a `SinkError` with the file or endpoint);
 * it never swallows errors. Counting and reporting live once in the engine.
 */
import type { CycleResult } from "./cycle.ts";
import type { SinkFault } from "./errors.ts";
import type { EngineStats } from "./stats.ts";
import type { MarketStatus } from "./market.ts";

/** What one write achieved; `faults` lists the targets it could not write (absent: none). */
export type SinkReport = { rows: number; bytes: number; duplicatesSkipped: number; faults?: SinkFault[] };

export interface Sink {
  readonly name: string;
  open(): Promise<void>;
  write(result: CycleResult, stats: Readonly<EngineStats>): Promise<SinkReport>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: records a market state change of a live provider (between cycles, never during
   * one): the status file says "closed, next open …" while the engine idles.
   */
  market?(status: MarketStatus, stats: Readonly<EngineStats>): Promise<void>;
}

/**
 * Turns a cycle into a view of it (e.g. the summary snapshot the panels sink writes). Called
 * once per cycle, in cycle order, from the sink's `write`; it may keep state across cycles.
 */
export type SnapshotBuilder<S> = (result: CycleResult, stats: Readonly<EngineStats>) => S;
