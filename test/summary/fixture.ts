/** A fixed cycle of the real engine on the simulated market, and its summary, for the summary tests. */
import { createMarketCalendar } from "../../src/market/calendar.ts";
import { buildSummary, type SummarySnapshot } from "../../src/summary/model.ts";
import { createSummaryTracker } from "../../src/summary/tracker.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { type CycleResult, emptySinkTotals, type EngineStats } from "../../src/contracts/index.ts";

export const START = "2026-11-20T10:00";
export const NOW = Date.UTC(2026, 10, 20, 4, 35, 0);

/** Three cycles at seed 7; the result of the last, with its timing fields fixed. */
export async function fixedCycle(): Promise<{ result: CycleResult; stats: EngineStats }> {
  const dir = tempDir("g6-summary-");
  const config = testConfig({
    interval: 60,
    pool: { size: 0 },
    provider: { sim: { start: START, seed: 7, faults: { missing_rate: 0.02 } } },
    storage: { data_dir: dir, panels: { enabled: false } },
  });
  const results = await runEngine(config, 3);
  const last = results.at(-1)!;
  const durations = { spot: 1, plan: 1, fetch: 10, enrich: 20, score: 2, total: 34 };
  const result = { ...last, durations };
  const stats: EngineStats = {
    provider: "sim",
    startedAt: NOW - 125_000,
    intervalSeconds: 60,
    cyclesRun: 3,
    cyclesFailed: 0,
    skippedTicks: 0,
    lateTicks: 0,
    overruns: 0,
    lastCycleMs: 40,
    budgetUsed: 40 / 60_000,
    lastError: null,
    sinks: { csv: { ...emptySinkTotals(), rows: 882, bytes: 220_000, lagMs: 6 }, status: { ...emptySinkTotals(), rows: 3, bytes: 24_000 } },
    pool: null,
  };
  return { result, stats };
}

export const calendar = createMarketCalendar({ holidays: [] });

/** The snapshot of the fixed cycle with a fixed history, pool and links. */
export function fixedSnapshot(result: CycleResult, stats: EngineStats): SummarySnapshot {
  return buildSummary({
    result,
    stats,
    calendar,
    now: NOW,
    cycleMsHistory: [52, 38, 40],
    alerts: [{ level: "warn", at: "2026-11-20T10:01:00+05:30", message: "NIFTY PARTIAL: this_week PARTIAL" }],
    pool: { workers: 2, restarts: 1 },
    links: { metricsUrl: "http://127.0.0.1:9108/metrics", dataDir: "data" },
  });
}

/** A tracker like the engine's, at the fixed wall clock. */
export function fixedTracker() {
  return createSummaryTracker({ calendar, windowCycles: 2, links: { metricsUrl: null, dataDir: "data" }, now: () => NOW });
}
