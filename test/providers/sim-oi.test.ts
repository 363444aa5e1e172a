/**
 * Simulated open interest belongs to the contract (expiry, strike, side), not to where spot is:
 * over a whole simulated session a contract's OI never jumps when spot crosses its strike, and
 * the put-call ratio of the same contracts moves smoothly from minute to minute.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { INDICES, type IndexName } from "../../src/market/index.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import type { CycleResult } from "../../src/contracts/index.ts";

const config = testConfig({
  pool: { size: 0 },
  server: { enabled: false },
  storage: { data_dir: tempDir(), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: false } },
  provider: { sim: { seed: 1, start: "2026-11-19T09:15" } },
});
/** One full session, 09:15 to 15:29, a cycle a minute. */
const CYCLES = 375;
let results: CycleResult[] = [];

beforeAll(async () => {
  results = await runEngine(config, CYCLES);
});

/** OI by strike of group `g`'s calls and puts. */
function oiByStrike(r: CycleResult, g: number): { call: Map<number, number>; put: Map<number, number> } {
  const b = r.batch;
  const call = new Map<number, number>();
  const put = new Map<number, number>();
  for (let i = b.start[g]!; i < b.end[g]!; i++) (b.isCall[i] ? call : put).set(b.strike[i]!, b.oi[i]!);
  return { call, put };
}

describe("simulated open interest", () => {
  test("the session covers every index and expiry, and spot crosses strikes", () => {
    expect(results).toHaveLength(CYCLES);
    expect(results[0]!.expiries).toHaveLength(14);
    for (const r of results) expect(r.expiries.map((e) => e.status)).toEqual(Array(14).fill("OK"));
    // Spot moves through several strikes of every index during the session.
    for (const [g, e] of results[0]!.expiries.entries()) {
      const atms = new Set(results.map((r) => r.expiries[g]!.atm));
      expect(atms.size, `${e.index} ${e.tag}`).toBeGreaterThan(3);
    }
  });

  test("a contract's OI does not jump when spot crosses its strike", () => {
    let crossings = 0;
    for (let c = 1; c < CYCLES; c++) {
      const [prev, cur] = [results[c - 1]!, results[c]!];
      for (const [g, e] of cur.expiries.entries()) {
        const lot = INDICES[e.index as IndexName].lotSize;
        const [s0, s1] = [prev.expiries[g]!.spot, e.spot];
        const before = oiByStrike(prev, g);
        const after = oiByStrike(cur, g);
        for (const side of ["call", "put"] as const) {
          for (const [K, oi] of after[side]) {
            const was = before[side].get(K);
            if (was === undefined || (s0 - K) * (s1 - K) > 0) continue;
            crossings++;
            // Within one lot of rounding or 0.5 %: a slow drift, never a swap of the sides' OI.
            expect(Math.abs(oi - was), `${e.index} ${e.tag} ${K} ${side} at cycle ${c}`).toBeLessThanOrEqual(Math.max(lot, 0.005 * was));
          }
        }
      }
    }
    expect(crossings).toBeGreaterThan(100);
  });

  test("PCR of the same contracts moves less than 2 % a minute for every index and expiry", () => {
    for (let c = 1; c < CYCLES; c++) {
      const [prev, cur] = [results[c - 1]!, results[c]!];
      for (const [g, e] of cur.expiries.entries()) {
        const before = oiByStrike(prev, g);
        const after = oiByStrike(cur, g);
        let [p0, c0, p1, c1] = [0, 0, 0, 0];
        for (const K of after.call.keys()) {
          if (!before.call.has(K)) continue;
          p0 += before.put.get(K)!;
          c0 += before.call.get(K)!;
          p1 += after.put.get(K)!;
          c1 += after.call.get(K)!;
        }
        const where = `${e.index} ${e.tag} cycle ${c}`;
        expect(Math.abs(p1 / c1 / (p0 / c0) - 1), where).toBeLessThan(0.02);
        // With the same ATM the window is the same contracts: the recorded PCR itself is smooth.
        if (e.atm === prev.expiries[g]!.atm) expect(Math.abs(e.pcrOi / prev.expiries[g]!.pcrOi - 1), where).toBeLessThan(0.02);
      }
    }
  });
});
