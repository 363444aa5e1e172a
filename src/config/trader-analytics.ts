/**
 * Settings of the trader analytics (aggregates on the whole chain, OI change, build-up, IV rank):
 * spread into the `analytics` group of the root schema (src/config/schema.ts).
 */
import * as v from "valibot";
import { ANALYTICS_SCOPES } from "../chain/chain-legs.ts";
import { field, group } from "./fields.ts";

export const TRADER_ANALYTICS = {
  scope: field(
    v.picklist(ANALYTICS_SCOPES),
    "chain",
    "What max pain, PCR, support/resistance and OI change are computed on. chain: every listed strike of each collected expiry (the legs outside the CSV ladder are fetched too, through the same provider, and never written as CSV rows). window: the configured ladder only (ATM ± strikes), as the Python G6 did.",
  ),
  oi_change: group(
    {
      lookback_minutes: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(375)), 15, "OI and price change per strike over this lookback (and since the session's first snapshot); the change is empty until a snapshot this old exists.", {
        unit: "minutes",
        reloadable: true,
      }),
      top_n: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 5, "Strikes listed per expiry with the largest OI additions and the largest reductions over the lookback.", {
        unit: "strikes",
        reloadable: true,
      }),
    },
    "OI change per strike (calls and puts).",
  ),
  buildup: group(
    {
      oi_threshold_pct: field(v.pipe(v.number(), v.minValue(0), v.maxValue(1000)), 1, "A strike's OI must change by at least this share over the lookback to be classified (else neutral).", {
        unit: "percent",
        reloadable: true,
      }),
      price_threshold_pct: field(v.pipe(v.number(), v.minValue(0), v.maxValue(1000)), 1, "A leg's last price must change by at least this share over the lookback to be classified (else neutral).", {
        unit: "percent",
        reloadable: true,
      }),
    },
    "Build-up classification (long build-up: OI up, price up; short build-up: OI up, price down; short covering: OI down, price up; long unwinding: OI down, price down).",
  ),
  iv_rank: group(
    {
      sessions: field(v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(1000)), 60, "IV rank and percentile compare the ATM IV with its close in at most this many earlier sessions G6 recorded (the ATM option CSVs in storage.csv.dir).", {
        unit: "sessions",
      }),
      min_sessions: field(v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(1000)), 10, "IV rank and percentile stay empty until this many earlier sessions are recorded.", {
        unit: "sessions",
      }),
    },
    "IV rank and IV percentile of ATM IV per index and expiry tag.",
  ),
};
