/**
 * Kite /quote responses: every field's mapping into a ChainBatch, what counts as missing (absent
 * key, zero price with no trade, empty depth) and as bad, naive IST timestamps independent of
 * the process time zone, error bodies and malformed JSON, and index (spot) quotes.
 */
import { describe, expect, test } from "bun:test";
import { providerErrorOf } from "../../helpers/errors.ts";
import { join } from "node:path";
import { createBatch, type ChainBatch } from "../../../src/chain/batch.ts";
import { istEpoch } from "../../../src/market/ist.ts";
import {
  createQuoteExtras,
  isBadTimestamp,

  parseIstTimestamp,
  parseQuoteBody,
  spotQuotes,
  writeQuotes,
  type KiteQuote,
} from "../../../src/providers/kite/quote.ts";
import { errorCodeOf } from "../../../src/providers/kite/protocol.ts";
import { kiteQuoteResponse } from "../../../bench/kernels/kite.bench.ts";

const level = (price: number, quantity = 65, orders = 1) => ({ price, quantity, orders });

/** A full option quote as Kite sends it, with overrides. */
function fullQuote(over: Partial<KiteQuote> = {}): KiteQuote {
  return {
    instrument_token: 11107,
    timestamp: "2026-11-26 10:15:31",
    last_trade_time: "2026-11-26 10:15:29",
    last_price: 123.45,
    last_quantity: 65,
    buy_quantity: 19500,
    sell_quantity: 26000,
    volume: 1_234_500,
    average_price: 120.1,
    oi: 4_567_800,
    oi_day_high: 4_600_000,
    oi_day_low: 4_400_000,
    net_change: 999, // unreliable: never read
    ohlc: { open: 110, high: 130.5, low: 101.25, close: 115.2 },
    depth: {
      buy: [level(123.4), level(123.35), level(123.3), level(123.25), level(123.2)],
      sell: [level(123.5), level(123.55), level(123.6), level(123.65), level(123.7)],
    },
    ...over,
  };
}

const body = (data: Record<string, unknown>) => JSON.stringify({ status: "success", data });

/** A batch of `strikes` strikes (2 legs each) and keys K<strike>CE / K<strike>PE per leg. */
function batchWithKeys(strikes: number[]): { batch: ChainBatch; keys: string[] } {
  const batch = createBatch([{ index: "NIFTY", tag: "this_week", expiry: "2026-12-01", spot: 24010, atm: 24000, T: 5 / 365, df: 1, strikes }]);
  const keys = Array.from({ length: batch.legs }, (_, leg) => `NFO:NIFTY26D01${batch.strike[leg]}${batch.isCall[leg] ? "CE" : "PE"}`);
  return { batch, keys };
}

const legValues = (b: ChainBatch, leg: number) => ({
  last: b.last[leg],
  avg: b.avg[leg],
  bid: b.bid[leg],
  ask: b.ask[leg],
  volume: b.volume[leg],
  oi: b.oi[leg],
  netChange: b.netChange[leg],
  quoteTime: b.quoteTime[leg],
});


