/**
 * Adaptive load control: the controller's steps from a scripted sequence of cycle loads, and
 * the real engine under an injected slow provider (a wrapper that sleeps in each quote call):
 * it sheds per-strike metric detail, then the far expiries' strikes, then the far expiries,
 * and restores them one at a time once cycles are light again. Shed work is missing from the
 * plan (no legs asked, none written), never filled.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { createEnricher } from "../../src/app.ts";
import { createAlertFeed, alertStateFromCycle } from "../../src/alerts/index.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createLoadControl, type LoadSettings } from "../../src/engine/load-control.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createObservability } from "../../src/metrics/observability.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import type { CycleResult, EngineStats, Provider } from "../../src/contracts/index.ts";
import { checkConfig } from "../../src/config/checks.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";
import { fixedCycle, NOW } from "../summary/fixture.ts";
import { statusDocument } from "../../src/sinks/status/sink.ts";
import { cycleEvent } from "../../src/server/events.ts";
import { createSummaryTracker } from "../../src/summary/tracker.ts";
import { snapshotFromStatus } from "../../src/summary/client.ts";
import { renderFrame } from "../../src/summary/frame.ts";
import { renderPlain } from "../../src/summary/plain.ts";

const SETTINGS: LoadSettings = { enabled: true, shed_above: 0.8, shed_cycles: 2, restore_below: 0.5, restore_cycles: 3, steps: ["option_detail", "far_strikes", "far_expiries"], far_strikes: 2 };

/** The controller's changes over a sequence of cycle loads, as "cycle direction step". */
function script(loads: number[], settings: LoadSettings = SETTINGS): string[] {
  const lc = createLoadControl();
  const out: string[] = [];
  loads.forEach((load, k) => {
    const c = lc.observe(load, settings);
    if (c) out.push(`${k + 1} ${c.direction} ${c.step}`);
  });
  return out;
}

describe("load controller", () => {
  test("sheds the next step after shed_cycles loaded cycles in a row, restores the last after restore_cycles light ones, one step at a time", () => {
    const loads = [0.9, 0.9, 0.9, 0.9, 1.5, 1.2, 2, 2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3];
    expect(script(loads)).toEqual([
      "2 shed option_detail",
      "4 shed far_strikes",
      "6 shed far_expiries",
      // Nothing left to shed at 7 and 8.
      "11 restored far_expiries",
      "14 restored far_strikes",
      "17 restored option_detail",
    ]);
  });

  test("a cycle between the two thresholds breaks both runs: no flapping", () => {
    expect(script([0.9, 0.6, 0.9, 0.6, 0.9, 0.9, 0.3, 0.3, 0.6, 0.3, 0.3, 0.3])).toEqual(["6 shed option_detail", "12 restored option_detail"]);
  });

  test("the counters: steps shed and restored, and the steps in force in shed order", () => {
    const lc = createLoadControl();
    for (const load of [1, 1, 1, 1]) lc.observe(load, SETTINGS);
    expect(lc.stats).toEqual({ shed: ["option_detail", "far_strikes"], sheds: 2, restores: 0 });
    for (const load of [0, 0, 0]) lc.observe(load, SETTINGS);
    expect(lc.stats).toEqual({ shed: ["option_detail"], sheds: 2, restores: 1 });
  });

  test("a step no longer declared (a reload, or load control switched off) is restored first, one a cycle", () => {
    const lc = createLoadControl();
    for (const load of [1, 1, 1, 1]) lc.observe(load, SETTINGS);
    const off = { ...SETTINGS, steps: [] as LoadSettings["steps"] };
    expect([lc.observe(1, off), lc.observe(1, off), lc.observe(1, off)]).toEqual([{ direction: "restored", step: "option_detail" }, { direction: "restored", step: "far_strikes" }, null]);
  });

  test("restore_below must be under shed_above", () => {
    const config = v.parse(ConfigSchema, { load_control: { shed_above: 0.5, restore_below: 0.6 } });
    expect(checkConfig(config, { checkDataDir: false }).map((p) => `${p.path}: ${p.message}`)).toEqual([
      "load_control.restore_below: expected less than load_control.shed_above (0.5), or load would be shed and restored in turn",
    ]);
  });
});

