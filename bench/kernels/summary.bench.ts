/**
 * The dashboard frame kernel: laying out and encoding one full-screen frame (160×50, colour)
 * for a snapshot of the default workload's shape (5 indices, 14 expiries, 8 alerts).
 */
import { timeIt } from "../stats.ts";
import { renderFrame } from "../../src/summary/frame.ts";
import type { SummarySnapshot } from "../../src/summary/model.ts";
import { frameText } from "../../src/summary/screen.ts";

const EXPIRIES: Record<string, string[]> = {
  NIFTY: ["this_week", "next_week", "this_month", "next_month"],
  BANKNIFTY: ["this_month", "next_month"],
  FINNIFTY: ["this_month", "next_month"],
  MIDCPNIFTY: ["this_month", "next_month"],
  SENSEX: ["this_week", "next_week", "this_month", "next_month"],
};

/** Plausible trader figures of the j-th expiry. */
const traderFigures = (j: number) => ({
  scope: "chain",
  aggregateCoverage: 1,
  pcrVolume: 0.95,
  rr25: -0.021,
  bf25: 0.004,
  callOiChange: 125_000 - 10_000 * j,
  putOiChange: -40_000 + 5_000 * j,
  callBuildup: "short_buildup",
  putBuildup: "long_unwinding",
  topOiAdditions: [{ strike: 24500, side: "CE", change: 50_000 }],
  topOiReductions: [{ strike: 23500, side: "PE", change: -20_000 }],
  ivRank: 42.5,
  ivPercentile: 55,
});

/** A snapshot with the default workload's shape and plausible figures. */
export function defaultShapedSnapshot(): SummarySnapshot {
  const names = Object.keys(EXPIRIES);
  return {
    schemaVersion: 1,
    header: { clock: "2026-11-20T10:00:00+05:30", marketOpen: true, nextOpen: null, provider: "sim", auth: "ok", cycle: 42, intervalSeconds: 60, uptimeSeconds: 2520, status: "OK" },
    indices: names.map((index, k) => ({ index, spot: 24000 + 1000 * k + 0.55, change: 12.3 - 5 * k, changePct: 0.0005 - 0.0002 * k, atm: 24000 + 1000 * k, legsCollected: 84 * EXPIRIES[index]!.length, legsRequested: 84 * EXPIRIES[index]!.length, coverage: 1, status: "OK", reason: "", dataAgeSeconds: 1, atmIvTerm: EXPIRIES[index]!.map((_, j) => 0.13 + 0.01 * j) })),
    expiries: names.flatMap((index, k) =>
      EXPIRIES[index]!.map((tag, j) => ({ index, tag, expiry: `2026-12-0${j + 1}`, pcr: 0.9 + 0.05 * j, maxPain: 24000 + 1000 * k, maxPainDistance: -0.55, atmIv: 0.13 + 0.01 * j, impliedMove: 0.012 * (j + 1), support: 23500 + 1000 * k, resistance: 24500 + 1000 * k, status: "OK" as const, ...traderFigures(j) })),
    ),
    performance: { lastMs: 31.2, p50Ms: 30.1, p95Ms: 44.8, windowCycles: 120, budgetUsed: 0.0005, overruns: 0, skippedTicks: 0, poolWorkers: 2, poolRestarts: 0 },
    storage: {
      sinks: [
        { name: "csv", rows: 12_348, bytes: 3_100_000, errors: 0, failing: 0, firstFailing: null, queued: 0, dropped: 0, lagMs: 0, degraded: "", spooled: 0, spoolBytes: 0 },
        { name: "status", rows: 42, bytes: 340_000, errors: 0, failing: 0, firstFailing: null, queued: 0, dropped: 0, lagMs: 0, degraded: "", spooled: 0, spoolBytes: 0 },
      ],
      rows: 12_390,
      points: 0,
      lagMs: 6.1,
      errors: 0,
      failing: 0,
    },
    alerts: Array.from({ length: 8 }, (_, i) => ({ level: i % 2 ? ("warn" as const) : ("error" as const), at: "2026-11-20T09:59:00+05:30", message: `NIFTY PARTIAL: this_week PARTIAL (${i})` })),
    links: { metricsUrl: "http://127.0.0.1:9108/metrics", dataDir: "data" },
  };
}

/** Mean microseconds to render and encode one 160×50 colour frame, measured over ~`ms`. */
export function benchFrame(ms: number): number {
  const snapshot = defaultShapedSnapshot();
  let bytes = 0;
  const us = timeIt(() => {
    bytes += frameText(renderFrame(snapshot, { columns: 160, rows: 50, color: true })).length;
  }, ms);
  if (bytes === 0) throw new Error("no frame rendered");
  return us;
}
