/**
 * Trader figures of one expiry (pure): the aggregates on the strikes of a scope (max pain, PCR,
 * support, resistance, with their coverage) and the defaults of the figures that need history
 * (OI change, build-up, IV rank) before the engine's trackers fill them in.
 */
import { maxPain, pcr, resistanceStrike, supportStrike } from "../analytics/index.ts";
import type { AnalyticsScope, StrikeColumns } from "./chain-legs.ts";
import type { ExpiryFlow } from "./strike-flow.ts";

/** Aggregates over the strikes of one scope. */
export type ScopeAggregates = {
  /** What the aggregates were computed on for this expiry: every listed strike, or the ladder. */
  scope: AnalyticsScope;
  pcrOi: number;
  pcrVolume: number;
  /** Points. */
  maxPain: number;
  /** Highest put-OI strike at or below spot, points. */
  support: number;
  /** Highest call-OI strike at or above spot, points. */
  resistance: number;
  /** Strikes the aggregates covered (listed strikes in chain scope, the ladder in window scope). */
  aggregateStrikes: number;
  /** Legs with a finite OI / (2 × aggregateStrikes), fraction; NaN with no strikes. */
  aggregateCoverage: number;
  /** Every leg of the scope had its OI (coverage 1). */
  aggregatesComplete: boolean;
};

/** Figures that need the engine's history (NaN, "unknown", empty until known): the strike flow's per-expiry figures, and IV rank. */
export type HistoryFigures = ExpiryFlow & {
  /** IV rank and IV percentile of the ATM IV, percent, over `ivSessions` earlier sessions. */
  ivRank: number;
  ivPercentile: number;
  ivSessions: number;
};

export type TraderFigures = ScopeAggregates & HistoryFigures & {
  /** PCR of OI over the ladder (the overview CSV's column keeps this meaning in every scope). */
  pcrOiWindow: number;
};

export function emptyHistoryFigures(): HistoryFigures {
  return {
    callOiChangeSession: Number.NaN,
    putOiChangeSession: Number.NaN,
    callOiChangeLookback: Number.NaN,
    putOiChangeLookback: Number.NaN,
    callBuildup: "unknown",
    putBuildup: "unknown",
    topOiAdditions: [],
    topOiReductions: [],
    ivRank: Number.NaN,
    ivPercentile: Number.NaN,
    ivSessions: 0,
  };
}

/** The aggregates of `cols` (one expiry's strikes of `scope`) at index level `spot` (points). */
export function scopeAggregates(cols: StrikeColumns, spot: number, scope: AnalyticsScope): ScopeAggregates {
  const n = cols.strike.length;
  let withOi = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(cols.callOi[i]!)) withOi++;
    if (Number.isFinite(cols.putOi[i]!)) withOi++;
  }
  return {
    scope,
    pcrOi: pcr(cols.putOi, cols.callOi),
    pcrVolume: pcr(cols.putVolume, cols.callVolume),
    maxPain: maxPain(cols.strike, cols.callOi, cols.putOi),
    support: supportStrike(cols.strike, cols.putOi, spot),
    resistance: resistanceStrike(cols.strike, cols.callOi, spot),
    aggregateStrikes: n,
    aggregateCoverage: n === 0 ? Number.NaN : withOi / (2 * n),
    aggregatesComplete: n > 0 && withOi === 2 * n,
  };
}
