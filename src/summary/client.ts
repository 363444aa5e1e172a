/**
 * `g6 summary`'s reading of an engine's documents: a status document (the status file, or the
 * server's /status and /events `snapshot`, which add the data directory and the cycle's market
 * figures) becomes a `SummarySnapshot` (`snapshotFromStatus`, pure). Any number a document
 * lacks (null, absent) stays missing (NaN) and renders as "-". Fetching the documents is in
 * remote.ts, the loop that switches between server and file in follow.ts.
 */
import { alertStateFromStatus, nextAlerts } from "../alerts/index.ts";
import type { MarketCalendar } from "../market/calendar.ts";
import { formatIsoIst, istEpoch } from "../market/ist.ts";
import type { MarketFigures } from "../server/events.ts";
import type { statusDocument } from "../sinks/status/sink.ts";
import { summaryAlert, summarySink, summaryStorage, SUMMARY_SCHEMA_VERSION, type SummaryAlert, type SummaryLinks, type SummarySnapshot, type SummarySource, type SummaryStatus } from "./model.ts";
import { percentile } from "./stats.ts";

export type StatusDocument = ReturnType<typeof statusDocument>;

/**
 * A document as `g6 summary` reads it: the status document, and the fields that only some
 * writers add. `written_at` is the wall-clock instant the status file was written (ISO);
 * `state` is "stopped" once the engine has stopped; `data_dir` (absolute) and `market` come
 * from the server. Any of them may be absent; numbers may be null.
 */
export type ClientDocument = StatusDocument & { written_at?: string | null; state?: string | null; data_dir?: string | null; market?: MarketFigures };

/** Data older than this many intervals is marked stale. */
export const STALE_INTERVALS = 3;

const n = (x: number | null | undefined) => (typeof x === "number" ? x : Number.NaN);
/** A counter an older status file may lack: absent is 0 (nothing counted then). */
const opt = (x: number | null | undefined) => (typeof x === "number" ? x : undefined);

/** Epoch ms of an ISO instant with offset ("2026-11-20T10:00:00+05:30"). */
const epochOf = (iso: string) => (iso.endsWith("+05:30") ? istEpoch(iso.slice(0, 10), iso.slice(11, 19)) : Date.parse(iso));

/** Where the document came from: kind and place, and when it was written (epoch ms, NaN unknown). */
export type DocumentOrigin = { kind: SummarySource["kind"]; location: string; writtenAt: number };

export type StatusContext = {
  calendar: MarketCalendar;
  /** Wall clock, epoch ms. */
  now: number;
  /** Cycle wall times seen so far (window), ms, including this document's. */
  cycleMsHistory: readonly number[];
  links: SummaryLinks;
  /** Where the document came from (absent: no source line). */
  origin?: DocumentOrigin;
  /**
   * Alerts the documents read so far raised, oldest first (see src/alerts/); absent: those of
   * this document alone, as the first one observed.
   */
  raised?: readonly SummaryAlert[];
  /** Alerts of the reader itself (lost server, ...), oldest first; shown after the document's. */
  alerts?: readonly SummaryAlert[];
};

/** True when `x` has the shape of a status document (a cycle number, a snapshot instant, indices). */
export function isStatusDocument(x: unknown): x is ClientDocument {
  if (typeof x !== "object" || x === null) return false;
  const d = x as Partial<StatusDocument>;
  return typeof d.cycle === "number" && typeof d.snapshot_at === "string" && Array.isArray(d.indices);
}

/**
 * For an engine idling before its first cycle (a live provider's market closed): "the engine is
 * idle: market closed (weekend), next open 2026-11-30T09:15:00+05:30". Null for any other document.
 */
export function idleReason(x: unknown): string | null {
  const session = (x as { session?: { state?: unknown; reason?: unknown; next_open?: unknown } } | null)?.session;
  if (typeof x !== "object" || x === null || session?.state !== "closed") return null;
  return `the engine is idle: market closed (${String(session.reason)}), next open ${String(session.next_open)}`;
}

/** Age and freshness of a document written at `origin.writtenAt`, seen at `now` (pure). */
export function sourceOf(doc: ClientDocument, origin: DocumentOrigin, now: number): SummarySource {
  const ageSeconds = (now - origin.writtenAt) / 1000;
  // With interval 0 cycles run back to back: the cycle time is the interval then.
  const period = Math.max(1, n(doc.interval_seconds) || 0, n(doc.cycle_ms) / 1000 || 0);
  const freshness = doc.state === "stopped" ? "stopped" : ageSeconds > STALE_INTERVALS * period ? "stale" : "fresh";
  return { kind: origin.kind, location: origin.location, ageSeconds, freshness };
}

