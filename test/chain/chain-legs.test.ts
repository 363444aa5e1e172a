/** Chain legs: the listed strikes outside the ladder, and the merged per-strike view. */
import { describe, expect, test } from "bun:test";
import { createBatch } from "../../src/chain/batch.ts";
import { chainLegSpecs, outsideStrikes, strikeColumns } from "../../src/chain/chain-legs.ts";
import { scopeAggregates } from "../../src/chain/trader.ts";

const spec = (strikes: number[]) => ({ index: "NIFTY", tag: "this_week", expiry: "2026-11-24", spot: 24010, atm: 24000, T: 0.01, df: 1, strikes });

describe("chain legs", () => {
  test("outside strikes: listed minus ladder, ascending; a ladder strike that is not listed is not added", () => {
    expect([...outsideStrikes([23800, 23900, 24000, 24100, 24200], [23900, 24000, 24100])]).toEqual([23800, 24200]);
    expect([...outsideStrikes([24000], [23950, 24000, 24050])]).toEqual([]);
    expect([...outsideStrikes([], [24000])]).toEqual([]);
  });

  test("one chain group per ladder group; an unknown listing gives none", () => {
    const groups = [spec([23900, 24000, 24100]), { ...spec([50000]), index: "BANKNIFTY", expiry: "2026-11-25" }];
    const listed = new Map([["NIFTY|2026-11-24", Float64Array.from([23800, 23900, 24000, 24100, 24200])]]);
    const specs = chainLegSpecs(groups, listed);
    expect(specs.map((s) => Array.from(s.strikes))).toEqual([[23800, 24200], []]);
  });

  test("strike columns merge ladder and chain legs by strike; aggregates and coverage over the union", () => {
    const ladder = createBatch([spec([23900, 24000, 24100])]);
    const chain = createBatch([spec([23800, 24200])]);
    // OI: call = strike/100, put = 300 − strike/100, set per leg (CE even, PE odd).
    for (const b of [ladder, chain]) {
      for (let i = 0; i < b.legs; i++) {
        b.oi[i] = b.isCall[i] ? b.strike[i]! / 100 : 300 - b.strike[i]! / 100;
        b.volume[i] = 10;
        b.last[i] = 5;
      }
    }
    chain.oi[3] = Number.NaN; // the 24200 put has no OI
    const cols = strikeColumns(ladder, 0, chain);
    expect([...cols.strike]).toEqual([23800, 23900, 24000, 24100, 24200]);
    expect([...cols.callOi]).toEqual([238, 239, 240, 241, 242]);
    expect([...cols.putOi].map((x) => (Number.isNaN(x) ? null : x))).toEqual([62, 61, 60, 59, null]);
    const agg = scopeAggregates(cols, 24010, "chain");
    expect(agg.aggregateStrikes).toBe(5);
    expect(agg.aggregateCoverage).toBe(9 / 10);
    expect(agg.aggregatesComplete).toBe(false);
    expect(agg.pcrOi).toBeCloseTo((62 + 61 + 60 + 59) / (238 + 239 + 240 + 241 + 242), 12);
    // Support: the largest put OI at or below 24010 is 62, at 23800 (a chain strike outside the ladder).
    expect(agg.support).toBe(23800);
    expect(agg.resistance).toBe(24200);
    // Max pain by hand: payout at K = Σ callOi·max(K−k,0) + putOi·max(k−K,0) (the missing put counts 0).
    const pain = (K: number) => [23800, 23900, 24000, 24100, 24200].reduce((a, k, i) => a + cols.callOi[i]! * Math.max(K - k, 0) + (Number.isNaN(cols.putOi[i]!) ? 0 : cols.putOi[i]!) * Math.max(k - K, 0), 0);
    const best = [23800, 23900, 24000, 24100, 24200].reduce((a, k) => (pain(k) < pain(a) ? k : a));
    expect(agg.maxPain).toBe(best);
    // Without the chain, the ladder alone.
    expect(strikeColumns(ladder, 0, null).strike.length).toBe(3);
  });
});