describe("writeQuotes", () => {
  test("maps every field of a full quote; net change from the previous close, not net_change", () => {
    const { batch, keys } = batchWithKeys([24000]);
    const extras = createQuoteExtras(batch.legs);
    const data = parseQuoteBody(body({ [keys[0]!]: fullQuote() }));
    const r = writeQuotes(batch, data, keys, { start: 0, end: 1 }, extras);
    expect(r).toEqual({ requested: 1, returned: 1, absent: 0, unkeyed: 0, noTrade: 0, badValues: 0 });
    expect(legValues(batch, 0)).toEqual({
      last: 123.45,
      avg: 120.1,
      bid: 123.4,
      ask: 123.5,
      volume: 1_234_500,
      oi: 4_567_800,
      netChange: 123.45 - 115.2,
      quoteTime: istEpoch("2026-11-26", "10:15:31"),
    });
    expect(batch.quoteTime[0]).toBe(Date.UTC(2026, 10, 26, 4, 45, 31));
    expect([extras.oiDayHigh[0], extras.oiDayLow[0], extras.prevClose[0], extras.lastTradeTime[0]]).toEqual([
      4_600_000,
      4_400_000,
      115.2,
      istEpoch("2026-11-26", "10:15:29"),
    ]);
    // The put leg was outside the range: untouched.
    expect(batch.last[1]).toBeNaN();
  });

  test("a key absent from data leaves its leg NaN and is counted; legs outside the range are untouched", () => {
    const { batch, keys } = batchWithKeys([24000, 24050]);
    batch.last.fill(7);
    batch.oi.fill(7);
    const data = parseQuoteBody(body({ [keys[1]!]: fullQuote() }));
    const r = writeQuotes(batch, data, keys, { start: 0, end: 3 });
    expect(r).toMatchObject({ requested: 3, returned: 1, absent: 2 });
    expect([batch.last[0], batch.oi[0], batch.last[2], batch.quoteTime[2]]).toEqual([NaN, NaN, NaN, NaN]);
    expect(batch.last[1]).toBe(123.45);
    expect([batch.last[3], batch.oi[3]]).toEqual([7, 7]);
    // A leg with no key at all is counted apart.
    const sparse = [keys[0], undefined, keys[2], keys[3]];
    expect(writeQuotes(batch, data, sparse)).toMatchObject({ returned: 0, absent: 3, unkeyed: 1 });
  });

  test("a zero last price with no trade is missing and counted; with a trade it is a bad value", () => {
    const { batch, keys } = batchWithKeys([24000, 24050]);
    const noTrade = { last_price: 0, volume: 0, average_price: 0, last_trade_time: null, net_change: 0, ohlc: { open: 0, high: 0, low: 0, close: 0 }, depth: { buy: [level(0, 0, 0)], sell: [level(0, 0, 0)] } };
    const data = parseQuoteBody(
      body({
        [keys[0]!]: fullQuote(noTrade),
        [keys[1]!]: fullQuote({ last_price: 0, volume: 0 }), // trade time but no volume
        [keys[2]!]: fullQuote({ last_price: 0, last_trade_time: "" }), // volume but no trade time
        [keys[3]!]: fullQuote({ last_price: 0 }), // volume and trade time: 0 is not a price
      }),
    );
    const r = writeQuotes(batch, data, keys);
    expect(r).toMatchObject({ returned: 4, noTrade: 3, badValues: 1 });
    expect(legValues(batch, 0)).toEqual({ last: NaN, avg: NaN, bid: NaN, ask: NaN, volume: 0, oi: 4_567_800, netChange: NaN, quoteTime: istEpoch("2026-11-26", "10:15:31") });
    for (const leg of [1, 2, 3]) expect([batch.last[leg], batch.netChange[leg]]).toEqual([NaN, NaN]);
  });

  test("empty or absent depth levels and a zero previous close are missing, not counted", () => {
    const { batch, keys } = batchWithKeys([24000, 24050]);
    const data = parseQuoteBody(
      body({
        [keys[0]!]: fullQuote({ depth: { buy: [], sell: [] } }),
        [keys[1]!]: fullQuote({ depth: { buy: [level(0, 0, 0)], sell: [level(12.5)] } }),
        [keys[2]!]: fullQuote({ depth: undefined, ohlc: { open: 0, high: 0, low: 0, close: 0 } }),
        [keys[3]!]: fullQuote({ ohlc: undefined, timestamp: null }),
      }),
    );
    const extras = createQuoteExtras(batch.legs);
    expect(writeQuotes(batch, data, keys, undefined, extras)).toMatchObject({ returned: 4, noTrade: 0, badValues: 0 });
    expect([batch.bid[0], batch.ask[0]]).toEqual([NaN, NaN]);
    expect([batch.bid[1], batch.ask[1]]).toEqual([NaN, 12.5]);
    expect([batch.bid[2], batch.ask[2], batch.netChange[2], extras.prevClose[2]]).toEqual([NaN, NaN, NaN, NaN]);
    expect([batch.netChange[3], batch.quoteTime[3], batch.last[3]]).toEqual([NaN, NaN, 123.45]);
  });

  test("negative, non-finite and non-numeric values become NaN and are counted", () => {
    const { batch, keys } = batchWithKeys([24000]);
    const text = body({
      [keys[0]!]: fullQuote({ oi: -5, average_price: "120" as unknown as number, timestamp: "26-11-2026 10:15:31" }),
      [keys[1]!]: { last_price: 10, volume: "VOLUME", oi: 3 },
    }).replace('"volume":1234500', '"volume":1e999');
    const extras = createQuoteExtras(batch.legs);
    const r = writeQuotes(batch, parseQuoteBody(text), keys, undefined, extras);
    expect(r.badValues).toBe(5);
    expect([batch.oi[0], batch.avg[0], batch.volume[0], batch.quoteTime[0], batch.last[0]]).toEqual([NaN, NaN, NaN, NaN, 123.45]);
    expect([batch.last[1], batch.volume[1], batch.oi[1]]).toEqual([10, NaN, 3]);
  });

  test("a realistic 500-key response fills all 500 legs", () => {
    const { body: text, keys, batch } = kiteQuoteResponse(500);
    expect(text.length).toBeGreaterThan(400_000);
    const r = writeQuotes(batch, parseQuoteBody(text), keys);
    expect(r).toEqual({ requested: 500, returned: 500, absent: 0, unkeyed: 0, noTrade: 0, badValues: 0 });
    for (const f of ["last", "avg", "bid", "ask", "volume", "oi", "netChange", "quoteTime"] as const) {
      expect(batch[f].every((x) => Number.isFinite(x))).toBe(true);
    }
  });
});

