/** Threshold rules on watchable figures: consecutive cycles, hysteresis, cooldown, missing figures, built-in health rules. */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { builtinRules, createAlertFeed, readFigures, type Alert, type AlertRule, type AlertState, type FigureReading } from "../../src/alerts/index.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { alertRulesOf } from "../../src/config/alerts.ts";
import { fixedCycle, NOW } from "../summary/fixture.ts";
import { configuredTracker } from "../../src/summary/dashboard.ts";
import { createMarketCalendar } from "../../src/market/index.ts";

/** Cycle n's snapshot instant: one minute apart from 10:00 IST. */
const at = (n: number) => `2026-11-20T${String(10 + Math.floor((n - 1) / 60)).padStart(2, "0")}:${String((n - 1) % 60).padStart(2, "0")}:00+05:30`;

/** A healthy state whose only figure readings are `readings`. */
function state(cycle: number, readings: FigureReading[]): AlertState {
  return { cycle, at: at(cycle), indices: [], errors: [], warnings: [], sinks: {}, overruns: 0, skippedTicks: 0, intervalSeconds: 60, lastCycleMs: 10, readings };
}

const pcr = (value: number, index = "NIFTY", expiry = "this_week"): FigureReading => ({ figure: "pcr_oi", key: `${index} ${expiry}`, index, expiry, value });

function rule(r: Partial<AlertRule>): AlertRule {
  return { name: "pcr_high", watch: "pcr_oi", op: ">", threshold: 1.3, clear: 1.2, for_cycles: 1, severity: "warn", cooldown_seconds: 0, index: null, expiry: null, sink: null, ...r };
}

/** Feeds one value per cycle to a feed with `rules`; the alerts of each cycle as "cycle event code subject level value". */
function script(rules: AlertRule[], values: readonly (number | FigureReading[])[]): string[] {
  const feed = createAlertFeed({ rules });
  const out: string[] = [];
  values.forEach((x, k) => {
    const readings = typeof x === "number" ? [pcr(x)] : x;
    for (const a of feed.observe(state(k + 1, readings))) out.push(`${a.cycle} ${a.event} ${a.code} ${a.subject} ${a.level} ${a.value}`);
  });
  return out;
}

