/**
 * Kite streaming on the fake Kite server, at the provider and ticker level: the decoder's frame
 * handling, connection limits and spreading, 403 and 429 upgrades, `error` text frames,
 * subscriptions following the ladder, a dropped and a muted connection recovered with no value
 * invented in between, and the REST fallback.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { type ChainBatch, createBatch } from "../../../src/chain/batch.ts";
import { ProviderError } from "../../../src/contracts/index.ts";
import type { IndexName } from "../../../src/market/indices.ts";
import { createKiteStreamProvider, type KiteStreamProvider, type KiteStreamSettings } from "../../../src/providers/kite/stream.ts";
import { createTicker, MAX_STREAM_TOKENS, type Ticker } from "../../../src/providers/kite/ticker.ts";
import { assignSlot, createDecodeCounts, createTickTable, decodeFrame } from "../../../src/providers/kite/ticker-decode.ts";
import { kiteOptions } from "../../fakes/kite/provider-options.ts";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";
import { packFrame, packQuote } from "../../fakes/kite/ticker.ts";

const fakes: FakeKite[] = [];
const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
  for (const f of fakes) await f.close();
});

/** The fake market's clock stands still (Thursday 10:30 IST): its prices move only with the spot. */
const AT = Date.parse("2026-11-26T05:00:00Z");

function fakeKite(): FakeKite {
  const f = startFakeKite({ market: { now: () => AT } });
  fakes.push(f);
  return f;
}

const waitFor = async (what: string, cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
};

type Logged = { info: string[]; warn: string[] };
const recorder = (): Logged & { log: { info(m: string): void; warn(m: string): void } } => {
  const out: Logged = { info: [], warn: [] };
  return { ...out, log: { info: (m) => out.info.push(m), warn: (m) => out.warn.push(m) } };
};

function ticker(fake: FakeKite, token: () => string | undefined, extra: Partial<Parameters<typeof createTicker>[0]> = {}): Ticker {
  const t = createTicker({
    url: fake.wsUrl,
    apiKey: fake.apiKey,
    accessToken: token,
    table: createTickTable(MAX_STREAM_TOKENS),
    now: Date.now,
    silenceMs: 5000,
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    ...extra,
  });
  closers.push(() => t.close());
  return t;
}

function provider(fake: FakeKite, token: () => string, stream: Partial<KiteStreamSettings> = {}, now: () => number = Date.now): KiteStreamProvider {
  const p = createKiteStreamProvider(
    kiteOptions(fake, token, { timeoutMs: 3000, indices: ["NIFTY", "SENSEX"], now }),
    { wsUrl: fake.wsUrl, marginStrikes: 2, silenceMs: 5000, backoffBaseMs: 50, backoffMaxMs: 200, connectTimeoutMs: 3000, fallbackToRest: false, ...stream },
  );
  closers.push(() => p.close());
  return p;
}

/** A batch of one NIFTY expiry: `each` strikes each side of the ATM of `spot` (step 50). */
function niftyBatch(fake: FakeKite, spot: number, each: number): ChainBatch {
  const expiry = fake.market.expiries("NIFTY")[0]!;
  const atm = Math.round(spot / 50) * 50;
  const strikes = Array.from({ length: 2 * each + 1 }, (_, i) => atm + (i - each) * 50);
  return createBatch([{ index: "NIFTY", tag: "this_week", expiry, spot, atm, T: 7 / 365, df: 1, strikes }]);
}

const tokenOf = (fake: FakeKite, index: IndexName, strike: number, isCall: boolean): number => {
  const expiry = fake.market.expiries(index)[0]!;
  const ex = index === "SENSEX" ? "BFO" : "NFO";
  return fake.market.rows(ex).find((r) => r.name === index && r.expiry === expiry && r.strike === strike && r.instrument_type === (isCall ? "CE" : "PE"))!.instrument_token;
};