/** The simulator behind a wrapper whose quote calls sleep `delay()` ms first (real sleeps). */
function slowProvider(base: Provider, delay: () => number): Provider {
  return {
    ...base,
    name: base.name,
    async quotes(batch, at) {
      const ms = delay();
      if (ms > 0) await Bun.sleep(ms);
      return base.quotes(batch, at);
    },
  };
}

describe("the engine under an injected slow provider", () => {
  test("sheds detail, chain legs, far strikes and far expiries in turn while cycles overrun, restores them in reverse once they are fast; every step counted, alerted and in the stats", async () => {
    // Interval 0.25 s; a slow cycle sleeps 0.5 s (twice the interval: far above shed_above 0.8),
    // a fast one does not sleep (a simulated cycle of two indices takes a few ms: far under 0.5).
    const config = testConfig({
      interval: 0.25,
      indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
      pool: { size: 0 },
      provider: { sim: { start: "2026-11-20T10:00" } },
      storage: { data_dir: tempDir("g6-load-"), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: false } },
      metrics: { groups: ["option_detail"] },
      load_control: { enabled: true, shed_cycles: 2, restore_cycles: 2 },
    });
    const calendar = createMarketCalendar({ holidays: [] });
    const observability = createObservability(config, { now: () => instantClock.now() });
    let slow = true;
    const provider = observability.instrumentProvider(slowProvider(createSimProvider({ config, calendar }), () => (slow ? 500 : 0)));
    const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
    const results: { result: CycleResult; shed: readonly string[] }[] = [];
    const feed = createAlertFeed();
    const alerts: string[] = [];
    const stop = new AbortController();
    const engine = createEngine({
      config,
      provider,
      sinks: [],
      enrich: createEnricher(config, null),
      snapshotAt: () => simClock.next(),
      clock: instantClock,
      elapsed: () => performance.now(),
      log: quietLog,
      onCycle: (r, s: Readonly<EngineStats>) => {
        observability.onCycle(r, s);
        const shed = s.load?.shed ?? [];
        results.push({ result: r, shed });
        for (const a of feed.observe(alertStateFromCycle(r, s))) if (a.kind === "load_control") alerts.push(`${a.event} ${a.message}`);
        if (shed.length === 4) slow = false;
        // Done once everything shed was restored, or at a generous cap.
        if ((!slow && shed.length === 0) || results.length >= 40) stop.abort();
      },
    });
    const stats = await engine.run({ cycles: 0, signal: stop.signal });

    const changes: string[] = [];
    results.forEach(({ shed }, k) => {
      const before = k ? results[k - 1]!.shed : [];
      if (shed.length > before.length) changes.push(`shed ${shed.at(-1)}`);
      if (shed.length < before.length) changes.push(`restored ${before.at(-1)}`);
    });
    expect(changes).toEqual([
      "shed option_detail",
      "shed chain_legs",
      "shed far_strikes",
      "shed far_expiries",
      "restored far_expiries",
      "restored far_strikes",
      "restored chain_legs",
      "restored option_detail",
    ]);
    expect(stats.load).toEqual({ shed: [], sheds: 4, restores: 4 });
    expect(alerts).toEqual([
      "raised load control: shed option_detail (1 step shed: option_detail)",
      "notice load control: shed chain_legs (2 steps shed: option_detail, chain_legs)",
      "notice load control: shed far_strikes (3 steps shed: option_detail, chain_legs, far_strikes)",
      "notice load control: shed far_expiries (4 steps shed: option_detail, chain_legs, far_strikes, far_expiries)",
      "notice load control: restored far_expiries (still shed: option_detail, chain_legs, far_strikes)",
      "notice load control: restored far_strikes (still shed: option_detail, chain_legs)",
      "notice load control: restored chain_legs (still shed: option_detail)",
      "cleared load control: restored option_detail (nothing shed)",
    ]);

    // What each cycle asked for, by what was shed when it was planned (the previous cycle's state).
    const nifty = (r: CycleResult) => r.expiries.filter((e) => e.index === "NIFTY");
    const full = results[0]!.result;
    const nearest = nifty(full)[0]!.expiry;
    expect(nifty(full).map((e) => e.strikesRequested)).toEqual([21, 21, 21, 21]);
    const plannedUnder = (shed: number) => results.filter((_, k) => k > 0 && results[k - 1]!.shed.length === shed).map((x) => x.result);
    // chain_legs: the aggregates are the ladder's (scope "window"), the ladder itself is whole;
    // with only option_detail shed they cover the chain.
    for (const r of plannedUnder(1)) expect(nifty(r).map((e) => e.scope)).toEqual(["chain", "chain", "chain", "chain"]);
    for (const r of plannedUnder(2)) {
      expect(nifty(r).map((e) => `${e.scope} ${e.strikesRequested}`)).toEqual(["window 21", "window 21", "window 21", "window 21"]);
      expect(r.chain ?? null).toBeNull();
    }
    for (const r of plannedUnder(3)) {
      // far_strikes: the nearest expiry keeps its ladder, the others ATM ± 2 (5 strikes); nothing is filled in.
      // (On 2026-11-20 this_week and this_month are the same expiry, 2026-11-24: both nearest.)
      expect(nifty(r).map((e) => `${e.tag} ${e.strikesRequested}`)).toEqual(["this_week 21", "next_week 5", "this_month 21", "next_month 5"]);
      expect(nifty(r).map((e) => e.expiry === nearest)).toEqual([true, false, true, false]);
      expect(r.legsRequested).toBe(2 * (21 + 5 + 21 + 5));
      expect(r.batch.legs).toBe(r.legsRequested);
    }
    for (const r of plannedUnder(4)) {
      // far_expiries: only the nearest expiry; the index says what was shed.
      expect(nifty(r).map((e) => `${e.tag} ${e.expiry === nearest}`)).toEqual(["this_week true", "this_month true"]);
      expect(r.indices[0]!.status).toBe("PARTIAL");
      expect(r.indices[0]!.reason).toContain("shed by load control: next_week, next_month");
    }
    for (const k of [1, 2, 3, 4]) expect(plannedUnder(k).length).toBeGreaterThan(0);
    // The last cycle: full plan again.
    expect(nifty(results.at(-1)!.result).map((e) => e.strikesRequested)).toEqual([21, 21, 21, 21]);

    const text = await observability.render();
    for (const step of ["option_detail", "far_strikes", "far_expiries"]) {
      expect(text).toContain(`g6_load_steps_total{direction="shed",step="${step}"} 1\n`);
      expect(text).toContain(`g6_load_steps_total{direction="restored",step="${step}"} 1\n`);
    }
    expect(text).toContain("g6_load_shed_steps 0\n");
  }, 60_000);
});

