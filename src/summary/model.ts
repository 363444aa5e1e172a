/**
 * The summary model: a `SummarySnapshot` is everything the dashboard, the plain renderer and the
 * panel files show about one cycle. `buildSummary` is pure: it takes the cycle result, the engine
 * stats, a short rolling history and the instants it needs, and computes every figure once, so
 * renderers only format. Missing data stays missing (NaN, or null where JSON must carry it);
 * renderers show it as "-".
 */
import type { Alert, AlertLevel } from "../alerts/index.ts";
import type { MarketCalendar } from "../market/calendar.ts";
import { formatIsoIst } from "../market/ist.ts";
import { percentile } from "./stats.ts";
import type { CycleResult, EngineStats, SinkFault } from "../contracts/index.ts";

export const SUMMARY_SCHEMA_VERSION = 1;

export type { AlertLevel };
/** An alert as the summary shows it (see src/alerts/ for what raises one). */
export type SummaryAlert = { level: AlertLevel; at: string; message: string };

/** The part of an alert the summary shows. */
export const summaryAlert = (a: Alert): SummaryAlert => ({ level: a.level, at: a.at, message: a.message });

export type SummaryStatus = "OK" | "PARTIAL" | "EMPTY";

export type SummaryHeader = {
  /** Snapshot instant, ISO IST; the clock the data is from. */
  clock: string;
  /** Whether the session is open at the snapshot instant, and the next open (ISO IST) when not. */
  marketOpen: boolean;
  nextOpen: string | null;
  provider: string;
  /** "failed" when the cycle saw an `auth` error, else "ok". */
  auth: "ok" | "failed";
  cycle: number;
  intervalSeconds: number;
  /** Seconds since the engine started (wall clock). */
  uptimeSeconds: number;
  status: SummaryStatus;
  /** analytics.scope of the run ("chain" or "window"; absent in older documents). */
  analyticsScope?: string;
  /** Spread between the cycle's first and last quote time, seconds (absent or NaN: no quote times). */
  skewSeconds?: number;
};

export type SummaryIndex = {
  index: string;
  spot: number;
  /** spot − previous close, points; and as a fraction of the previous close. */
  change: number;
  changePct: number;
  atm: number;
  legsCollected: number;
  legsRequested: number;
  /** legsCollected / legsRequested (NaN when nothing was requested). */
  coverage: number;
  status: SummaryStatus;
  reason: string;
  /** Snapshot instant minus the newest quote of the index, seconds (NaN without quotes). */
  dataAgeSeconds: number;
  /** ATM IV (fraction) of the index's expiries by date: the term structure. */
  atmIvTerm: number[];
};

export type SummaryExpiry = {
  index: string;
  tag: string;
  expiry: string;
  pcr: number;
  maxPain: number;
  /** maxPain − spot, points. */
  maxPainDistance: number;
  /** Fraction (0.143 = 14.3 %). */
  atmIv: number;
  /** Fraction of spot. */
  impliedMove: number;
  support: number;
  resistance: number;
  status: SummaryStatus;
} & SummaryTrader;

/** An expiry's trader figures as the dashboard and panels show them (units in docs/ARCHITECTURE.md, "Trader analytics"). */
export type SummaryTrader = {
  /** What the aggregates were computed on: "chain" (every listed strike) or "window" (the ladder). */
  scope: string;
  /** Legs with OI over the scope's legs, fraction; complete when 1. */
  aggregateCoverage: number;
  pcrVolume: number;
  /** 25-delta risk reversal and butterfly, IV fractions. */
  rr25: number;
  bf25: number;
  /** OI change over the lookback, summed over strikes, contracts. */
  callOiChange: number;
  putOiChange: number;
  callBuildup: string;
  putBuildup: string;
  topOiAdditions: { strike: number; side: string; change: number }[];
  topOiReductions: { strike: number; side: string; change: number }[];
  /** Percent (NaN until enough recorded sessions). */
  ivRank: number;
  ivPercentile: number;
};

export type SummaryPerformance = {
  /** Cycle wall time, ms: last, and p50/p95 over the history window. */
  lastMs: number;
  p50Ms: number;
  p95Ms: number;
  windowCycles: number;
  /** Last cycle's time over the interval (fraction). */
  budgetUsed: number;
  overruns: number;
  skippedTicks: number;
  poolWorkers: number;
  poolRestarts: number;
  /** Load-control steps shed now, in shed order (absent: load control is off). */
  loadShed?: readonly string[];
};

