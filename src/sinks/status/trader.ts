/**
 * The trader figures of the status document (pure): per expiry what the aggregates covered, the
 * support and resistance, skew, OI change, build-up and IV rank; per index the ATM IV term
 * structure. Units as in docs/ARCHITECTURE.md ("Trader analytics"); NaN becomes null.
 */
import type { ExpirySummary } from "../../chain/score.ts";

const finite = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** The status fields of one expiry's trader figures. */
export function traderStatusFields(e: ExpirySummary) {
  return {
    scope: e.scope,
    aggregate_strikes: e.aggregateStrikes,
    aggregate_coverage: finite(e.aggregateCoverage, 4),
    aggregates_complete: e.aggregatesComplete,
    pcr_oi_window: finite(e.pcrOiWindow, 4),
    support: finite(e.support, 2),
    resistance: finite(e.resistance, 2),
    rr25: finite(e.rr25, 6),
    bf25: finite(e.bf25, 6),
    oi_change_session: { ce: finite(e.callOiChangeSession, 0), pe: finite(e.putOiChangeSession, 0) },
    oi_change_lookback: { ce: finite(e.callOiChangeLookback, 0), pe: finite(e.putOiChangeLookback, 0) },
    buildup: { ce: e.callBuildup, pe: e.putBuildup },
    top_oi_additions: e.topOiAdditions,
    top_oi_reductions: e.topOiReductions,
    iv_rank: finite(e.ivRank, 2),
    iv_percentile: finite(e.ivPercentile, 2),
    iv_sessions: e.ivSessions,
  };
}

/** The ATM IV term structure of `index`: its expiries by date, days to expiry (365-day years × 365) and ATM IV (fraction). */
export function atmIvTerm(expiries: readonly ExpirySummary[], index: string) {
  const seen = new Set<string>();
  return expiries
    .filter((e) => e.index === index && !seen.has(e.expiry) && seen.add(e.expiry))
    .sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : 0))
    .map((e) => ({ expiry: e.expiry, tag: e.tag, days: finite(e.T * 365, 3), atm_iv: finite(e.atmIv, 6) }));
}