describe("the decoder", () => {
  const frame = (p: Uint8Array[]) => packFrame(p);
  test("heartbeats, unknown tokens and lengths, cut frames and CDS/BCD divisors", () => {
    const t = createTickTable(8);
    const counts = createDecodeCounts();
    const cds = (1234 << 8) | 3;
    const bcd = (1235 << 8) | 6;
    assignSlot(t, cds);
    assignSlot(t, bcd);
    const ltp = (token: number, raw: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setUint32(0, token);
      new DataView(b.buffer).setUint32(4, raw);
      return b;
    };
    expect(decodeFrame(new Uint8Array([0]), t, 1, counts)).toBe(0);
    expect(counts.heartbeats).toBe(1);
    // 83.1234567 rupees on CDS (÷1e7), 83.1234 on BCD (÷1e4); a price above 2^31 read unsigned.
    expect(decodeFrame(frame([ltp(cds, 831234567), ltp(bcd, 831234), ltp(999, 1), new Uint8Array(10)]), t, 5, counts)).toBe(2);
    expect(t.last[t.slotOf.get(cds)!]).toBeCloseTo(83.1234567, 9);
    expect(t.last[t.slotOf.get(bcd)!]).toBeCloseTo(83.1234, 9);
    expect(counts.unknownToken).toBe(1);
    expect(counts.unknownLength).toBe(1);
    decodeFrame(frame([ltp(cds, 3_000_000_000)]), t, 6, counts);
    expect(t.last[t.slotOf.get(cds)!]).toBe(300);
    expect(t.arrived[t.slotOf.get(cds)!]).toBe(6);
    // A frame announcing 2 packets but carrying 1 and a half: the first stands, the cut is counted.
    const cut = frame([ltp(cds, 100), ltp(bcd, 200)]).slice(0, 2 + 10 + 5);
    decodeFrame(cut, t, 7, counts);
    expect(counts.malformed).toBe(1);
    expect(t.last[t.slotOf.get(cds)!]).toBe(1e-5);
    expect(t.ticks[t.slotOf.get(bcd)!]).toBe(1);
  });

  test("an index packet reads high before low and open after them", () => {
    const fake = fakeKite();
    const q = fake.market.quote("NSE:NIFTY 50")!;
    const t = createTickTable(2);
    assignSlot(t, q.instrument_token);
    decodeFrame(packFrame([packQuote(q, "full", 1_700_000_000_000)]), t, 1, createDecodeCounts());
    const s = t.slotOf.get(q.instrument_token)!;
    expect([t.last[s], t.high[s], t.low[s], t.open[s], t.close[s], t.exchangeTime[s]]).toEqual([q.last_price, q.ohlc.high, q.ohlc.low, q.ohlc.open, q.ohlc.close, 1_700_000_000_000]);
  });
});

describe("the ticker's connections", () => {
  test("4,000 tokens take 2 connections (3,000 + 1,000); 9,001 are refused naming the limit", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    const t = ticker(fake, () => token);
    const tokens = Array.from({ length: 4000 }, (_, i) => ((100_000 + i) << 8) | 2);
    t.setTokens(tokens);
    await t.start(5000);
    await waitFor("the fake to hold the subscriptions", () => fake.ticker.subscribed().length === 4000);
    expect(fake.ticker.perConnection().map((c) => c.length).sort((a, b) => a - b)).toEqual([1000, 3000]);
    expect(fake.ticker.counters.messages.mode).toBeGreaterThanOrEqual(4);
    const over = Array.from({ length: MAX_STREAM_TOKENS + 1 }, (_, i) => i + 1);
    let err: unknown;
    try {
      t.setTokens(over);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("config");
    expect((err as Error).message).toContain("at most 9000");
    // Unsubscribing follows a smaller set.
    t.setTokens(tokens.slice(0, 10));
    await waitFor("the unsubscriptions", () => fake.ticker.subscribed().length === 10);
  });

  test("an upgrade refused with 403 is an auth failure; a new access token reconnects", async () => {
    const fake = fakeKite();
    let token = "not-a-token";
    const log = recorder();
    const t = ticker(fake, () => token, { log: log.log });
    t.setTokens([fake.market.quote("NSE:NIFTY 50")!.instrument_token]);
    const err = await t.start(3000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("auth");
    expect(t.authFailure?.code).toBe("auth");
    expect(t.stats.refusedAuth).toBe(1);
    expect(fake.ticker.counters.refusedAuth).toBe(1);
    // No reconnection with the refused token.
    await Bun.sleep(300);
    expect(fake.ticker.counters.refusedAuth).toBe(1);
    t.retryAuth();
    expect(fake.ticker.counters.refusedAuth).toBe(1);
    token = fake.createSession();
    t.retryAuth();
    await waitFor("the reconnection", () => t.openConnections === 1);
    expect(t.authFailure).toBeNull();
    expect(log.warn.filter((m) => m.includes("403"))).toHaveLength(1);
  });

  test("a fourth connection of the key is refused with 429 (too many connections)", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    const held: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(`${fake.wsUrl}?api_key=${fake.apiKey}&access_token=${token}`);
      await new Promise((r) => (ws.onopen = r));
      held.push(ws);
    }
    closers.push(() => held.forEach((w) => w.close()));
    const t = ticker(fake, () => token);
    t.setTokens([fake.market.quote("NSE:NIFTY 50")!.instrument_token]);
    const err = await t.start(3000).catch((e: unknown) => e);
    expect((err as ProviderError).code).toBe("rate_limited");
    expect((err as Error).message).toContain("too many connections");
    expect(t.stats.refusedTooMany).toBeGreaterThanOrEqual(1);
    // Once one is free, the backoff's retry gets in.
    held.pop()!.close();
    await waitFor("the retry to connect", () => t.openConnections === 1);
  });

  test("error text frames are counted and logged once per new message; order and message frames handled", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    const log = recorder();
    const t = ticker(fake, () => token, { log: log.log });
    t.setTokens([fake.market.quote("NSE:NIFTY 50")!.instrument_token]);
    await t.start(3000);
    fake.ticker.sendText({ type: "error", data: "Invalid subscription" });
    fake.ticker.sendText({ type: "error", data: "Invalid subscription" });
    fake.ticker.sendText({ type: "error", data: "Another problem" });
    fake.ticker.sendText({ type: "order", data: { order_id: "1" } });
    fake.ticker.sendText({ type: "message", data: "Maintenance at 18:00" });
    await waitFor("the text frames", () => t.stats.errorFrames === 3 && t.stats.orderFrames === 1 && t.stats.messageFrames === 1);
    expect(log.warn.filter((m) => m.includes("Kite ticker error"))).toEqual(["kite ticker: Kite ticker error: Invalid subscription", "kite ticker: Kite ticker error: Another problem"]);
    expect(log.info).toContain("kite ticker: Maintenance at 18:00");
  });
});