/**
 * One sink's totals. `failing` counts the targets (files, endpoints) it could not write in the
 * last cycle and `firstFailing` is the first of them (null when none): a sink fault.
 */
export type SummarySink = {
  name: string;
  rows: number;
  bytes: number;
  errors: number;
  failing: number;
  firstFailing: SinkFault | null;
  /** Cycles waiting to be written, and cycles not written (dropped), from the running sink (0 in older status files). */
  queued: number;
  dropped: number;
  /** How long the last written cycle waited to be written, ms. */
  lagMs: number;
  /** Why a spooling sink is behind while nothing is lost ("" when it is not). */
  degraded: string;
  /** Payloads waiting in its spool, and their bytes (0 without a spool). */
  spooled: number;
  spoolBytes: number;
};

export type SummaryStorage = {
  sinks: SummarySink[];
  /** Rows written by all sinks, and points (influx rows; 0 without an influx sink). */
  rows: number;
  points: number;
  /** The longest any sink's last written cycle waited to be written, ms (sinks write off the cycle's critical path). */
  lagMs: number;
  errors: number;
  /** Targets failing in the last cycle, all sinks. */
  failing: number;
};

/** The storage block from its sinks: CSV and file rows, InfluxDB points, the worst lag, error and failing totals. */
export function summaryStorage(sinks: SummaryStorage["sinks"]): SummaryStorage {
  return {
    sinks,
    rows: sinks.filter((s) => s.name !== "influx").reduce((a, s) => a + s.rows, 0),
    points: sinks.filter((s) => s.name === "influx").reduce((a, s) => a + s.rows, 0),
    lagMs: sinks.reduce((a, s) => Math.max(a, s.lagMs), 0),
    errors: sinks.reduce((a, s) => a + s.errors, 0),
    failing: sinks.reduce((a, s) => a + s.failing, 0),
  };
}

export type SummaryLinks = { metricsUrl: string | null; dataDir: string };

/**
 * Where a remote dashboard (`g6 summary`) reads its data: the engine's server ("live",
 * `location` its base URL) or its status file ("file", `location` the path). `ageSeconds` is
 * how old the data is (wall clock, NaN when unknown). `freshness` is "stale" when the data is
 * older than three intervals and "stopped" when the engine said it stopped.
 */
export type SummarySource = { kind: "live" | "file"; location: string; ageSeconds: number; freshness: "fresh" | "stale" | "stopped" };

export type SummarySnapshot = {
  schemaVersion: number;
  header: SummaryHeader;
  indices: SummaryIndex[];
  expiries: SummaryExpiry[];
  performance: SummaryPerformance;
  storage: SummaryStorage;
  alerts: SummaryAlert[];
  links: SummaryLinks;
  /** Set by `g6 summary` only (the engine's own dashboard shows its data as it is made). */
  source?: SummarySource;
  /** While a live provider's market is closed: the idle line with its countdown (see idle.ts). */
  idle?: string;
};

export type PoolFacts = { workers: number; restarts: number };

export type SummaryInput = {
  result: CycleResult;
  stats: Readonly<EngineStats>;
  calendar: MarketCalendar;
  /** Wall clock, epoch ms (for uptime only). */
  now: number;
  /** Cycle wall times of the window, ms, oldest first (including this cycle). */
  cycleMsHistory: readonly number[];
  /** Most recent alerts, newest last. */
  alerts: readonly SummaryAlert[];
  pool: PoolFacts | null;
  links: SummaryLinks;
};

/** Newest quote time per index (epoch ms; NaN without quotes), from the batch. */
export function newestQuotes(result: CycleResult): Map<string, number> {
  const b = result.batch;
  const out = new Map<string, number>();
  for (let g = 0; g < b.groups; g++) {
    const index = b.labels.index[g]!;
    let newest = out.get(index) ?? Number.NaN;
    for (let i = b.start[g]!; i < b.end[g]!; i++) {
      const t = b.quoteTime[i]!;
      if (Number.isFinite(t) && !(t <= newest)) newest = t;
    }
    out.set(index, newest);
  }
  return out;
}

/** ATM IVs of one index's expiries ordered by expiry date (each date once): the term structure. */
export function termOf(expiries: readonly { expiry: string; atmIv: number }[]): number[] {
  const byDate = new Map<string, number>();
  for (const e of expiries) if (!byDate.has(e.expiry)) byDate.set(e.expiry, e.atmIv);
  return [...byDate.keys()].sort().map((d) => byDate.get(d)!);
}