describe("load control is shown", () => {
  test("in the status file, the /events cycle event, the dashboard (live and plain) and g6 summary reading the status file", async () => {
    const { result, stats } = await fixedCycle();
    const loaded: EngineStats = { ...stats, load: { shed: ["option_detail", "far_strikes"], sheds: 2, restores: 0 } };
    const doc = JSON.parse(JSON.stringify(statusDocument(result, loaded)));
    expect(doc.load).toEqual({ shed: ["option_detail", "far_strikes"], sheds: 2, restores: 0 });
    expect(statusDocument(result, stats).load).toBeNull();
    expect(cycleEvent(result, loaded).load_shed).toEqual(["option_detail", "far_strikes"]);
    const calendar = createMarketCalendar({ holidays: [] });
    const links = { dataDir: "data", metricsUrl: null };
    const live = createSummaryTracker({ calendar, windowCycles: 10, links, now: () => NOW }).observe(result, loaded);
    expect(live.performance.loadShed).toEqual(["option_detail", "far_strikes"]);
    expect(renderFrame(live, { columns: 160, rows: 60, color: false }).join("\n")).toContain("load shed: option_detail, far_strikes");
    expect(renderPlain(live)).toContain("| load shed option_detail, far_strikes");
    const read = snapshotFromStatus(doc, { calendar, now: NOW, cycleMsHistory: [10], links });
    expect(read.performance.loadShed).toEqual(["option_detail", "far_strikes"]);
    // Load control off: nothing about it.
    expect(renderPlain(createSummaryTracker({ calendar, windowCycles: 10, links, now: () => NOW }).observe(result, stats))).not.toContain("load shed");
  });
});
