/** Per-expiry aggregates of scoreGroup and the per-index masks of scoreIndex, on a hand-set chain. */
import { describe, expect, test } from "bun:test";
import { createBatch } from "../../src/chain/batch.ts";
import { scoreGroup, scoreIndex, type IndexPlan } from "../../src/chain/score.ts";

/** Three strikes around ATM 24,000 with spot 24,010; per strike [CE, PE]. */
function chain() {
  const b = createBatch([{ index: "NIFTY", tag: "this_week", expiry: "2026-11-24", spot: 24_010, atm: 24_000, T: 4 / 365, df: 1, strikes: [23_900, 24_000, 24_100] }]);
  const set = (field: "last" | "volume" | "oi", ce: number[], pe: number[]) => {
    for (let k = 0; k < ce.length; k++) {
      b[field][2 * k] = ce[k]!;
      b[field][2 * k + 1] = pe[k]!;
    }
  };
  set("last", [150, 80, 30], [20, 70, 160]);
  set("volume", [10, 20, 30], [5, 5, 5]);
  set("oi", [100, 300, 500], [600, 200, 50]);
  for (let i = 0; i < b.legs; i++) {
    b.bid[i] = b.last[i]! - 1;
    b.ask[i] = b.last[i]! + 1;
    b.avg[i] = b.last[i]!;
  }
  b.iv[2] = 0.14;
  b.iv[3] = 0.16;
  return b;
}

const plan = (selectors: string[], unresolved: string[] = []): IndexPlan => ({ index: "NIFTY", spot: 24_010, atm: 24_000, prevClose: 23_950, open: NaN, high: NaN, low: NaN, selectors, unresolved });

describe("scoreGroup aggregates", () => {
  const e = scoreGroup(chain(), 0);

  test("PCR of OI and volume, support and resistance at the largest put and call OI", () => {
    expect(e.pcrOi).toBeCloseTo(850 / 900, 12);
    expect(e.pcrVolume).toBeCloseTo(15 / 60, 12);
    expect(e.support).toBe(23_900);
    expect(e.resistance).toBe(24_100);
  });

  test("max pain is the strike where option holders are paid least (payouts 30,000 / 15,000 / 50,000)", () => {
    expect(e.maxPain).toBe(24_000);
  });

  test("ATM IV is the mean of the ATM call and put IVs; the straddle and implied move from their prices", () => {
    expect(e.atmIv).toBeCloseTo(0.15, 12);
    expect(e.straddle).toBe(150);
    expect(e.impliedMove).toBeCloseTo(150 / 24_010, 12);
  });

  test("coverage and status of a complete chain", () => {
    expect(e).toMatchObject({ strikesRequested: 3, strikesWithData: 3, legsRequested: 6, legsCollected: 6, strikeCoverage: 1, fieldCoverage: 1, status: "OK", reason: "" });
  });
});

describe("scoreIndex", () => {
  const e = scoreGroup(chain(), 0);

  test("an unresolved selector makes the index PARTIAL, named, with its bit in the missing mask", () => {
    const s = scoreIndex(plan(["this_week", "next_week"], ["next_week"]), [e]);
    expect(s).toMatchObject({ status: "PARTIAL", reason: "not listed: next_week", expiriesExpected: 2, expiriesCollected: 1, expectedMask: 3, collectedMask: 1, missingMask: 2, legsRequested: 6, legsCollected: 6 });
  });

  test("every selector collected is OK; an explicit date selector has no mask bit", () => {
    expect(scoreIndex(plan(["this_week"]), [e])).toMatchObject({ status: "OK", reason: "", expectedMask: 1, collectedMask: 1, missingMask: 0 });
    expect(scoreIndex(plan(["2026-11-24"]), [{ ...e, tag: "2026-11-24" }])).toMatchObject({ status: "OK", expectedMask: 0, collectedMask: 0, missingMask: 0 });
  });

  test("a plan error without expiries is EMPTY with the error as reason", () => {
    expect(scoreIndex({ ...plan(["this_week"]), error: "no spot quote" }, [])).toMatchObject({ status: "EMPTY", reason: "no spot quote", legsRequested: 0, missingMask: 1 });
  });
});
