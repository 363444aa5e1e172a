/** The options_expiry line carries the trader figures; missing ones are left out, never written as 0. */
import { expect, test } from "bun:test";
import { expiryLine } from "../../src/sinks/influx/lines.ts";
import { statusDocument } from "../../src/sinks/status/sink.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";

test("a chain-scope cycle's expiry line and status: scope, coverage, window PCR, OI change, build-up, IV rank", async () => {
  const config = testConfig({
    storage: { data_dir: tempDir() },
    analytics: { oi_change: { lookback_minutes: 1 } },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
    provider: { sim: { seed: 5, start: "2026-11-19T10:00" } },
  });
  const results = await runEngine(config, 2);
  const [first, second] = results as [(typeof results)[0], (typeof results)[0]];
  const fields = (line: string) => Object.fromEntries(line.split(" ")[1]!.split(",").map((kv) => kv.split("=") as [string, string]));
  const e0 = first.expiries[0]!;
  const f0 = fields(expiryLine(e0, first.at));
  expect(f0.scope).toBe('"chain"');
  expect(f0.aggregate_strikes).toBe(`${e0.aggregateStrikes}i`);
  expect(Number(f0.aggregate_coverage)).toBe(e0.aggregateCoverage);
  expect(Number(f0.pcr_oi_window)).toBe(e0.pcrOiWindow);
  expect(f0.buildup_ce).toBe('"unknown"');
  // No snapshot a minute old yet, no recorded sessions: absent, not 0.
  expect(f0.oi_change_lookback_ce).toBeUndefined();
  expect(f0.iv_rank).toBeUndefined();
  expect(f0.iv_sessions).toBe("0i");
  const e1 = second.expiries[0]!;
  expect(Number.isFinite(e1.callOiChangeLookback) && Number.isFinite(e1.putOiChangeSession)).toBe(true);
  const f1 = fields(expiryLine(e1, second.at));
  expect(Number(f1.oi_change_lookback_ce)).toBe(e1.callOiChangeLookback);
  expect(Number(f1.oi_change_session_pe)).toBe(e1.putOiChangeSession);
  expect(f1.buildup_pe).toBe(`"${e1.putBuildup}"`);
  const stats = { provider: "sim", startedAt: second.at, intervalSeconds: 60, cyclesRun: 2, cyclesFailed: 0, skippedTicks: 0, lateTicks: 0, overruns: 0, lastCycleMs: 1, budgetUsed: 0, lastError: null, sinks: {}, pool: null };
  const doc = statusDocument(second, stats);
  const st = doc.indices[0]!.expiries[0]!;
  expect(st.oi_change_lookback).toEqual({ ce: e1.callOiChangeLookback, pe: e1.putOiChangeLookback });
  expect(st.buildup).toEqual({ ce: e1.callBuildup, pe: e1.putBuildup });
  expect(st.top_oi_additions.length).toBeLessThanOrEqual(config.analytics.oi_change.top_n);
  expect(st.iv_rank).toBeNull();
  expect(doc.analytics_scope).toBe("chain");
});
