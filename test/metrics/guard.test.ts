/** The cardinality guard: degrade at once, restore with hysteresis, and the universe workload. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { createBatch } from "../../src/chain/batch.ts";
import { PRESETS } from "../../src/config/presets.ts";
import { detailRange, detailSeries } from "../../src/metrics/detail.ts";
import { SERIES_PER_LEG } from "../../src/metrics/groups/option-detail.ts";
import { createCardinalityGuard } from "../../src/metrics/guard.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

describe("cardinality guard", () => {
  const opts = { budget: 1000, maxLevel: 2 as const, hysteresis: 0.2, restoreCycles: 3 };

  test("degrades to the richest level that fits and counts one trip per degradation", () => {
    const guard = createCardinalityGuard(opts);
    expect(guard.step([100, 500, 900])).toEqual({ level: 2, estimate: 900, tripped: false });
    expect(guard.step([100, 900, 5000])).toEqual({ level: 1, estimate: 900, tripped: true });
    expect(guard.step([100, 2000, 9000])).toEqual({ level: 0, estimate: 100, tripped: true });
    expect(guard.step([100, 2000, 9000])).toEqual({ level: 0, estimate: 100, tripped: false });
    expect(guard.trips).toBe(2);
  });

  test("restores one step only after restoreCycles cycles below budget × (1 − hysteresis)", () => {
    const guard = createCardinalityGuard(opts);
    guard.step([100, 2000, 9000]);
    expect(guard.level).toBe(0);
    // Under the budget but inside the hysteresis margin: no restore however long it lasts.
    for (let i = 0; i < 5; i++) expect(guard.step([100, 900, 9000]).level).toBe(0);
    expect(guard.step([100, 700, 9000]).level).toBe(0);
    expect(guard.step([100, 700, 9000]).level).toBe(0);
    // An interruption resets the count.
    expect(guard.step([100, 850, 9000]).level).toBe(0);
    expect(guard.step([100, 700, 9000]).level).toBe(0);
    expect(guard.step([100, 700, 9000]).level).toBe(0);
    expect(guard.step([100, 700, 9000]).level).toBe(1);
    expect(guard.step([100, 700, 790]).level).toBe(1);
    expect(guard.step([100, 700, 790]).level).toBe(1);
    expect(guard.step([100, 700, 790]).level).toBe(2);
    expect(guard.trips).toBe(1);
  });

  test("a disabled option detail stays at level 0", () => {
    const guard = createCardinalityGuard({ ...opts, maxLevel: 0 });
    expect(guard.step([10, 20, 30]).level).toBe(0);
    expect(guard.trips).toBe(0);
  });
});

describe("option detail selection", () => {
  const batch = createBatch([
    { index: "NIFTY", tag: "this_week", expiry: "2026-11-24", spot: 26010, atm: 26000, T: 0.01, df: 1, strikes: [25800, 25900, 26000, 26100, 26200, 26300] },
    { index: "NIFTY", tag: "next_week", expiry: "2026-12-01", spot: 26010, atm: 26000, T: 0.03, df: 1, strikes: [26000, 26100] },
  ]);

  test("the band is ATM ± band strikes, clipped to the listing", () => {
    expect(detailRange(batch, 0, 1, 1)).toEqual([1, 4]);
    expect(detailRange(batch, 0, 1, 5)).toEqual([0, 6]);
    expect(detailRange(batch, 1, 1, 1)).toEqual([0, 2]);
    expect(detailRange(batch, 0, 2, 1)).toEqual([0, 6]);
    expect(detailRange(batch, 0, 0, 1)).toEqual([0, 0]);
  });

  test("series per level count every exposed leg", () => {
    expect(detailSeries(batch, 1)).toEqual([0, (6 + 4) * SERIES_PER_LEG, 16 * SERIES_PER_LEG]);
  });
});

describe("guard on the universe workload", () => {
  test("~100k legs: all strikes trip the budget; band fits; the exposition stays under budget", async () => {
    const config = testConfig({
      ...PRESETS.universe,
      provider: { sim: { ...PRESETS.universe.provider.sim, start: "2026-11-20T10:00" } },
      storage: { ...PRESETS.universe.storage, data_dir: join(tempDir(), "out"), csv: { enabled: false } },
      pool: { size: 2 },
      metrics: { groups: ["index", "chain", "analytics", "pool", "process", "option_detail"], option_detail: { mode: "all", band_strikes: 5 }, series_budget: 20_000 },
    });
    const app = createApp(config, { log: quietLog, clock: instantClock });
    let legs = 0;
    await app.run({ cycles: 1, signal: new AbortController().signal });
    legs = app.state.latest()!.result.batch.legs;
    expect(legs).toBeGreaterThan(90_000);
    expect(app.observability.detailLevel).toBe(1);
    expect(app.observability.guardTrips).toBe(1);
    const text = await app.observability.render();
    expect(text).toContain("g6_metrics_guard_trips_total 1");
    expect(text).toContain("g6_metrics_option_detail_level 1");
    const series = text.split("\n").filter((l) => l && !l.startsWith("#")).length;
    const estimate = Number(/g6_metrics_series_estimated (\d+)/.exec(text)![1]);
    expect(series).toBeLessThanOrEqual(20_000);
    // The estimate is an upper bound close to the truth (unused label values are not exposed).
    expect(estimate).toBeGreaterThanOrEqual(series);
    expect(estimate).toBeLessThan(series * 1.5);
  }, 30_000);
});
