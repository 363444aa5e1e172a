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
} as const;