describe("the stream provider on the fake", () => {
  test("subscriptions follow the ladder: the next ATM's strikes tick before they are collected, strikes that left are unsubscribed", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    const p = provider(fake, () => token, { marginStrikes: 3 });
    await p.open();
    const spot = (await p.spot(["NIFTY", "SENSEX"], Date.now())).map((q) => q.index);
    expect(spot).toEqual(["NIFTY", "SENSEX"]);
    const b1 = niftyBatch(fake, 24000, 5);
    const r1 = await p.quotes(b1, Date.now());
    expect(r1.returned).toBe(b1.legs);
    expect(r1.requests).toBe(1); // the seed of the legs that had not ticked yet
    const subscribed = () => new Set(fake.ticker.subscribed());
    await waitFor("the window", () => subscribed().has(tokenOf(fake, "NIFTY", 24000 + 8 * 50, true)));
    expect(subscribed().has(tokenOf(fake, "NIFTY", 24000 + 9 * 50, true))).toBe(false);
    expect(subscribed().has(tokenOf(fake, "NIFTY", 24000 - 8 * 50, false))).toBe(true);

    // The market moves 2 strikes up: the next ladder's top strikes already tick.
    fake.market.setSpot("NIFTY", 24100);
    const top = p.table.slotOf.get(tokenOf(fake, "NIFTY", 24100 + 5 * 50, true))!;
    await waitFor("the top strike's tick", () => p.table.ticks[top]! > 0);
    const quoteCalls = fake.counters.requests["GET /quote"]!;
    const b2 = niftyBatch(fake, 24100, 5);
    await waitFor("the new prices to tick", () => {
      const s = p.table.slotOf.get(tokenOf(fake, "NIFTY", 24100, true))!;
      return p.table.last[s] === (fake.market.quote(keyOf(fake, 24100, true)) as { last_price: number }).last_price;
    });
    const r2 = await p.quotes(b2, Date.now());
    expect(r2.returned).toBe(b2.legs);
    expect(r2.requests).toBe(0);
    expect(fake.counters.requests["GET /quote"]).toBe(quoteCalls);
    for (let leg = 0; leg < b2.legs; leg++) {
      const q = fake.market.quote(keyOf(fake, b2.strike[leg]!, b2.isCall[leg] === 1)) as { last_price: number; depth: { buy: { price: number }[] } };
      expect([b2.strike[leg], b2.last[leg]]).toEqual([b2.strike[leg], q.last_price]);
      expect(b2.bid[leg]).toBe(q.depth.buy[0]!.price);
    }
    await waitFor("the window to follow", () => subscribed().has(tokenOf(fake, "NIFTY", 24100 + 8 * 50, true)) && !subscribed().has(tokenOf(fake, "NIFTY", 24000 - 8 * 50, false)));
    const h = p.health(Date.now());
    expect(h.mode).toBe("stream");
    expect(h.connections).toBe(1);
    expect(h.subscribed).toBe(2 + 2 * (2 * 8 + 1));
    expect(h.indices).toHaveLength(1);
    expect(h.indices[0]!.neverTicked).toBe(0);
    expect(h.indices[0]!.oldestAgeMs).toBeGreaterThanOrEqual(h.indices[0]!.newestAgeMs);
  }, 30_000);

  test("a dropped and a muted connection: legs go missing, never invented, and are all back after the reconnection", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    // Kite's heartbeats come every second or so when nothing changes: the silence threshold is beyond them.
    fake.ticker.heartbeatMs = 200;
    const p = provider(fake, () => token, { silenceMs: 800 });
    await p.open();
    const batch = niftyBatch(fake, 24000, 5);
    expect((await p.quotes(batch, Date.now())).returned).toBe(batch.legs);
    const market = () => Array.from({ length: batch.legs }, (_, leg) => (fake.market.quote(keyOf(fake, batch.strike[leg]!, batch.isCall[leg] === 1)) as { last_price: number }).last_price);
    const before = market();
    const quoteCalls = fake.counters.requests["GET /quote"]!;
    let missingSeen = 0;
    /** Cycles every 50 ms until every leg is back: each value is the market's, or missing. */
    async function cyclesUntilWhole(): Promise<void> {
      const end = performance.now() + 10_000;
      for (;;) {
        const r = await p.quotes(batch, Date.now());
        for (let leg = 0; leg < batch.legs; leg++) {
          const x = batch.last[leg]!;
          if (Number.isNaN(x)) missingSeen++;
          else expect(x).toBe(before[leg]!);
        }
        if (r.returned === batch.legs && p.ticker.openConnections === 1 && missingSeen > 0) return;
        if (performance.now() > end) throw new Error(`legs still missing: ${batch.legs - r.returned}`);
        await Bun.sleep(50);
      }
    }
    fake.ticker.dropAfter(0);
    await waitFor("the drop", () => fake.ticker.counters.dropped === 1);
    await cyclesUntilWhole();
    expect(p.ticker.stats.reconnects).toBeGreaterThanOrEqual(1);

    missingSeen = 0;
    fake.ticker.muteAfter(0);
    await cyclesUntilWhole();
    expect(p.ticker.stats.stalls).toBe(1);
    expect(fake.ticker.counters.connections).toBe(3);
    // No cycle asked REST to fill the gap.
    expect(fake.counters.requests["GET /quote"]).toBe(quoteCalls);
    expect(market()).toEqual(before);
  }, 30_000);

  test("the token refused on a reconnection (the daily rollover): calls fail as auth until a new token, then the stream resumes", async () => {
    const fake = fakeKite();
    let token = fake.createSession();
    const p = provider(fake, () => token);
    await p.open();
    const batch = niftyBatch(fake, 24000, 3);
    expect((await p.quotes(batch, Date.now())).returned).toBe(batch.legs);
    fake.expireTokens();
    fake.ticker.dropAfter(0);
    await waitFor("the refused reconnection", () => p.ticker.authFailure !== null);
    const err = await p.quotes(batch, Date.now()).catch((e: unknown) => e);
    expect((err as ProviderError).code).toBe("auth");
    expect((err as Error).message).toContain("403");
    expect(await p.spot(["NIFTY"], Date.now()).catch((e: ProviderError) => e.code)).toBe("auth");
    // A new login: the next call reconnects with it, and the legs come back from ticks.
    token = fake.createSession();
    await p.quotes(batch, Date.now());
    await waitFor("the legs to tick again", () => p.health(Date.now()).indices[0]!.neverTicked === 0 && p.ticker.openConnections === 1);
    expect((await p.quotes(batch, Date.now())).returned).toBe(batch.legs);
  }, 30_000);

  test("a new dump day drops every subscription (tokens are reused) and subscribes the new day's, seeding them again", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    let now = Date.parse("2026-11-26T05:00:00Z");
    const p = provider(fake, () => token, {}, () => now);
    await p.open();
    const batch = niftyBatch(fake, 24000, 3);
    expect((await p.quotes(batch, now)).returned).toBe(batch.legs);
    await waitFor("the ticks", () => p.health(now).indices[0]!.neverTicked === 0);
    const unsubscribes = fake.ticker.counters.messages.unsubscribe ?? 0;
    // The next morning, after the dumps' refresh time: a new catalog.
    now = Date.parse("2026-11-27T05:00:00Z");
    const next = niftyBatch(fake, 24000, 3);
    const r = await p.quotes(next, now);
    expect(fake.ticker.counters.messages.unsubscribe).toBeGreaterThan(unsubscribes);
    // The old day's values were dropped with their slots: the new day's legs are seeded (asked before any tick could come), then tick.
    expect(r.requests).toBe(1);
    expect(r.returned).toBe(next.legs);
    await waitFor("the new day's ticks", () => p.health(now).indices[0]!.neverTicked === 0);
    await waitFor("the subscriptions", () => fake.ticker.subscribed().length === p.ticker.tokens);
  }, 30_000);

  test("streaming refused: open fails with its error, or falls back to REST polling visibly when configured", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    // A ticker URL where nothing accepts the upgrade.
    const refuse = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no", { status: 503 }) });
    closers.push(() => refuse.stop(true));
    const wsUrl = `ws://127.0.0.1:${refuse.port}/`;
    const strict = provider(fake, () => token, { wsUrl });
    const err = await strict.open().catch((e: unknown) => e);
    expect((err as ProviderError).code).toBe("transient");
    expect((err as Error).message).toContain("503");

    const log = recorder();
    const lenient = provider(fake, () => token, { wsUrl, fallbackToRest: true, log: log.log });
    await lenient.open();
    expect(log.warn.filter((m) => m.includes("polling REST instead"))).toHaveLength(1);
    const batch = niftyBatch(fake, 24000, 3);
    const r = await lenient.quotes(batch, Date.now());
    expect(r.returned).toBe(batch.legs);
    expect(r.requests).toBe(1);
    expect((await lenient.spot(["NIFTY"], Date.now()))[0]!.last).toBe(24000);
    const h = lenient.health(Date.now());
    expect(h.mode).toBe("rest_fallback");
    expect(h.reason).toContain("503");
    expect(fake.counters.rateLimited).toBe(0);
  }, 30_000);
});

