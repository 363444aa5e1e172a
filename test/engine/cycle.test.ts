/**
 * One cycle against a small fake provider (the Provider contract, no module mocks): a failing
 * spot, listing or quotes call leaves that data missing and records the error with its phase
 * and code, while the other indices proceed.
 */
import { describe, expect, test } from "bun:test";
import type { ChainBatch } from "../../src/chain/batch.ts";
import { enrichBatch } from "../../src/engine/compute.ts";
import { enrichParams, runCycle } from "../../src/engine/cycle.ts";
import { createListingCache } from "../../src/engine/listing.ts";
import { createRunningProvider } from "../../src/engine/running-provider.ts";
import { istEpoch } from "../../src/market/ist.ts";
import { testConfig } from "../helpers/engine.ts";
import { type CycleResult, type Provider, ProviderError, type QuoteReport, type SpotQuote } from "../../src/contracts/index.ts";

const AT = istEpoch("2026-11-20", "10:00:00");
const LEVELS: Record<string, number> = { NIFTY: 24_012, BANKNIFTY: 52_049 };

const config = testConfig({
  indices: {
    NIFTY: { strikes_below: 1, strikes_above: 1, expiries: ["this_week"] },
    BANKNIFTY: { strikes_below: 1, strikes_above: 1, expiries: ["this_month"] },
    FINNIFTY: { enabled: false },
    MIDCPNIFTY: { enabled: false },
    SENSEX: { enabled: false },
  },
});

type Faults = {
  /** Thrown by spot. */
  spot?: Error;
  /** Indices spot leaves out. */
  noSpot?: string[];
  /** Thrown by listExpiries, per index. */
  listing?: Record<string, Error>;
  /** Thrown by quotes after quoting only these indices' legs. */
  quotes?: { error: Error; quoted: string[] };
};

/** A provider with fixed levels and one price for every leg; `faults` make calls fail. */
function fakeProvider(faults: Faults = {}): Provider {
  const quote = (b: ChainBatch, indices: readonly string[]) => {
    let returned = 0;
    for (let i = 0; i < b.legs; i++) {
      if (!indices.includes(b.labels.index[b.group[i]!]!)) continue;
      b.last[i] = b.avg[i] = 120;
      b.bid[i] = 119;
      b.ask[i] = 121;
      b.volume[i] = 50;
      b.oi[i] = 1000 + i;
      b.netChange[i] = 0;
      b.quoteTime[i] = AT;
      returned++;
    }
    return returned;
  };
  return {
    name: "fake",
    async open() {},
    async close() {},
    async listExpiries(index) {
      const err = faults.listing?.[index];
      if (err) throw err;
      return ["2026-11-24", "2026-12-01", "2026-12-29"];
    },
    async instruments() {
      return [];
    },
    async spot(indices, at): Promise<SpotQuote[]> {
      if (faults.spot) throw faults.spot;
      return indices.filter((i) => !faults.noSpot?.includes(i)).map((index) => ({ index, last: LEVELS[index]!, open: NaN, high: NaN, low: NaN, prevClose: LEVELS[index]! - 100, time: at }));
    },
    async quotes(batch): Promise<QuoteReport> {
      if (faults.quotes) {
        quote(batch, faults.quotes.quoted);
        throw faults.quotes.error;
      }
      return { returned: quote(batch, Object.keys(LEVELS)), requests: 1 };
    },
  };
}

function cycleWith(provider: Provider): Promise<CycleResult> {
  let t = 0;
  return runCycle(
    { config, provider, enrich: (b) => enrichBatch(null, b, enrichParams(config)), elapsed: () => (t += 2), listing: createListingCache() },
    7,
    AT,
  );
}

const byIndex = (r: CycleResult) => Object.fromEntries(r.indices.map((i) => [i.index, [i.status, i.reason, i.legsCollected, i.legsRequested]]));

