/**
 * The chain legs in a cycle against a fake provider: fetched after the ladder through the same
 * provider, aggregates over ladder + outside legs; skipped (with a warning, aggregates on the
 * ladder) when they do not fit the provider's capacity; a failed chain fetch leaves the
 * aggregates flagged incomplete with their coverage, and the ladder (the CSV rows) untouched.
 */
import { describe, expect, test } from "bun:test";
import type { ChainBatch } from "../../src/chain/batch.ts";
import { enrichBatch } from "../../src/engine/compute.ts";
import { enrichParams, runCycle } from "../../src/engine/cycle.ts";
import { createListingCache } from "../../src/engine/listing.ts";
import { istEpoch } from "../../src/market/ist.ts";
import { testConfig } from "../helpers/engine.ts";
import { type CycleResult, type Instrument, type Provider, type ProviderCapabilities, ProviderError, type QuoteReport } from "../../src/contracts/index.ts";

const AT = istEpoch("2026-11-20", "10:00:00");
const config = (interval: number) =>
  testConfig({
    interval,
    indices: {
      NIFTY: { strikes_below: 1, strikes_above: 1, expiries: ["this_week"] },
      BANKNIFTY: { enabled: false },
      FINNIFTY: { enabled: false },
      MIDCPNIFTY: { enabled: false },
      SENSEX: { enabled: false },
    },
  });
/** Listed strikes 23800 … 24200 every 50: 9 strikes, the ladder is 23950, 24000, 24050. */
const LISTED = Array.from({ length: 9 }, (_, i) => 23_800 + 50 * i);
/** OI by strike and side, known here independently of G6. */
const oiOf = (K: number, isCall: boolean) => (isCall ? 1000 + (K - 23_800) : 3000 - (K - 23_800) * 2);

type Calls = { batches: number[] };

function provider(calls: Calls, opts: { capabilities?: ProviderCapabilities; failChain?: boolean } = {}): Provider {
  return {
    name: "fake",
    capabilities: opts.capabilities,
    async open() {},
    async close() {},
    async listExpiries() {
      return ["2026-11-24"];
    },
    async instruments(index, expiry): Promise<Instrument[]> {
      return LISTED.flatMap((strike) => [true, false].map((isCall) => ({ token: strike * 2 + (isCall ? 1 : 0), symbol: `${index}${strike}`, index, expiry, strike, isCall, lotSize: 75 })));
    },
    async spot(indices, at) {
      return indices.map((index) => ({ index, last: 24_010, open: NaN, high: NaN, low: NaN, prevClose: 23_900, time: at }));
    },
    async quotes(b: ChainBatch): Promise<QuoteReport> {
      calls.batches.push(b.legs);
      // The ladder is the first batch of the cycle; the chain legs the second.
      if (opts.failChain && calls.batches.length === 2) throw new ProviderError("transient", "quote timed out");
      for (let i = 0; i < b.legs; i++) {
        b.last[i] = b.avg[i] = 20;
        b.bid[i] = 19.5;
        b.ask[i] = 20.5;
        b.volume[i] = 10;
        b.oi[i] = oiOf(b.strike[i]!, b.isCall[i] === 1);
        b.quoteTime[i] = AT;
      }
      return { returned: b.legs, requests: 1 };
    },
  };
}

function cycle(p: Provider, interval = 60): Promise<CycleResult> {
  const c = config(interval);
  return runCycle({ config: c, provider: p, enrich: (b) => enrichBatch(null, b, enrichParams(c)), elapsed: () => 0, listing: createListingCache() }, 1, AT);
}

const sumOi = (isCall: boolean, strikes: number[]) => strikes.reduce((a, K) => a + oiOf(K, isCall), 0);

describe("chain legs in a cycle", () => {
  test("fetched after the ladder through the same provider; aggregates over every listed strike", async () => {
    const calls: Calls = { batches: [] };
    const r = await cycle(provider(calls));
    expect(calls.batches).toEqual([6, 12]); // 3 ladder strikes, then the 6 outside it
    const e = r.expiries[0]!;
    expect(e.scope).toBe("chain");
    expect(e.aggregateStrikes).toBe(9);
    expect(e.aggregatesComplete).toBe(true);
    expect(e.pcrOi).toBeCloseTo(sumOi(false, LISTED) / sumOi(true, LISTED), 12);
    expect(e.pcrOiWindow).toBeCloseTo(sumOi(false, [23950, 24000, 24050]) / sumOi(true, [23950, 24000, 24050]), 12);
    // Put OI falls with strike: support is the lowest listed strike; call OI rises: resistance the highest.
    expect(e.support).toBe(23_800);
    expect(e.resistance).toBe(24_200);
    expect(r.chain?.legs).toBe(12);
    expect(r.batch.legs).toBe(6); // the CSV rows' legs are the ladder's
    expect(r.warnings).toEqual([]);
  });

  test("beyond the provider's capacity: not fetched, a warning, aggregates on the ladder", async () => {
    const calls: Calls = { batches: [] };
    // 1 request/s of 4 legs in a 3 s interval: the spot and 2 ladder requests fit, 3 more for the chain do not.
    const r = await cycle(provider(calls, { capabilities: { quoteRequestsPerSecond: 1, legsPerRequest: 4 } }), 3);
    expect(calls.batches).toEqual([6]);
    const e = r.expiries[0]!;
    expect(e.scope).toBe("window");
    expect(e.aggregateStrikes).toBe(3);
    expect(r.chain).toBeNull();
    expect(r.warnings.some((w) => w.includes('analytics.scope "chain"') && w.includes("not fetched"))).toBe(true);
    expect(r.errors).toEqual([]);
  });

  test("the chain fetch failing: the error is recorded, the aggregates flagged with their coverage, the ladder intact", async () => {
    const calls: Calls = { batches: [] };
    const r = await cycle(provider(calls, { failChain: true }));
    expect(r.errors).toEqual([{ phase: "fetch", code: "transient", message: "quote timed out" }]);
    const e = r.expiries[0]!;
    expect(e.status).toBe("OK");
    expect(e.scope).toBe("chain");
    expect(e.aggregateCoverage).toBeCloseTo(6 / 18, 12);
    expect(e.aggregatesComplete).toBe(false);
    expect(r.legsCollected).toBe(6);
  });
});
