/** The `chain` group: one series per index and expiry (tag in ladder mode, date in universe mode). */
import { describe } from "../types.ts";

const m = describe("chain");
const L = ["index", "expiry"] as const;

export const CHAIN_METRICS = {
  pcrOi: m("gauge", "g6_chain_pcr_oi_ratio", "Put-call ratio of open interest.", L),
  pcrVolume: m("gauge", "g6_chain_pcr_volume_ratio", "Put-call ratio of volume.", L),
  maxPain: m("gauge", "g6_chain_max_pain_strike", "Max-pain strike, points.", L),
  atmIv: m("gauge", "g6_chain_atm_iv_ratio", "Implied volatility at the ATM strike, as a fraction.", L),
  impliedMove: m("gauge", "g6_chain_implied_move_ratio", "ATM straddle over spot, as a fraction.", L),
  strikeCoverage: m("gauge", "g6_chain_strike_coverage_ratio", "Strikes with any quote over strikes requested.", L),
  fieldCoverage: m("gauge", "g6_chain_field_coverage_ratio", "Priced legs with volume and OI over priced legs.", L),
  aggregateCoverage: m("gauge", "g6_chain_aggregate_coverage_ratio", "Legs with OI over the legs of the strikes max pain, PCR, support and resistance are computed on (every listed strike in chain scope, the ladder in window scope).", L),
  support: m("gauge", "g6_chain_support_strike", "Support: the strike at or below spot with the highest put OI, points.", L),
  resistance: m("gauge", "g6_chain_resistance_strike", "Resistance: the strike at or above spot with the highest call OI, points.", L),
  rr25: m("gauge", "g6_chain_rr25_ratio", "25-delta risk reversal: IV(25Δ call) − IV(25Δ put), as a fraction.", L),
  bf25: m("gauge", "g6_chain_bf25_ratio", "25-delta butterfly: (IV(25Δ call) + IV(25Δ put))/2 − ATM IV, as a fraction.", L),
  oiChangeSession: m("gauge", "g6_chain_oi_change_session_contracts", "OI change since the session's first snapshot, summed over strikes, by side (CE, PE), contracts.", [...L, "side"]),
  oiChangeLookback: m("gauge", "g6_chain_oi_change_lookback_contracts", "OI change over analytics.oi_change.lookback_minutes, summed over strikes, by side (CE, PE), contracts.", [...L, "side"]),
  buildup: m("gauge", "g6_chain_buildup", "1 for the expiry's build-up class per side over the lookback (long_buildup, short_buildup, short_covering, long_unwinding, neutral, unknown), else 0.", [...L, "side", "class"]),
  ivRank: m("gauge", "g6_chain_iv_rank_ratio", "IV rank of the ATM IV over earlier recorded sessions' closes, as a fraction (the status's iv_rank / 100; NaN until analytics.iv_rank.min_sessions exist).", L),
  ivPercentile: m("gauge", "g6_chain_iv_percentile_ratio", "IV percentile of the ATM IV: share of earlier recorded sessions' closes below it, as a fraction (the status's iv_percentile / 100).", L),
} as const;
