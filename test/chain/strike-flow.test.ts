/**
 * The strike flow tracker over scripted snapshots: OI change since the session's first snapshot
 * and over the lookback, build-up per strike and per expiry, top additions and reductions.
 */
import { describe, expect, test } from "bun:test";
import type { StrikeColumns } from "../../src/chain/chain-legs.ts";
import { createStrikeFlowTracker, expiryFlow, strikeFlowOf } from "../../src/chain/strike-flow.ts";
import { BUILDUP_CLASSES } from "../../src/analytics/index.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 19, 4, 0);
const key = { index: "NIFTY", tag: "this_week", expiry: "2026-11-24" };
const S = { lookbackMinutes: 5, topN: 2, oiThresholdPct: 1, priceThresholdPct: 1 };

/** Snapshot columns from [strike, callOi, putOi, callLast, putLast] rows. */
function cols(rows: number[][]): StrikeColumns {
  const col = (j: number) => Float64Array.from(rows.map((r) => r[j]!));
  return { strike: col(0), callOi: col(1), putOi: col(2), callVolume: col(1), putVolume: col(2), callLast: col(3), putLast: col(4) };
}

describe("strike flow", () => {
  test("session change from each strike's first OI; lookback change missing until a snapshot that old exists", () => {
    const t = createStrikeFlowTracker();
    const f0 = t.update(key, cols([[24000, 1000, 2000, 100, 80], [24100, 500, 800, 60, 120]]), T0, "2026-11-19", S);
    expect([...f0.callOiChangeSession]).toEqual([0, 0]);
    expect(f0.callOiChangeLookback.every(Number.isNaN)).toBe(true);
    expect(f0.lookbackAt).toBeNaN();
    const f1 = t.update(key, cols([[24000, 1100, 1900, 110, 70], [24100, 520, 800, 59.8, 121]]), T0 + 3 * MIN, "2026-11-19", S);
    expect([...f1.callOiChangeSession]).toEqual([100, 20]);
    expect([...f1.putOiChangeSession]).toEqual([-100, 0]);
    expect(f1.callOiChangeLookback.every(Number.isNaN)).toBe(true); // 3 minutes < 5
    // 6 minutes after the first: the base is the snapshot at T0 (the newest at least 5 minutes old).
    const f2 = t.update(key, cols([[24000, 1200, 1800, 120, 60], [24100, 530, 900, 59.9, 119]]), T0 + 6 * MIN, "2026-11-19", S);
    expect(f2.lookbackAt).toBe(T0);
    expect([...f2.callOiChangeLookback]).toEqual([200, 30]);
    expect([...f2.putOiChangeLookback]).toEqual([-200, 100]);
    expect([...f2.callPriceChangeLookback].map((x) => Number(x.toFixed(2)))).toEqual([20, -0.1]);
    const names = (codes: Uint8Array) => [...codes].map((c) => BUILDUP_CLASSES[c]);
    // 24000 CE: OI +20 %, price +20 %: long build-up. 24100 CE: OI +6 %, price −0.17 % (< 1 %): neutral.
    expect(names(f2.callBuildup)).toEqual(["long_buildup", "neutral"]);
    // 24000 PE: OI −10 %, price −25 %: long unwinding. 24100 PE: OI +12.5 %, price −0.8 %: neutral.
    expect(names(f2.putBuildup)).toEqual(["long_unwinding", "neutral"]);
    // 9 minutes: the base moves to the snapshot at T0 + 3 min.
    const f3 = t.update(key, cols([[24000, 1150, 1800, 100, 60], [24100, 530, 900, 59.9, 119]]), T0 + 9 * MIN, "2026-11-19", S);
    expect(f3.lookbackAt).toBe(T0 + 3 * MIN);
    expect([...f3.callOiChangeLookback]).toEqual([50, 10]);
    expect([...f3.callOiChangeSession]).toEqual([150, 30]);
  });

  test("a strike the base did not have has no lookback change; a strike first seen later starts its own session base", () => {
    const t = createStrikeFlowTracker();
    t.update(key, cols([[24000, 1000, 2000, 100, 80]]), T0, "2026-11-19", S);
    const f = t.update(key, cols([[24000, 1000, 2000, 100, 80], [24100, 700, 300, 50, 50]]), T0 + 5 * MIN, "2026-11-19", S);
    expect(f.callOiChangeLookback[1]).toBeNaN();
    expect(f.callOiChangeSession[1]).toBe(0);
    const g = t.update(key, cols([[24000, 1000, 2000, 100, 80], [24100, 750, 300, 50, 50]]), T0 + 6 * MIN, "2026-11-19", S);
    expect(g.callOiChangeSession[1]).toBe(50);
  });

  test("a new session (IST date) starts afresh", () => {
    const t = createStrikeFlowTracker();
    t.update(key, cols([[24000, 1000, 2000, 100, 80]]), T0, "2026-11-19", S);
    const f = t.update(key, cols([[24000, 1500, 2000, 100, 80]]), T0 + 24 * 60 * MIN, "2026-11-20", S);
    expect(f.callOiChangeSession[0]).toBe(0);
    expect(f.callOiChangeLookback[0]).toBeNaN();
    expect(f.sessionAt).toBe(T0 + 24 * 60 * MIN);
  });

  test("per expiry: sums, the dominant build-up by |ΔOI|, top additions and reductions; flows found by index and tag or date", () => {
    const t = createStrikeFlowTracker();
    t.update(key, cols([[23900, 1000, 1000, 10, 10], [24000, 1000, 1000, 10, 10], [24100, 1000, 1000, 10, 10]]), T0, "2026-11-19", S);
    const f = t.update(key, cols([[23900, 1300, 900, 12, 9], [24000, 1050, 600, 8, 12], [24100, 800, 1000, 11, 10]]), T0 + 5 * MIN, "2026-11-19", S);
    const e = expiryFlow(f, 2);
    expect(e.callOiChangeLookback).toBe(300 + 50 - 200);
    expect(e.putOiChangeLookback).toBe(-100 - 400 + 0);
    // Calls: long build-up 300 (23900), short build-up 50 (24000), short covering 200 (24100): long build-up weighs most.
    expect(e.callBuildup).toBe("long_buildup");
    // Puts: long unwinding 100 (23900), short covering 400 (24000), neutral (24100): short covering.
    expect(e.putBuildup).toBe("short_covering");
    expect(e.topOiAdditions).toEqual([
      { strike: 23900, side: "CE", change: 300 },
      { strike: 24000, side: "CE", change: 50 },
    ]);
    expect(e.topOiReductions).toEqual([
      { strike: 24000, side: "PE", change: -400 },
      { strike: 24100, side: "CE", change: -200 },
    ]);
    expect(strikeFlowOf([f], "NIFTY", "this_week")).toBe(f);
    expect(strikeFlowOf([f], "NIFTY", "2026-11-24")).toBe(f);
    expect(strikeFlowOf([f], "SENSEX", "this_week")).toBeNull();
  });
});
