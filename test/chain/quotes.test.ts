/** The provider boundary: what a provider writes into a batch is made trustworthy once, for all providers. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createBatch, hasPrice, rejectInvalidQuotes } from "../../src/chain/batch.ts";
import { listFiles, readCsv, runEngine, tempDir, testConfig } from "../helpers/engine.ts";

const spec = { index: "NIFTY", tag: "this_week", expiry: "2026-11-24", spot: 24000, atm: 24000, T: 0.01, df: 1, strikes: [23950, 24000, 24050] };

describe("rejectInvalidQuotes", () => {
  test("a price ≤ 0 or not finite becomes missing; zero volume and OI stay", () => {
    const b = createBatch([spec]);
    // Legs: 0 CE 23950, 1 PE 23950, 2 CE 24000, 3 PE 24000, 4 CE 24050, 5 PE 24050.
    b.last.set([80.5, 0, 40.25, -0.05, Number.POSITIVE_INFINITY, Number.NaN]);
    b.avg.set([80, 0, 40, 3, 2, Number.NaN]);
    b.bid.set([80.4, 0, 40.2, 0, Number.NEGATIVE_INFINITY, 1]);
    b.ask.set([80.6, 0, 40.3, 0.1, 1, 1.1]);
    b.volume.set([0, 1500, -75, Number.POSITIVE_INFINITY, 75, Number.NaN]);
    b.oi.set([0, 0, 750, -1, 150, 300]);
    const rejected = rejectInvalidQuotes(b);
    const arr = (a: Float64Array) => Array.from(a);
    expect(arr(b.last)).toEqual([80.5, NaN, 40.25, NaN, NaN, NaN]);
    expect(arr(b.avg)).toEqual([80, NaN, 40, 3, 2, NaN]);
    expect(arr(b.bid)).toEqual([80.4, NaN, 40.2, NaN, NaN, 1]);
    expect(arr(b.ask)).toEqual([80.6, NaN, 40.3, 0.1, 1, 1.1]);
    expect(arr(b.volume)).toEqual([0, 1500, NaN, NaN, 75, NaN]);
    expect(arr(b.oi)).toEqual([0, 0, 750, NaN, 150, 300]);
    // last: 3 (0, −0.05, +∞); avg: 1; bid: 3; ask: 1; volume: 2; oi: 1. NaN inputs are not counted.
    expect(rejected).toBe(11);
    // The put quoted at 0 has no price any more; the put with only a one-sided bid/ask has none either.
    expect([0, 1, 2, 3, 4, 5].map((i) => hasPrice(b, i))).toEqual([true, false, true, false, false, true]);
  });
});

describe("zero prices from the provider end to end", () => {
  test("a zero price is an empty field, never summed into tp", async () => {
    const dataDir = tempDir();
    const config = testConfig({
      pool: { size: 0 },
      storage: { data_dir: dataDir, panels: { enabled: false } },
      indices: { NIFTY: { expiries: ["this_week"] }, BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
      provider: { sim: { seed: 3, start: "2026-11-20T10:00", faults: { zero_price_rate: 0.2 } } },
    });
    const results = await runEngine(config, 3);
    const base = join(dataDir, "g6_data");
    let zeroSides = 0;
    let rows = 0;
    for (const f of listFiles(base).filter((x) => x.startsWith("NIFTY/"))) {
      for (const r of readCsv(join(base, f)).rows) {
        rows++;
        for (const k of ["ce", "pe", "avg_ce", "avg_pe", "tp", "avg_tp"]) if (r[k] !== "") expect(Number(r[k])).toBeGreaterThan(0);
        if (r.ce === "" || r.pe === "") {
          zeroSides++;
          expect(r.tp).toBe("");
          expect(r.avg_tp).toBe("");
          expect(r.tp_net_change).toBe("");
          expect(r.tp_day_change).toBe("");
          // The contract's volume and OI are still real values.
          expect(r.ce === "" ? r.ce_oi : r.pe_oi).toMatch(/^\d+$/);
        } else {
          expect(Number(r.tp)).toBeCloseTo(Number(r.ce) + Number(r.pe), 9);
        }
      }
    }
    // 3 cycles × 21 strikes, less the strikes whose both sides were zero (no row is written for them).
    expect(rows).toBeGreaterThan(50);
    expect(rows).toBeLessThanOrEqual(3 * 21);
    expect(zeroSides).toBeGreaterThan(5);
    // The zero-priced legs count as legs without quotes.
    const last = results.at(-1)!;
    expect(last.legsCollected).toBeLessThan(last.legsRequested);
    expect(last.status).toBe("PARTIAL");
    expect(last.statusReason).toMatch(/^NIFTY PARTIAL: this_week: \d+ of 42 legs without quotes \(/);
  });
});
