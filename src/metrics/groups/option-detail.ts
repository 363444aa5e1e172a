/**
 * The `option_detail` group (opt-in): per-strike series. `strike` is unbounded in principle,
 * so the cardinality guard decides how many strikes are exposed (all, a band around ATM, none).
 */
import { describe } from "../types.ts";

const m = describe("option_detail");
const L = ["index", "expiry", "strike", "side"] as const;

export const OPTION_DETAIL_METRICS = {
  price: m("gauge", "g6_option_last_price", "Last traded price of the leg, points.", L),
  iv: m("gauge", "g6_option_iv_ratio", "Implied volatility of the leg, as a fraction.", L),
  oi: m("gauge", "g6_option_open_interest", "Open interest of the leg, contracts.", L),
} as const;

/** Series one leg adds to the exposition. */
export const SERIES_PER_LEG = Object.keys(OPTION_DETAIL_METRICS).length;
