/**
 * Kite Connect /quote parsing: what one 500-key full-quote response costs the main thread
 * (JSON.parse of the body, then mapping every quote into a ChainBatch). The body is shaped like
 * Kite's (compact JSON, every field of a full quote, five depth levels a side) with varied
 * numbers, so its size and parse cost are those of a real response.
 */
import { createBatch, type ChainBatch } from "../../src/chain/batch.ts";
import { createQuoteExtras, parseQuoteBody, writeQuotes } from "../../src/providers/kite/quote.ts";
import { timeIt } from "../stats.ts";

export type KiteQuoteFigures = { bytes: number; us: number; parseUs: number; mbPerSecond: number };

const round2 = (x: number) => Math.round(x * 100) / 100;
const tick = (x: number) => Math.max(0.05, Math.round(x * 20) / 20);

/** A realistic /quote body for `n` legs (n/2 strikes of NIFTY, CE and PE), and the keys in batch leg order. */
export function kiteQuoteResponse(n: number): { body: string; keys: string[]; batch: ChainBatch } {
  const strikes = Float64Array.from({ length: n / 2 }, (_, k) => 24000 - 25 * (n / 2) + 50 * k);
  const batch = createBatch([{ index: "NIFTY", tag: "this_week", expiry: "2026-12-01", spot: 24010, atm: 24000, T: 5 / 365, df: 1, strikes }]);
  const keys: string[] = [];
  const data: Record<string, unknown> = {};
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let leg = 0; leg < batch.legs; leg++) {
    const K = batch.strike[leg]!;
    const call = batch.isCall[leg] === 1;
    const key = `NFO:NIFTY25D01${K}${call ? "CE" : "PE"}`;
    keys.push(key);
    const intrinsic = Math.max(0, call ? 24010 - K : K - 24010);
    const last = tick(intrinsic + 80 * Math.exp(-Math.abs(24010 - K) / 600) + rnd());
    const level = (side: number, i: number) => ({ price: tick(last + side * 0.05 * (i + 1)), quantity: 65 * Math.floor(1 + rnd() * 200), orders: Math.floor(1 + rnd() * 30) });
    data[key] = {
      instrument_token: 10_000_000 + leg * 7,
      timestamp: "2026-11-26 10:15:31",
      last_trade_time: "2026-11-26 10:15:29",
      last_price: last,
      last_quantity: 65,
      buy_quantity: Math.floor(rnd() * 2e6),
      sell_quantity: Math.floor(rnd() * 2e6),
      volume: Math.floor(rnd() * 5e7),
      average_price: round2(last * (0.95 + 0.1 * rnd())),
      oi: Math.floor(rnd() * 1e7),
      oi_day_high: Math.floor(rnd() * 1.1e7),
      oi_day_low: Math.floor(rnd() * 9e6),
      net_change: 0,
      lower_circuit_limit: 0.05,
      upper_circuit_limit: round2(last * 3),
      ohlc: { open: round2(last * 1.02), high: round2(last * 1.2), low: round2(last * 0.8), close: round2(last * 1.05) },
      depth: { buy: [0, 1, 2, 3, 4].map((i) => level(-1, i)), sell: [0, 1, 2, 3, 4].map((i) => level(1, i)) },
    };
  }
  return { body: JSON.stringify({ status: "success", data }), keys, batch };
}

/** Mean µs to parse one 500-key response and map it into a batch, its size and throughput. */
export function benchKiteQuote(ms: number): KiteQuoteFigures {
  const { body, keys, batch } = kiteQuoteResponse(500);
  const extras = createQuoteExtras(batch.legs);
  const us = timeIt(() => {
    const r = writeQuotes(batch, parseQuoteBody(body), keys, undefined, extras);
    if (r.returned !== 500) throw new Error(`kite quote bench: ${r.returned} of 500 legs returned`);
  }, ms);
  const parseUs = timeIt(() => void parseQuoteBody(body), ms);
  const bytes = Buffer.byteLength(body);
  return { bytes, us, parseUs, mbPerSecond: bytes / us };
}
