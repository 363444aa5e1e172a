/**
 * The Sink contract. A sink never runs on its own: the engine wraps each one in a running sink
 * (src/engine/running-sink.ts) that owns a bounded queue, retries, flush timers and counting.
 * The running sink calls `open` once, then `write` once per cycle in cycle order and never
 * concurrently, `flush` on the sink's own timer and at shutdown, then `close`. A sink throws
 * what it could not write at all (a `SinkError`, saying whether a retry may succeed) and reports
 * the targets it could not write while the rest was written; it never swallows errors, never
 * retries and never sleeps on its own. `market`, when the sink has it, is called (through the
 * same running sink, between writes) on each market state change of a live provider.
 */
import type { CycleResult } from "./cycle.ts";
import type { SinkFault } from "./errors.ts";
import type { EngineStats } from "./stats.ts";
import type { MarketStatus } from "./market.ts";

/**
 * What one write achieved. `rows` were accepted (written); `rejected` rows were refused for
 * good (a bad value, a type conflict: retrying cannot help); `kept` rows are held by the sink
 * for a later write (a batching sink's buffer); `deadLettered` of the rejected rows were set aside
 * in a dead-letter file; `faults` lists the targets it could not write
 * (absent: none).
 */
export type SinkReport = { rows: number; bytes: number; duplicatesSkipped: number; rejected?: number; deadLettered?: number; kept?: number; faults?: SinkFault[] };

/**
 * How a sink wants to be run: how many cycles may wait for it and what happens when that many
 * wait. Declared by each sink (its nature decides: the CSV files must not lose a row, the status
 * file only needs the newest cycle).
 */
export type SinkQueuePolicy = {
  /** Cycles that may wait for the sink, at least 1. */
  capacity: number;
  /**
   * When `capacity` cycles wait: "block" makes the engine wait for room before the next cycle
   * (nothing is lost; collection slows and the ticks it misses are counted as skipped);
   * "drop_oldest" drops the oldest waiting cycle, counted in `dropped` (for a sink that only
   * shows the latest state, e.g. the status file, an older cycle is superseded by a newer one).
   */
  whenFull: "block" | "drop_oldest";
  /** Milliseconds between flushes while running (a batching sink's timer); 0: only at shutdown. */
  flushIntervalMs: number;
};

export interface Sink {
  readonly name: string;
  /** How the running sink treats this sink's queue; absent fields take the running sink's defaults. */
  readonly queue?: Partial<SinkQueuePolicy>;
  open(): Promise<void>;
  /**
   * Writes one cycle. `stats` holds the engine's counters as they were at the end of that cycle,
   * except `stats.sinks`, the storage counters, which are live (as they are when read).
   */
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
 * A sink whose writes can outlive the process: it turns a cycle into a self-contained payload
 * (e.g. InfluxDB line protocol) and delivers payloads, so that payloads it could not deliver
 * can wait in a spool on disk and be delivered, in order, later (even after a restart).
 */
export interface SpoolableSink extends Sink {
  /** The cycle as one payload, to deliver now or to spool. Pure: no I/O. */
  encode(result: CycleResult, stats: Readonly<EngineStats>): Uint8Array;
  /** Delivers one payload (encoded by this sink, now or in an earlier run). */
  deliver(payload: Uint8Array, signal?: AbortSignal): Promise<SinkReport>;
}

/**
 * A durable FIFO of payloads a spoolable sink could not deliver (the spool hook of the running
 * sink). The running sink appends what it cannot deliver, and delivers the oldest payload before
 * anything newer until the spool is empty, so the order of cycles is kept.
 */
export interface SinkSpool {
  /** Payloads waiting. */
  readonly pending: number;
  /** Bytes waiting. */
  readonly bytes: number;
  /** When the oldest waiting payload was appended (epoch ms), or null (optional: a spool that does not know). */
  readonly oldestAt?: number | null;
  /**
   * True while the spool is at its cap and its policy is to pause collection: the running sink
   * then takes no new cycle until deliveries make room, so its queue fills and the engine waits.
   */
  readonly full?: boolean;
  /** Payloads the spool dropped to stay under its cap (drop_oldest policy), since it was opened. */
  readonly dropped?: number;
  /** Appends a payload; resolves once it is durable. Throws when it cannot be kept (the caller counts it dropped). */
  append(payload: Uint8Array): Promise<void>;
  /** The oldest payload, or null when the spool is empty. */
  oldest(): Promise<Uint8Array | null>;
  /** Removes the oldest payload (after it was delivered or rejected for good). */
  ack(): Promise<void>;
  close(): Promise<void>;
}

/** Whether `sink` can spool its writes. */
export function isSpoolable(sink: Sink): sink is SpoolableSink {
  return typeof (sink as Partial<SpoolableSink>).encode === "function" && typeof (sink as Partial<SpoolableSink>).deliver === "function";
}

/**
 * Turns a cycle into a view of it (e.g. the summary snapshot the panels sink writes). Called
 * once per cycle, in cycle order, from the sink's `write`; it may keep state across cycles.
 */
export type SnapshotBuilder<S> = (result: CycleResult, stats: Readonly<EngineStats>) => S;