describe("the REST fallback ends", () => {
  test("a ticker outage at open: REST polling until the ticker connects, then streaming again, in one line each way", async () => {
    const fake = fakeKite();
    const token = fake.createSession();
    fake.ticker.unavailable = true;
    const log = recorder();
    const p = provider(fake, () => token, { fallbackToRest: true, log: log.log });
    await p.open();
    expect(log.warn.filter((m) => m.includes("polling REST instead"))).toHaveLength(1);
    const batch = niftyBatch(fake, 24000, 3);
    const polled = await p.quotes(batch, Date.now());
    expect(polled.requests).toBe(1);
    expect(polled.returned).toBe(batch.legs);
    expect(p.health(Date.now()).mode).toBe("rest_fallback");
    const polledQuotes = fake.counters.requests["GET /quote"] ?? 0;

    // The outage ends: the ticker, still retrying with its backoff, connects; the next call streams.
    fake.ticker.unavailable = false;
    await waitFor("the ticker to connect", () => p.ticker.openConnections === 1);
    const again = niftyBatch(fake, 24000, 3);
    const r = await p.quotes(again, Date.now());
    expect(p.health(Date.now()).mode).toBe("stream");
    expect(log.info.filter((m) => m.includes("streaming resumed"))).toHaveLength(1);
    // Legs that had not ticked yet were seeded once, as at a start, and then tick.
    expect(r.requests).toBeLessThanOrEqual(1);
    expect(r.returned).toBe(again.legs);
    await waitFor("the ticks", () => p.health(Date.now()).indices[0]!.neverTicked === 0);
    const seeded = fake.counters.requests["GET /quote"] ?? 0;
    expect(seeded - polledQuotes).toBeLessThanOrEqual(1);
    // From then on a cycle asks Kite nothing.
    const later = niftyBatch(fake, 24000, 3);
    expect((await p.quotes(later, Date.now())).returned).toBe(later.legs);
    expect(await p.spot(["NIFTY"], Date.now())).toHaveLength(1);
    expect(fake.counters.requests["GET /quote"] ?? 0).toBe(seeded);
    expect(fake.ticker.subscribed().length).toBe(p.ticker.tokens);
    expect(fake.counters.rateLimited).toBe(0);
  }, 30_000);
});

function keyOf(fake: FakeKite, strike: number, isCall: boolean): string {
  const expiry = fake.market.expiries("NIFTY")[0]!;
  const r = fake.market.rows("NFO").find((x) => x.name === "NIFTY" && x.expiry === expiry && x.strike === strike && x.instrument_type === (isCall ? "CE" : "PE"))!;
  return `NFO:${r.tradingsymbol}`;
}