describe("threshold rules", () => {
  test("a rule fires after for_cycles consecutive cycles past the threshold, stays quiet between the clear threshold and the threshold, and clears past the clear threshold", () => {
    // 1.35 once (run broken by 1.25), then 1.31, 1.4, 1.5: raised at the third of those.
    const values = [1.0, 1.35, 1.25, 1.31, 1.4, 1.5, 1.25, 1.21, 1.3, 1.2, 1.1];
    expect(script([rule({ for_cycles: 3 })], values)).toEqual(["6 raised pcr_high NIFTY this_week warn 1.5", "10 cleared pcr_high NIFTY this_week info 1.2"]);
  });

  test("a raised alert carries its index, expiry, first-seen (first of the consecutive cycles), last-seen, value and threshold; its clear event the same first-seen and the last cycle it stood", () => {
    const feed = createAlertFeed({ rules: [rule({ for_cycles: 2, severity: "error" })] });
    const seen: Alert[] = [];
    [1.0, 1.4, 1.5, 1.25, 1.6, 1.0].forEach((x, k) => seen.push(...feed.observe(state(k + 1, [pcr(x)]))));
    expect(seen).toEqual([
      { kind: "rule", code: "pcr_high", cycle: 3, at: at(3), subject: "NIFTY this_week", index: "NIFTY", expiry: "this_week", level: "error", event: "raised", firstSeen: at(2), lastSeen: at(3), value: 1.5, threshold: 1.3, message: "pcr_high: NIFTY this_week pcr_oi 1.5 > 1.3 for 2 cycles" },
      { kind: "rule", code: "pcr_high", cycle: 6, at: at(6), subject: "NIFTY this_week", index: "NIFTY", expiry: "this_week", level: "info", event: "cleared", firstSeen: at(2), lastSeen: at(5), value: 1, threshold: 1.2, message: "pcr_high: NIFTY this_week pcr_oi 1 back past 1.2: cleared" },
    ]);
  });

  test("cooldown: after a raise, the same subject is not raised again before cooldown_seconds of snapshot time", () => {
    // One cycle a minute; cooldown 5 minutes from the raise at cycle 1.
    const values = [1.5, 1.0, 1.5, 1.0, 1.5, 1.5, 1.5, 1.0, 1.5];
    expect(script([rule({ cooldown_seconds: 300 })], values)).toEqual([
      "1 raised pcr_high NIFTY this_week warn 1.5",
      "2 cleared pcr_high NIFTY this_week info 1",
      // Cycles 3 and 5 pass the threshold within 5 minutes of the raise: quiet; cycle 6 is 5 minutes after.
      "6 raised pcr_high NIFTY this_week warn 1.5",
      "8 cleared pcr_high NIFTY this_week info 1",
    ]);
  });

  test("each subject has its own state; index and expiry filters pick subjects", () => {
    const both = (a: number, b: number) => [pcr(a, "NIFTY", "this_week"), pcr(b, "NIFTY", "next_week"), pcr(a, "SENSEX", "this_week")];
    expect(script([rule({})], [both(1.4, 1.0), both(1.4, 1.4), both(1.0, 1.4)])).toEqual([
      "1 raised pcr_high NIFTY this_week warn 1.4",
      "1 raised pcr_high SENSEX this_week warn 1.4",
      "2 raised pcr_high NIFTY next_week warn 1.4",
      "3 cleared pcr_high NIFTY this_week info 1",
      "3 cleared pcr_high SENSEX this_week info 1",
    ]);
    expect(script([rule({ index: "NIFTY", expiry: "next_week" })], [both(1.4, 1.0), both(1.4, 1.4)])).toEqual(["2 raised pcr_high NIFTY next_week warn 1.4"]);
  });

  test("a missing figure (NaN) is no evidence: it breaks a run of cycles, and neither raises nor clears", () => {
    expect(script([rule({ for_cycles: 2 })], [1.4, Number.NaN, 1.4, 1.4, Number.NaN, Number.NaN, 1.0])).toEqual([
      "4 raised pcr_high NIFTY this_week warn 1.4",
      "7 cleared pcr_high NIFTY this_week info 1",
    ]);
  });

  test("\"<\" rules clear above their clear threshold", () => {
    const cov = (value: number): FigureReading[] => [{ figure: "coverage", key: "NIFTY", index: "NIFTY", value }];
    const low = rule({ name: "cov", watch: "coverage", op: "<", threshold: 0.9, clear: 0.95 });
    expect(script([low], [cov(1), cov(0.8), cov(0.92), cov(0.96)])).toEqual(["2 raised cov NIFTY warn 0.8", "4 cleared cov NIFTY info 0.96"]);
  });

  test("the same cycle observed again (a status file re-read) is no new evidence", () => {
    const feed = createAlertFeed({ rules: [rule({ for_cycles: 2 })] });
    const s = state(1, [pcr(1.5)]);
    expect([...feed.observe(s), ...feed.observe(s)]).toEqual([]);
    expect(feed.observe(state(2, [pcr(1.5)])).map((a) => a.event)).toEqual(["raised"]);
  });
});

describe("built-in health rules", () => {
  const builtin = builtinRules({ enabled: true, coverage_below: 0.9, coverage_clear: 0.95, data_age_seconds: 120, spool_growth_cycles: 3, for_cycles: 2, cooldown_seconds: 0 });

  test("spool_growth: a sink's spool grew in N consecutive cycles; clears the first cycle it does not", () => {
    const spool = (bytes: number): FigureReading[] => [{ figure: "spool_bytes", key: "influx", sink: "influx", value: bytes }, { figure: "spool_growth_bytes", key: "influx", sink: "influx", value: bytes }];
    expect(script(builtin, [spool(0), spool(100), spool(200), spool(300), spool(400), spool(400), spool(0)])).toEqual(["4 raised spool_growth influx warn 100", "6 cleared spool_growth influx info 0"]);
  });

  test("coverage_drop reads each index's legs collected over requested from the cycle: a NIFTY at 60 % raises it on the second such cycle (for_cycles 2), and the real cycle clears it", async () => {
    const { result, stats } = await fixedCycle();
    const readings = readFigures(result, stats);
    const nifty = result.indices.find((i) => i.index === "NIFTY")!;
    expect(readings.find((r) => r.figure === "coverage" && r.index === "NIFTY")!.value).toBe(nifty.legsCollected / nifty.legsRequested);
    // Data age is taken at the snapshot instant (the simulator quotes at it: 0), not against the wall clock.
    expect(readings.find((r) => r.figure === "data_age_seconds")!.value).toBe((result.at - result.quoteTimes!.first) / 1000);
    expect(readings.find((r) => r.figure === "data_age_seconds")!.value).toBe(0);
    // Recomputed from the figures' definitions: a thinned NIFTY.
    const thin = readings.map((r) => (r.figure === "coverage" && r.index === "NIFTY" ? { ...r, value: 0.6 } : r));
    const feed = createAlertFeed({ rules: builtin });
    const s = (cycle: number, rs: readonly FigureReading[]): AlertState => ({ ...state(cycle, []), readings: rs });
    expect(feed.observe(s(1, thin)).filter((a) => a.kind === "rule")).toEqual([]);
    const second = feed.observe(s(2, thin)).filter((a) => a.kind === "rule");
    expect(second.map((a) => `${a.code} ${a.subject} ${a.event}`)).toEqual(["coverage_drop NIFTY raised"]);
    // The fixture's NIFTY: 164 of 168 legs, above coverage_clear.
    expect(nifty.legsCollected / nifty.legsRequested).toBeGreaterThanOrEqual(0.95);
    expect(feed.observe(s(3, readings)).map((a) => `${a.code} ${a.subject} ${a.event}`)).toEqual(["coverage_drop NIFTY cleared"]);
  });
});

