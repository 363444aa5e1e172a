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

/**
 * One target (a file, an endpoint) a sink could not write in a cycle while the rest of the
 * cycle was written: the fault stays confined to `target`. `reason` is one line for people
 * (what failed and why, e.g. "ENOSPC: no space left on device"); `code` is a bounded label.
 */
export type SinkFault = { target: string; code: SinkFaultCode; reason: string };

/** Bounded fault codes (metric labels). */
export const SINK_FAULT_CODES = ["no_space", "read_only", "permission", "foreign_file", "io"] as const;
export type SinkFaultCode = (typeof SINK_FAULT_CODES)[number];

/** What one write achieved; `faults` lists the targets it could not write (absent: none). */
export type SinkReport = { rows: number; bytes: number; duplicatesSkipped: number; faults?: SinkFault[] };

/** Most fault targets named in a reason; the rest are counted. */
const NAMED_FAULTS = 3;

/** The target of a fault that stopped a sink's whole write (it threw). */
export const WHOLE_SINK = "";

/** One fault in words: a foreign file was set aside (and the target written afresh), anything else could not be written. */
export function describeFault(f: SinkFault): string {
  if (f.target === WHOLE_SINK) return `nothing written (${f.reason})`;
  return f.code === "foreign_file" ? `${f.target}: ${f.reason}` : `cannot write ${f.target} (${f.reason})`;
}

/** "path (reason)" for the first few faults, then "+N more". */
export function describeFaults(faults: readonly SinkFault[]): string {
  const named = faults.slice(0, NAMED_FAULTS).map(describeFault);
  const more = faults.length - NAMED_FAULTS;
  return named.join("; ") + (more > 0 ? `; +${more} more` : "");
}

/** The fault code of a file-system error (errno code → bounded label). */
export function faultCodeOf(err: unknown): SinkFaultCode {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "no_space";
  if (code === "EROFS") return "read_only";
  if (code === "EACCES" || code === "EPERM") return "permission";
  return "io";
}

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