/** The snapshot of one cycle (pure). */
export function buildSummary(input: SummaryInput): SummarySnapshot {
  const { result, stats, calendar } = input;
  const open = calendar.isOpen(result.at);
  const newest = newestQuotes(result);
  const sinks = Object.entries(stats.sinks).map(([name, t]) => summarySink(name, t));
  const pool = input.pool ?? { workers: 0, restarts: 0 };
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    header: {
      clock: formatIsoIst(result.at),
      marketOpen: open,
      nextOpen: open ? null : formatIsoIst(calendar.nextOpen(result.at)),
      provider: stats.provider,
      auth: result.errors.some((e) => e.code === "auth") ? "failed" : "ok",
      cycle: result.cycle,
      intervalSeconds: stats.intervalSeconds,
      uptimeSeconds: Math.max(0, Math.floor((input.now - stats.startedAt) / 1000)),
      status: result.status,
      analyticsScope: result.analyticsScope ?? "window",
      // Only for quotes stamped with their own times (a live market); the simulator stamps them with the snapshot instant.
      ...(result.quoteTimes && (result.quoteTimes.skewMs > 0 || result.quoteTimes.first !== result.at) ? { skewSeconds: result.quoteTimes.skewMs / 1000 } : {}),
    },
    indices: result.indices.map((s) => ({
      index: s.index,
      spot: s.spot,
      change: s.spot - s.prevClose,
      changePct: (s.spot - s.prevClose) / s.prevClose,
      atm: s.atm,
      legsCollected: s.legsCollected,
      legsRequested: s.legsRequested,
      coverage: s.legsRequested > 0 ? s.legsCollected / s.legsRequested : Number.NaN,
      status: s.status,
      reason: s.reason,
      dataAgeSeconds: (result.at - (newest.get(s.index) ?? Number.NaN)) / 1000,
      atmIvTerm: termOf(result.expiries.filter((e) => e.index === s.index)),
    })),
    expiries: result.expiries.map((e) => ({
      index: e.index,
      tag: e.tag,
      expiry: e.expiry,
      pcr: e.pcrOi,
      maxPain: e.maxPain,
      maxPainDistance: e.maxPain - e.spot,
      atmIv: e.atmIv,
      impliedMove: e.impliedMove,
      support: e.support,
      resistance: e.resistance,
      status: e.status,
      scope: e.scope,
      aggregateCoverage: e.aggregateCoverage,
      pcrVolume: e.pcrVolume,
      rr25: e.rr25,
      bf25: e.bf25,
      callOiChange: e.callOiChangeLookback,
      putOiChange: e.putOiChangeLookback,
      callBuildup: e.callBuildup,
      putBuildup: e.putBuildup,
      topOiAdditions: e.topOiAdditions,
      topOiReductions: e.topOiReductions,
      ivRank: e.ivRank,
      ivPercentile: e.ivPercentile,
    })),
    performance: {
      lastMs: stats.lastCycleMs,
      p50Ms: percentile(input.cycleMsHistory, 0.5),
      p95Ms: percentile(input.cycleMsHistory, 0.95),
      windowCycles: input.cycleMsHistory.length,
      budgetUsed: stats.budgetUsed,
      overruns: stats.overruns,
      skippedTicks: stats.skippedTicks,
      poolWorkers: pool.workers,
      poolRestarts: pool.restarts,
      ...(stats.load ? { loadShed: stats.load.shed } : {}),
    },
    storage: summaryStorage(sinks),
    alerts: [...input.alerts],
    links: input.links,
  };
}

/** A sink's totals as the summary shows them (`failing`, the queue and spool counters may be absent in older status files). */
export function summarySink(
  name: string,
  t: { rows: number; bytes: number; errors: number; failing?: readonly SinkFault[]; queued?: number; dropped?: number; lagMs?: number; degraded?: string; spooled?: number; spoolBytes?: number },
): SummarySink {
  const failing = t.failing ?? [];
  return {
    name,
    rows: t.rows,
    bytes: t.bytes,
    errors: t.errors,
    failing: failing.length,
    firstFailing: failing[0] ?? null,
    queued: t.queued ?? 0,
    dropped: t.dropped ?? 0,
    lagMs: t.lagMs ?? 0,
    degraded: t.degraded ?? "",
    spooled: t.spooled ?? 0,
    spoolBytes: t.spoolBytes ?? 0,
  };
}