describe("IST timestamps", () => {
  test("naive IST strings convert to epoch ms; empty, null and malformed ones are NaN", () => {
    expect(parseIstTimestamp("2026-11-26 09:15:00")).toBe(Date.UTC(2026, 10, 26, 3, 45, 0));
    expect(parseIstTimestamp("2024-02-29 00:00:00")).toBe(Date.UTC(2024, 1, 28, 18, 30, 0));
    expect(parseIstTimestamp("2000-03-01 05:30:00")).toBe(Date.UTC(2000, 2, 1));
    for (const bad of ["2023-02-29 10:00:00", "2026-11-26T09:15:00", "2026-11-26 24:00:00", "2026-11-26 9:15:00", "2026-13-01 10:00:00", "abcd-11-26 09:15:00"]) {
      expect(parseIstTimestamp(bad)).toBeNaN();
      expect(isBadTimestamp(bad)).toBe(true);
    }
    for (const none of [null, undefined, ""]) {
      expect(parseIstTimestamp(none)).toBeNaN();
      expect(isBadTimestamp(none)).toBe(false);
    }
  });

  test("the conversion does not depend on the process time zone", () => {
    const quoteModule = join(import.meta.dir, "../../../src/providers/kite/quote.ts");
    const script = `
      const { parseIstTimestamp } = await import(${JSON.stringify(quoteModule)});
      console.log(JSON.stringify([new Date(2026, 0, 1).getTimezoneOffset(), parseIstTimestamp("2026-07-01 15:30:00"), parseIstTimestamp("2026-11-26 09:15:00")]));
    `;
    const proc = Bun.spawnSync([process.execPath, "-e", script], { env: { ...process.env, TZ: "America/New_York" } });
    expect(proc.stderr.toString()).toBe("");
    const [offset, summer, winter] = JSON.parse(proc.stdout.toString()) as number[];
    expect(offset).toBe(300); // the child really ran in New York time
    expect(summer).toBe(Date.UTC(2026, 6, 1, 10, 0, 0));
    expect(winter).toBe(Date.UTC(2026, 10, 26, 3, 45, 0));
  });
});