describe("rules in config", () => {
  const parse = (rules: unknown[]) => v.safeParse(ConfigSchema, { alerts: { rules } });
  const base = { name: "pcr_high", watch: "pcr_oi", op: ">", threshold: 1.3 };

  test("a declared rule gets its defaults and follows the built-in ones", () => {
    const r = parse([base]);
    expect(r.success).toBe(true);
    const config = r.output as v.InferOutput<typeof ConfigSchema>;
    expect(config.alerts.rules).toEqual([{ ...base, clear: null, for_cycles: 1, severity: "warn", cooldown_seconds: 0, index: null, expiry: null, sink: null }] as AlertRule[]);
    expect(alertRulesOf(config).map((x) => x.name)).toEqual(["coverage_drop", "data_age", "spool_growth", "pcr_high"]);
  });

  test("bad rules are refused, naming the rule and what is wrong", () => {
    const messages = (rules: unknown[]) => {
      const r = parse(rules);
      return r.success ? [] : r.issues.map((i) => i.message);
    };
    expect(messages([{ ...base, watch: "pcr" }]).join(" ")).toContain("a watchable figure (pcr_oi,");
    expect(messages([base, base]).join(" ")).toContain('rule[1].name: "pcr_high" is already a rule name');
    expect(messages([{ ...base, name: "data_age" }]).join(" ")).toContain("not a built-in rule's name");
    expect(messages([{ ...base, clear: 1.4 }]).join(" ")).toContain("rule[0].clear: 1.4 is not on the quiet side of threshold 1.3");
    expect(messages([{ ...base, sink: "influx" }]).join(" ")).toContain("figure pcr_oi is per expiry, not per sink");
    expect(messages([{ ...base, index: "NIFTI" }]).join(" ")).toContain('rule[0].index: "NIFTI" is not an index G6 knows (NIFTY, BANKNIFTY');
  });
});

describe("the dashboard and the panels", () => {
  test("run the config's rules on each cycle, as the run's stream does: a declared rule's alert is in the snapshot's alerts", async () => {
    const { result, stats } = await fixedCycle();
    const config = v.parse(ConfigSchema, { alerts: { rules: [{ name: "nifty_spot", watch: "spot", op: ">", threshold: 1, index: "NIFTY" }] } });
    const tracker = configuredTracker(config, createMarketCalendar({ holidays: [] }), { now: () => NOW, pool: null });
    const spot = result.indices.find((i) => i.index === "NIFTY")!.spot;
    const messages = tracker.observe(result, stats).alerts.map((a) => a.message);
    expect(messages).toContain(`nifty_spot: NIFTY spot ${spot.toFixed(1)} > 1`);
    // Without the rule, no such alert.
    const plain = configuredTracker(v.parse(ConfigSchema, {}), createMarketCalendar({ holidays: [] }), { now: () => NOW, pool: null });
    expect(plain.observe(result, stats).alerts.map((a) => a.message).filter((m) => m.startsWith("nifty_spot"))).toEqual([]);
  });
});