/** The snapshot of a status document (pure). */
export function snapshotFromStatus(doc: ClientDocument, ctx: StatusContext): SummarySnapshot {
  const at = epochOf(doc.snapshot_at);
  const open = ctx.calendar.isOpen(at);
  const market = new Map((doc.market?.indices ?? []).map((m) => [m.index, m]));
  const levels = new Map((doc.market?.expiries ?? []).map((m) => [`${m.index}|${m.tag}`, m]));
  const raised = ctx.raised ?? nextAlerts(null, alertStateFromStatus(doc)).alerts.map(summaryAlert);
  const alerts: SummaryAlert[] = [...raised, ...(ctx.alerts ?? [])];
  const sinks = Object.entries(doc.sinks ?? {}).map(([name, t]) =>
    summarySink(name, {
      rows: n(t.rows),
      bytes: n(t.bytes),
      errors: n(t.errors),
      failing: t.failing,
      queued: opt(t.queued),
      dropped: opt(t.dropped),
      lagMs: opt(t.lagMs),
      degraded: typeof t.degraded === "string" ? t.degraded : "",
      spooled: n(t.spooled),
      spoolBytes: n(t.spoolBytes),
    }),
  );
  // A null pool means compute runs inline (no workers); an absent one is unknown.
  const pool = doc.pool === null ? { workers: 0, restarts: 0 } : { workers: n(doc.pool?.workers), restarts: n(doc.pool?.restarts) };
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    header: {
      clock: doc.snapshot_at,
      marketOpen: open,
      nextOpen: open ? null : formatIsoIst(ctx.calendar.nextOpen(at)),
      provider: doc.provider,
      auth: (doc.errors ?? []).some((e) => e.code === "auth") ? "failed" : "ok",
      cycle: doc.cycle,
      intervalSeconds: n(doc.interval_seconds),
      uptimeSeconds: Math.max(0, Math.floor((ctx.now - Date.parse(doc.started_at)) / 1000)),
      status: doc.status as SummaryStatus,
      ...(doc.analytics_scope ? { analyticsScope: doc.analytics_scope } : {}),
      ...(doc.quote_times && (n(doc.quote_times.skew_ms) > 0 || doc.quote_times.first !== doc.snapshot_at) ? { skewSeconds: n(doc.quote_times.skew_ms) / 1000 } : {}),
    },
    indices: doc.indices.map((i) => ({
      index: i.index,
      spot: n(i.spot),
      change: n(market.get(i.index)?.change),
      changePct: n(market.get(i.index)?.change_pct),
      atm: n(i.atm),
      legsCollected: n(i.legs_collected),
      legsRequested: n(i.legs_requested),
      coverage: n(i.legs_requested) > 0 ? n(i.legs_collected) / n(i.legs_requested) : Number.NaN,
      status: i.status,
      reason: i.reason,
      dataAgeSeconds: n(market.get(i.index)?.data_age_seconds),
      atmIvTerm: (i.atm_iv_term ?? []).map((t) => n(t.atm_iv)),
    })),
    expiries: doc.indices.flatMap((i) =>
      (i.expiries ?? []).map((e) => ({
        index: i.index,
        tag: e.tag,
        expiry: e.expiry,
        pcr: n(e.pcr_oi),
        maxPain: n(e.max_pain),
        maxPainDistance: n(e.max_pain) - n(i.spot),
        atmIv: n(e.atm_iv),
        impliedMove: n(e.implied_move),
        support: n(e.support ?? levels.get(`${i.index}|${e.tag}`)?.support),
        resistance: n(e.resistance ?? levels.get(`${i.index}|${e.tag}`)?.resistance),
        status: e.status,
        scope: e.scope ?? "window",
        aggregateCoverage: n(e.aggregate_coverage),
        pcrVolume: n(e.pcr_volume),
        rr25: n(e.rr25),
        bf25: n(e.bf25),
        callOiChange: n(e.oi_change_lookback?.ce),
        putOiChange: n(e.oi_change_lookback?.pe),
        callBuildup: e.buildup?.ce ?? "unknown",
        putBuildup: e.buildup?.pe ?? "unknown",
        topOiAdditions: e.top_oi_additions ?? [],
        topOiReductions: e.top_oi_reductions ?? [],
        ivRank: n(e.iv_rank),
        ivPercentile: n(e.iv_percentile),
      })),
    ),
    performance: {
      lastMs: n(doc.cycle_ms),
      p50Ms: percentile(ctx.cycleMsHistory, 0.5),
      p95Ms: percentile(ctx.cycleMsHistory, 0.95),
      windowCycles: ctx.cycleMsHistory.length,
      budgetUsed: n(doc.budget_used),
      overruns: n(doc.overruns),
      skippedTicks: n(doc.skipped_ticks),
      poolWorkers: pool.workers,
      poolRestarts: pool.restarts,
      ...(doc.load ? { loadShed: doc.load.shed } : {}),
    },
    storage: summaryStorage(sinks),
    alerts,
    links: ctx.links,
    ...(ctx.origin ? { source: sourceOf(doc, ctx.origin, ctx.now) } : {}),
  };
}
