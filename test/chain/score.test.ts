/** Status and coverage: one rule for every index and expiry, and reasons that say what is missing. */
import { describe, expect, test } from "bun:test";
import type { GroupSpec } from "../../src/chain/batch.ts";
import { scoreGroup, scoreIndex, type IndexPlan } from "../../src/chain/score.ts";
import { quotedBatch } from "../../bench/support.ts";

const strikes = (n: number, step: number, from: number) => Array.from({ length: n }, (_, k) => from + k * step);
const group = (index: string, tag: string, n: number): GroupSpec => ({ index, tag, expiry: "2026-11-24", spot: 24000, atm: 24000, T: 4 / 365, df: 1, strikes: strikes(n, 50, 24000 - 50 * Math.floor(n / 2)) });
const unquote = (b: ReturnType<typeof quotedBatch>, leg: number) => {
  b.last[leg] = Number.NaN;
  b.bid[leg] = Number.NaN;
  b.ask[leg] = Number.NaN;
  b.avg[leg] = Number.NaN;
};
const plan = (index: string, selectors: string[]): IndexPlan => ({ index, spot: 24000, atm: 24000, prevClose: NaN, open: NaN, high: NaN, low: NaN, selectors, unresolved: [] });

describe("expiry status", () => {
  test("68 of 84 legs is PARTIAL whether whole strikes or single sides are missing", () => {
    // Two groups of 42 strikes (84 legs) each; 16 legs unquoted in each, laid out differently.
    const b = quotedBatch([group("NIFTY", "this_week", 42), group("BANKNIFTY", "this_month", 42)], 5);
    for (let k = 0; k < 8; k++) {
      unquote(b, b.start[0]! + 2 * k);
      unquote(b, b.start[0]! + 2 * k + 1);
    }
    for (let k = 0; k < 16; k++) unquote(b, b.start[1]! + 2 * k + (k < 10 ? 0 : 1));
    const [a, c] = [scoreGroup(b, 0), scoreGroup(b, 1)];
    expect([a.legsCollected, c.legsCollected]).toEqual([68, 68]);
    expect(a.status).toBe("PARTIAL");
    expect(c.status).toBe("PARTIAL");
    expect(a.reason).toBe("16 of 84 legs without quotes (8 strikes missing CE+PE)");
    expect(c.reason).toBe("16 of 84 legs without quotes (10 strikes missing CE, 6 missing PE)");
    const idx = [scoreIndex(plan("NIFTY", ["this_week"]), [a]), scoreIndex(plan("BANKNIFTY", ["this_month"]), [c])];
    expect(idx.map((s) => [s.status, s.legsCollected, s.legsRequested])).toEqual([
      ["PARTIAL", 68, 84],
      ["PARTIAL", 68, 84],
    ]);
    expect(idx[1]!.reason).toBe("this_month: 16 of 84 legs without quotes (10 strikes missing CE, 6 missing PE)");
  });

  test("every leg priced with volume and OI is OK; a missing OI or volume is named", () => {
    const b = quotedBatch([group("NIFTY", "this_week", 21), group("NIFTY", "next_week", 21)], 5);
    expect(scoreGroup(b, 0)).toMatchObject({ status: "OK", reason: "", legsCollected: 42, strikeCoverage: 1, fieldCoverage: 1 });
    const s1 = b.start[1]!;
    unquote(b, s1 + 6);
    unquote(b, s1 + 7);
    unquote(b, s1 + 9);
    b.oi[s1 + 20] = Number.NaN;
    b.oi[s1 + 21] = Number.NaN;
    b.volume[s1 + 30] = Number.NaN;
    const e = scoreGroup(b, 1);
    expect(e.status).toBe("PARTIAL");
    expect(e.reason).toBe("3 of 42 legs without quotes (1 strike missing CE+PE, 1 missing PE), 2 legs missing OI, 1 leg missing volume");
    expect(e.fieldCoverage).toBeCloseTo(36 / 39, 12);
    const index = scoreIndex(plan("NIFTY", ["this_week", "next_week"]), [scoreGroup(b, 0), e]);
    expect(index.status).toBe("PARTIAL");
    expect(index.reason).toBe(`next_week: ${e.reason}`);
  });

  test("no priced leg is EMPTY; zero volume and OI are values, not gaps", () => {
    const b = quotedBatch([group("SENSEX", "this_week", 5), group("SENSEX", "next_week", 5)], 5);
    for (let i = b.start[0]!; i < b.end[0]!; i++) unquote(b, i);
    b.oi.fill(0, b.start[1]!, b.end[1]!);
    b.volume.fill(0, b.start[1]!, b.end[1]!);
    expect(scoreGroup(b, 0)).toMatchObject({ status: "EMPTY", reason: "no quotes for any of 10 legs", legsCollected: 0 });
    expect(scoreGroup(b, 1)).toMatchObject({ status: "OK", reason: "" });
    const index = scoreIndex(plan("SENSEX", ["this_week", "next_week", "this_month"]), [scoreGroup(b, 0), scoreGroup(b, 1)]);
    expect(index).toMatchObject({ status: "PARTIAL", expiriesCollected: 1, expiriesExpected: 3 });
    expect(index.reason).toBe("this_week: no quotes for any of 10 legs");
  });
});