describe("runCycle with a fake provider", () => {
  test("a healthy provider: every leg collected, both indices OK, no errors", async () => {
    const r = await cycleWith(fakeProvider());
    expect(r).toMatchObject({ cycle: 7, at: AT, date: "2026-11-20", status: "OK", statusReason: "", errors: [], legsRequested: 12, legsCollected: 12 });
    expect(byIndex(r)).toEqual({ NIFTY: ["OK", "", 6, 6], BANKNIFTY: ["OK", "", 6, 6] });
    expect(r.expiries.map((e) => [e.index, e.tag, e.expiry, e.atm])).toEqual([
      ["NIFTY", "this_week", "2026-11-24", 24_000],
      ["BANKNIFTY", "this_month", "2026-11-24", 52_000],
    ]);
    // Each phase is timed by the injected clock (2 ms a reading).
    expect(r.durations).toEqual({ spot: 2, plan: 2, fetch: 2, enrich: 2, score: 2, total: 12 });
  });

  test("spot failing: no data for any index, the error with phase spot and its code", async () => {
    const r = await cycleWith(fakeProvider({ spot: new ProviderError("auth", "token expired") }));
    expect(r.errors).toEqual([{ phase: "spot", code: "auth", message: "token expired" }]);
    expect(r.status).toBe("EMPTY");
    expect(r.batch.legs).toBe(0);
    expect(byIndex(r)).toEqual({ NIFTY: ["EMPTY", "no spot quote", 0, 0], BANKNIFTY: ["EMPTY", "no spot quote", 0, 0] });
    expect(r.indices.every((i) => Number.isNaN(i.spot))).toBe(true);
  });

  test("one index without a spot quote: only it is EMPTY, and that is not a provider error", async () => {
    const r = await cycleWith(fakeProvider({ noSpot: ["BANKNIFTY"] }));
    expect(r.errors).toEqual([]);
    expect(r.status).toBe("PARTIAL");
    expect(byIndex(r)).toEqual({ NIFTY: ["OK", "", 6, 6], BANKNIFTY: ["EMPTY", "no spot quote", 0, 0] });
    expect(r.statusReason).toBe("BANKNIFTY EMPTY: no spot quote");
  });

  test("the listing failing for one index: that index EMPTY with its reason, the other collected", async () => {
    const r = await cycleWith(fakeProvider({ listing: { BANKNIFTY: new ProviderError("transient", "listing timed out") } }));
    expect(r.errors).toEqual([{ phase: "spot", code: "transient", message: "listing timed out" }]);
    expect(byIndex(r)).toEqual({ NIFTY: ["OK", "", 6, 6], BANKNIFTY: ["EMPTY", "no expiry listing; not listed: this_month", 0, 0] });
  });

  test("quotes failing part way: what was written stays, the rest is missing, the error is phase fetch", async () => {
    const r = await cycleWith(fakeProvider({ quotes: { error: new ProviderError("rate_limited", "429 from the quote endpoint"), quoted: ["NIFTY"] } }));
    expect(r.errors).toEqual([{ phase: "fetch", code: "rate_limited", message: "429 from the quote endpoint" }]);
    expect(r.status).toBe("PARTIAL");
    expect(r.legsRequested).toBe(12);
    expect(r.legsCollected).toBe(6);
    expect(byIndex(r)).toEqual({ NIFTY: ["OK", "", 6, 6], BANKNIFTY: ["EMPTY", "this_month: no quotes for any of 6 legs", 0, 6] });
    const bank = r.batch.start[1]!;
    expect(Number.isNaN(r.batch.last[bank]!)).toBe(true);
    expect(r.batch.last[0]).toBe(120);
  });

  test("a provider throwing something other than a ProviderError is a fatal error of its phase", async () => {
    const r = await cycleWith(fakeProvider({ quotes: { error: new TypeError("cannot read properties of undefined"), quoted: [] } }));
    expect(r.errors).toEqual([{ phase: "fetch", code: "fatal", message: "cannot read properties of undefined" }]);
    expect(r.status).toBe("EMPTY");
    expect(r.legsCollected).toBe(0);
  });

  test("through the running provider: each failed chunk is its own fetch error naming its legs; the other chunks are collected", async () => {
    const base = fakeProvider();
    const chunked: Provider = {
      ...base,
      capabilities: { legsPerRequest: 3 },
      async quotes(batch, at, range) {
        const r = range ?? { start: 0, end: batch.legs };
        if (r.start === 3 || r.start === 9) throw new ProviderError("bad_data", `no depth`);
        for (let i = r.start; i < r.end; i++) {
          batch.last[i] = batch.avg[i] = 120;
          batch.bid[i] = 119;
          batch.ask[i] = 121;
          batch.quoteTime[i] = at;
        }
        return { returned: r.end - r.start, requests: 1 };
      },
    };
    const r = await cycleWith(createRunningProvider(chunked, { callMs: 1000, retries: 2, retryBaseMs: 1 }));
    expect(r.errors).toEqual([
      { phase: "fetch", code: "bad_data", message: "legs 3–5 (NIFTY 2026-11-24): no depth" },
      { phase: "fetch", code: "bad_data", message: "legs 9–11 (BANKNIFTY 2026-11-24): no depth" },
    ]);
    expect(r.legsCollected).toBe(6);
    expect(Array.from(r.batch.last, (x) => !Number.isNaN(x))).toEqual([true, true, true, false, false, false, true, true, true, false, false, false]);
  });

  test("an auth failure is recorded once a cycle, though spot and every listing failed with it", async () => {
    const denied = new ProviderError("auth", "token expired");
    const r = await cycleWith(fakeProvider({ spot: denied, listing: { NIFTY: denied, BANKNIFTY: denied } }));
    expect(r.errors).toEqual([{ phase: "spot", code: "auth", message: "token expired" }]);
  });

  test("a fatal ProviderError ends the cycle (and the run) with one line naming provider and phase", async () => {
    const err = await cycleWith(fakeProvider({ spot: new ProviderError("fatal", "API version retired") })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toBe("provider fake: spot failed fatally: API version retired");
  });
});
