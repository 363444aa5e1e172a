/** The `analytics` group: IV solves and failures by reason (bounded by IV_FAILURE_REASONS). */
import { describe } from "../types.ts";

const m = describe("analytics");

export const ANALYTICS_METRICS = {
  solves: m("counter", "g6_iv_solves_total", "Legs whose implied volatility was solved."),
  failures: m("counter", "g6_iv_failures_total", "Legs whose implied volatility could not be identified, by reason.", ["reason"]),
} as const;