describe("parseQuoteBody errors", () => {
  test("an error body throws with Kite's error type and message, coded by type", () => {
    const token = providerErrorOf(() => parseQuoteBody('{"status":"error","message":"Incorrect `api_key` or `access_token`.","error_type":"TokenException"}', "quote NFO (500 keys)"));
    expect(token.code).toBe("auth");
    expect(token.message).toBe("quote NFO (500 keys): Kite TokenException: Incorrect `api_key` or `access_token`.");
    expect(providerErrorOf(() => parseQuoteBody('{"status":"error","message":"Something went wrong","error_type":"GeneralException"}')).code).toBe("transient");
    expect(providerErrorOf(() => parseQuoteBody('{"status":"error","message":"Too many requests"}', "quote", 429)).code).toBe("rate_limited");
    expect(providerErrorOf(() => parseQuoteBody('{"status":"error","message":"Insufficient permission","error_type":"PermissionException"}')).code).toBe("config");
    expect(providerErrorOf(() => parseQuoteBody('{"status":"error","message":"Too many instruments","error_type":"InputException"}')).code).toBe("bad_data");
    expect(errorCodeOf(502, "NetworkException")).toBe("transient");
    expect(errorCodeOf(502, "DataException")).toBe("transient");
  });

  test("malformed JSON is transient and names the source and the body's start", () => {
    const html = providerErrorOf(() => parseQuoteBody("<html><body>502 Bad Gateway</body></html>", "quote NFO"));
    expect(html.code).toBe("transient");
    expect(html.message).toStartWith("quote NFO: response is not JSON (");
    expect(html.message).toContain('41 bytes, starts "<html><body>502 Bad Gateway</body></html>"');
    const cut = body({ "NFO:X": fullQuote() }).slice(0, 100);
    expect(providerErrorOf(() => parseQuoteBody(cut)).code).toBe("transient");
  });

  test("a success body without a data object is bad data", () => {
    expect(providerErrorOf(() => parseQuoteBody('{"status":"success"}')).code).toBe("bad_data");
    expect(providerErrorOf(() => parseQuoteBody('{"status":"success","data":[]}')).message).toBe("quote: success response without a data object");
    expect(providerErrorOf(() => parseQuoteBody('{"data":{}}')).message).toBe('quote: response status is undefined, not "success"');
    expect(providerErrorOf(() => parseQuoteBody("42")).code).toBe("bad_data");
  });
});

describe("spotQuotes", () => {
  test("index quotes become SpotQuotes; an absent index is left out", () => {
    const text = body({
      "NSE:NIFTY 50": { instrument_token: 256265, timestamp: "2026-11-26 10:15:31", last_trade_time: null, last_price: 24012.35, net_change: 0, ohlc: { open: 23990.1, high: 24050.75, low: 23950.2, close: 23980.45 } },
      "BSE:SENSEX": { instrument_token: 265, timestamp: "2026-11-26 10:15:30", last_price: 80100.5, ohlc: { open: 0, high: 80200, low: 79900, close: 79950 } },
    });
    const r = spotQuotes(
      parseQuoteBody(text),
      new Map([
        ["NIFTY", "NSE:NIFTY 50"],
        ["BANKNIFTY", "NSE:NIFTY BANK"],
        ["SENSEX", "BSE:SENSEX"],
      ]),
    );
    expect(r.absent).toEqual(["BANKNIFTY"]);
    expect(r.badValues).toBe(0);
    expect(r.quotes).toEqual([
      { index: "NIFTY", last: 24012.35, open: 23990.1, high: 24050.75, low: 23950.2, prevClose: 23980.45, time: Date.UTC(2026, 10, 26, 4, 45, 31) },
      { index: "SENSEX", last: 80100.5, open: NaN, high: 80200, low: 79900, prevClose: 79950, time: Date.UTC(2026, 10, 26, 4, 45, 30) },
    ]);
  });

  test("bad values and timestamps in an index quote are NaN and counted", () => {
    const r = spotQuotes(parseQuoteBody(body({ "NSE:NIFTY 50": { last_price: -1, timestamp: "yesterday", ohlc: { high: "x" } } })), [["NIFTY", "NSE:NIFTY 50"]]);
    expect(r.badValues).toBe(3);
    expect(r.quotes).toEqual([{ index: "NIFTY", last: NaN, open: NaN, high: NaN, low: NaN, prevClose: NaN, time: NaN }]);
  });
});
