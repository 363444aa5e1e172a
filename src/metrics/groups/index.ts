/** The `index` group: one series per index (bounded by the index registry). */
import { describe } from "../types.ts";

const m = describe("index");

export const STATUS_LABELS = ["OK", "PARTIAL", "EMPTY"] as const;

export const INDEX_METRICS = {
  spot: m("gauge", "g6_index_spot", "Index level at the last snapshot, points (NaN when unknown).", ["index"]),
  atm: m("gauge", "g6_index_atm_strike", "ATM strike at the last snapshot, points.", ["index"]),
  legsRequested: m("gauge", "g6_index_legs_requested", "Option legs requested in the last cycle.", ["index"]),
  legsCollected: m("gauge", "g6_index_legs_collected", "Option legs with a usable price in the last cycle.", ["index"]),
  status: m("gauge", "g6_index_status", "1 for the index's status in the last cycle, 0 for the other statuses.", ["index", "status"]),
} as const;
