/**
 * The official `kiteconnect` KiteTicker (reconnect off) against the fake Kite ticker: the fake's
 * frames decode, in the official client, to the market's values, and G6's decoder reads the
 * same frames to the same values; except a volume above 2^31, which the official client reads
 * signed (negative) and G6 reads right.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KiteTicker } from "kiteconnect";
import { assignSlot, createDecodeCounts, createTickTable, decodeFrame, DEPTH_LEVELS } from "../../../src/providers/kite/ticker-decode.ts";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";

const NOW = Date.parse("2026-11-26T05:00:00Z"); // Thursday 10:30 IST

type OfficialTick = {
  instrument_token: number;
  last_price: number;
  volume_traded?: number;
  average_traded_price?: number;
  last_traded_quantity?: number;
  total_buy_quantity?: number;
  total_sell_quantity?: number;
  oi?: number;
  oi_day_high?: number;
  oi_day_low?: number;
  ohlc?: { open: number; high: number; low: number; close: number };
  exchange_timestamp?: Date | null;
  last_trade_time?: Date | null;
  depth?: { buy: { quantity: number; price: number; orders: number }[]; sell: { quantity: number; price: number; orders: number }[] };
};

describe("KiteTicker (official) and G6's decoder on the fake ticker", () => {
  let fake: FakeKite;
  beforeAll(() => {
    fake = startFakeKite({ market: { now: () => NOW } });
  });
  afterAll(() => fake.close());

  test("the same frames decode to the same values; a volume above 2^31 is read unsigned by G6 only", async () => {
    const token = fake.createSession();
    const nifty = fake.market.rows("NSE").find((r) => r.tradingsymbol === "NIFTY 50")!;
    const sensex = fake.market.rows("BSE").find((r) => r.tradingsymbol === "SENSEX")!;
    const expiry = fake.market.expiries("NIFTY")[0]!;
    const options = fake.market.rows("NFO").filter((r) => r.name === "NIFTY" && r.expiry === expiry && Math.abs(r.strike - 24000) <= 100);
    const bfo = fake.market.rows("BFO").filter((r) => r.name === "SENSEX" && Math.abs(r.strike - 80000) <= 100).slice(0, 2);
    const big = options[0]!;
    fake.ticker.volumeOverride.set(`NFO:${big.tradingsymbol}`, 3_000_000_000);
    const tokens = [nifty.instrument_token, sensex.instrument_token, ...options.map((r) => r.instrument_token), ...bfo.map((r) => r.instrument_token)];

    const frames: ArrayBuffer[] = [];
    const ticks: OfficialTick[] = [];
    // `root` is read by the client though its type leaves it out.
    const params = { api_key: fake.apiKey, access_token: token, root: fake.wsUrl, reconnect: false };
    const ticker = new KiteTicker(params);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${ticks.length} ticks of ${tokens.length} tokens within 5 s`)), 5000);
      ticker.on("connect", () => {
        ticker.subscribe(tokens);
        ticker.setMode(ticker.modeFull, tokens);
      });
      ticker.on("message", (data: ArrayBuffer) => {
        if (data.byteLength > 2) frames.push(data.slice(0));
      });
      ticker.on("ticks", (t: OfficialTick[]) => {
        ticks.push(...t);
        const full = new Set(ticks.filter((x) => x.exchange_timestamp !== undefined).map((x) => x.instrument_token));
        if (tokens.every((k) => full.has(k))) {
          clearTimeout(timer);
          resolve();
        }
      });
      ticker.connect();
    });
    ticker.disconnect();

    const table = createTickTable(64);
    for (const t of tokens) assignSlot(table, t);
    const counts = createDecodeCounts();
    for (const f of frames) decodeFrame(new Uint8Array(f), table, 1, counts);
    expect(counts.unknownLength).toBe(0);
    expect(counts.malformed).toBe(0);

    // The last full tick of each token, as the official client read it.
    const lastFull = new Map<number, OfficialTick>();
    for (const t of ticks) if (t.exchange_timestamp !== undefined) lastFull.set(t.instrument_token, t);
    for (const tok of tokens) {
      const o = lastFull.get(tok)!;
      const s = table.slotOf.get(tok)!;
      expect([tok, table.last[s]]).toEqual([tok, o.last_price]);
      expect(table.open[s]).toBe(o.ohlc!.open);
      expect(table.high[s]).toBe(o.ohlc!.high);
      expect(table.low[s]).toBe(o.ohlc!.low);
      expect(table.close[s]).toBe(o.ohlc!.close);
      expect(table.exchangeTime[s]).toBe(o.exchange_timestamp!.getTime());
      if (o.depth === undefined) continue; // an index
      if (tok === big.instrument_token) {
        expect(o.volume_traded!).toBeLessThan(0);
        expect(table.volume[s]).toBe(3_000_000_000);
      } else {
        expect(table.volume[s]).toBe(o.volume_traded!);
      }
      expect(table.avg[s]).toBe(o.average_traded_price!);
      expect(table.lastQty[s]).toBe(o.last_traded_quantity!);
      expect(table.buyQty[s]).toBe(o.total_buy_quantity!);
      expect(table.sellQty[s]).toBe(o.total_sell_quantity!);
      expect(table.oi[s]).toBe(o.oi!);
      expect(table.oiDayHigh[s]).toBe(o.oi_day_high!);
      expect(table.oiDayLow[s]).toBe(o.oi_day_low!);
      expect(table.lastTradeTime[s]).toBe(o.last_trade_time!.getTime());
      const levels = [...o.depth.buy, ...o.depth.sell];
      for (let i = 0; i < 2 * DEPTH_LEVELS; i++) {
        const d = s * 2 * DEPTH_LEVELS + i;
        expect([table.depthQty[d], table.depthPrice[d], table.depthOrders[d]]).toEqual([levels[i]!.quantity, levels[i]!.price, levels[i]!.orders]);
      }
    }
    // And the values are the market's (the /quote of the same instruments).
    const q = fake.market.quote(`NFO:${options[1]!.tradingsymbol}`) as { last_price: number; oi: number; depth: { buy: { price: number }[] } };
    const s1 = table.slotOf.get(options[1]!.instrument_token)!;
    expect(table.last[s1]).toBe(q.last_price);
    expect(table.oi[s1]).toBe(q.oi);
    expect(table.depthPrice[s1 * 2 * DEPTH_LEVELS]).toBe(q.depth.buy[0]!.price);
    expect(table.last[table.slotOf.get(nifty.instrument_token)!]).toBe(fake.market.spot("NIFTY"));
  });
});
