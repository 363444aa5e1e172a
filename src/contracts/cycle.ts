/**
 * The result of one collection cycle: what the engine hands every sink, the metrics, the
 * server and the summary. Built by the engine's cycle (src/engine/cycle.ts); read-only for the
 * rest. It describes what was collected; whether it was stored is in the storage counters
 * (EngineStats.sinks), and `withStorage` combines the two for the status file and /status.
 */
import type { ChainBatch } from "../chain/batch.ts";
import type { ExpirySummary, IndexSummary } from "../chain/score.ts";
import type { AnalyticsScope } from "../chain/chain-legs.ts";
import type { StrikeFlow } from "../chain/strike-flow.ts";
import type { IV_FAILURE_REASONS } from "../analytics/index.ts";
import type { ComputeReport } from "./compute.ts";
import { describeFaults, type ErrorCode } from "./errors.ts";
import type { SinkTotals } from "./stats.ts";

/**
 * Option rows rendered up to (not including) the last two columns, which depend on per-series
 * history the sink keeps: `bytes` holds, for each strike pair of the rendered groups in order,
 * `timestamp,…,ce_rho,pe_rho`; pair k's body is bytes[pairEnd[k-1] … pairEnd[k]) (empty for a
 * pair with no quotes). Rendering is pure CPU work, so it runs with enrichment, on the pool.
 */
export type RenderedRows = { pairStart: number; bytes: Uint8Array; pairEnd: Uint32Array };

export const PHASES = ["spot", "plan", "fetch", "enrich", "score"] as const;
export type Phase = (typeof PHASES)[number];

export type CycleError = { phase: Phase; code: ErrorCode; message: string };

export type CycleResult = {
  cycle: number;
  /** Snapshot instant (epoch ms) and its IST date. */
  at: number;
  date: string;
  /** Milliseconds per phase, and in total. */
  durations: Record<Phase | "total", number>;
  batch: ChainBatch;
  expiries: ExpirySummary[];
  indices: IndexSummary[];
  /** NaN IVs by reason (no_price counts legs without any usable price). */
  ivFailures: Record<(typeof IV_FAILURE_REASONS)[number], number>;
  legsRequested: number;
  legsCollected: number;
  status: CycleStatus;
  /**
   * Why the cycle is not OK, for people ("" when OK): the non-OK indices with their reasons.
   */
  statusReason: string;
  /** Standing conditions people should know of, e.g. a holiday calendar not covering the expiries collected. */
  warnings: string[];
  errors: CycleError[];
  /** Shards and worker failures (retries, inline redos) of the compute phases. */
  compute: { fetch: ComputeReport; enrich: ComputeReport };
  /** CSV row bodies rendered during enrichment, in batch order (null: not rendered). */
  rendered: RenderedRows[] | null;
  /** The legs' quote times: data age and snapshot skew (absent or null: no leg carried a time). */
  quoteTimes?: QuoteTimes | null;
  /** analytics.scope of the cycle (absent: "window"); each expiry says what its aggregates used (ExpirySummary.scope). */
  analyticsScope?: AnalyticsScope;
  /**
   * The chain legs outside the ladder (chain scope), group g beside the batch's group g; never
   * written as CSV rows. Absent or null: none fetched this cycle.
   */
  chain?: ChainBatch | null;
  /** Per-strike OI change and build-up per expiry of this cycle (read with strikeFlowOf, src/chain/strike-flow.ts). */
  flows?: StrikeFlow[];
};

export type CycleStatus = "OK" | "PARTIAL" | "EMPTY";

/**
 * The quotes' own times in a cycle (a live provider's quotes carry the exchange's time; the
 * snapshot instant is the scheduled tick): the first and last quote time over the legs, epoch
 * ms; `skewMs` = last − first (how far apart in time the snapshot's quotes are); `ageMs` = the
 * wall time when the fetch ended − first (how old the oldest quote was when collected).
 */
export type QuoteTimes = { first: number; last: number; skewMs: number; ageMs: number };

/** The quote times of `quoteTime` (epoch ms per leg, NaN: none) as of wall time `now`; null when no leg has one. */
export function quoteTimesOf(quoteTime: ArrayLike<number>, now: number): QuoteTimes | null {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < quoteTime.length; i++) {
    const t = quoteTime[i]!;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  if (!Number.isFinite(first)) return null;
  return { first, last, skewMs: last - first, ageMs: now - first };
}

/**
 * A cycle's status and reason with the storage faults of now: an OK cycle is PARTIAL while a
 * sink fails (an EMPTY one stays EMPTY), and the reason names each failing sink and its targets.
 */
export function withStorage(result: Pick<CycleResult, "status" | "statusReason">, sinks: Readonly<Record<string, Readonly<SinkTotals>>>): { status: CycleStatus; reason: string } {
  let status = result.status;
  const reasons = result.statusReason ? [result.statusReason] : [];
  for (const [name, t] of Object.entries(sinks)) {
    if (!t.failing.length) continue;
    if (status === "OK") status = "PARTIAL";
    reasons.push(`${name}: ${describeFaults(t.failing)}`);
  }
  return { status, reason: reasons.join("; ") };
}
