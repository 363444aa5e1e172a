/**
 * Kite Connect `/quote` responses: parsing the body and mapping the full quotes into a
 * ChainBatch (options) or `SpotQuote`s (indices). Pure functions, no network; this runs on the
 * main thread every cycle, once per 500-key response.
 *
 * Decisions:
 * - The body is parsed with `JSON.parse` (the engine's own parser; nothing in JS is faster for
 *   a ~0.5 MB document). Malformed JSON is a `transient` ProviderError: Kite answers with JSON
 *   or not at all, so a body that does not parse is a cut connection or a gateway's HTML error
 *   page, which the next request normally fixes. A well-formed `{"status":"error"}` body is
 *   classified by its `error_type` (`errorCodeOf` of protocol.ts); a success body without a `data` object is
 *   `bad_data`.
 * - Field mapping (see `writeQuotes`): last ← last_price, avg ← average_price, volume, oi,
 *   bid/ask ← depth.buy[0].price / depth.sell[0].price, netChange ← last − ohlc.close (Kite's
 *   `net_change` is unreliable and never read; ohlc.close is the previous session's close),
 *   quoteTime ← `timestamp`. `timestamp` is the time of the quote (when the exchange last updated
 *   the instrument's book); `last_trade_time` is when it last traded, which for an illiquid
 *   strike can be hours older than a fresh bid/ask, so it is not the quote's time (it is
 *   returned in the extras).
 * - Missing stays missing: a key absent from `data` leaves its leg NaN (counted `absent`); a zero
 *   last price with no trade (volume 0 or no last_trade_time) is NaN (counted `noTrade`); a zero
 *   average or depth price, or an empty depth level, is NaN (uncounted: nothing traded or no
 *   order at that level); a negative, non-finite or non-numeric value is NaN (counted
 *   `badValues`), and so is a zero last price of a contract that did trade.
 * - Per-leg OI day high/low, previous close and last trade time have no batch column (adding
 *   one would change G6's CSV output); they are written into an optional `QuoteExtras`.
 * - Kite's timestamps are naive IST strings "YYYY-MM-DD HH:MM:SS"; they are converted with
 *   integer arithmetic, never with Date's local-time methods, so the process time zone does not
 *   matter.
 */
import type { ChainBatch } from "../../chain/batch.ts";
import { ProviderError } from "../../contracts/errors.ts";
import type { LegRange, SpotQuote } from "../../contracts/provider.ts";
import { errorCodeOf, parseIstTimestamp } from "./protocol.ts";

export { parseIstTimestamp } from "./protocol.ts";

/** One depth level of a full quote. */
export type KiteDepthLevel = { price?: number; quantity?: number; orders?: number };

/** A full quote as Kite sends it (every field may be absent). */
export type KiteQuote = {
  instrument_token?: number;
  last_price?: number;
  last_quantity?: number;
  average_price?: number;
  volume?: number;
  buy_quantity?: number;
  sell_quantity?: number;
  oi?: number;
  oi_day_high?: number;
  oi_day_low?: number;
  net_change?: number;
  ohlc?: { open?: number; high?: number; low?: number; close?: number };
  depth?: { buy?: KiteDepthLevel[]; sell?: KiteDepthLevel[] };
  timestamp?: string | null;
  last_trade_time?: string | null;
};

/** The `data` object of a /quote response: quote by key ("NFO:NIFTY25DEC24000CE"). */
export type QuoteData = Record<string, KiteQuote>;

/**
 * Parses a /quote (or /quote/ohlc, /quote/ltp) response body and returns its `data`. `source`
 * names the request in error messages (e.g. "quote NFO, 500 keys"). Throws a ProviderError:
 * `transient` for a body that is not JSON, the code of `error_type` for an error body,
 * `bad_data` for a success body without a data object.
 */
export function parseQuoteBody(text: string, source = "quote", httpStatus?: number): QuoteData {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    const head = text.slice(0, 80).replace(/\s+/g, " ");
    throw new ProviderError("transient", `${source}: response is not JSON (${(err as Error).message}; ${text.length} bytes, starts "${head}")`);
  }
  if (body === null || typeof body !== "object") throw new ProviderError("bad_data", `${source}: response is not a JSON object`);
  const b = body as { status?: unknown; data?: unknown; message?: unknown; error_type?: unknown };
  if (b.status === "error") {
    const type = typeof b.error_type === "string" ? b.error_type : undefined;
    const message = typeof b.message === "string" ? b.message : "no message";
    throw new ProviderError(errorCodeOf(httpStatus, type), `${source}: Kite ${type ?? "error"}: ${message}`);
  }
  if (b.status !== "success") throw new ProviderError("bad_data", `${source}: response status is ${JSON.stringify(b.status)}, not "success"`);
  if (b.data === null || typeof b.data !== "object" || Array.isArray(b.data)) {
    throw new ProviderError("bad_data", `${source}: success response without a data object`);
  }
  return b.data as QuoteData;
}

/** True when `v` is present (not null, undefined or "") but not a timestamp G6 can read. */
export function isBadTimestamp(v: unknown): boolean {
  return v !== null && v !== undefined && v !== "" && Number.isNaN(parseIstTimestamp(v as string));
}

/** Per-leg values with no batch column, indexed like the batch's legs (NaN: not given). */
export type QuoteExtras = {
  oiDayHigh: Float64Array;
  oiDayLow: Float64Array;
  /** ohlc.close: the previous session's close, points. */
  prevClose: Float64Array;
  /** Epoch ms of the last trade. */
  lastTradeTime: Float64Array;
};

/** Extras for a batch of `legs` legs, all NaN. */
export function createQuoteExtras(legs: number): QuoteExtras {
  const nan = () => new Float64Array(legs).fill(Number.NaN);
  return { oiDayHigh: nan(), oiDayLow: nan(), prevClose: nan(), lastTradeTime: nan() };
}

/** What `writeQuotes` did with the legs of its range. */
export type QuoteWriteReport = {
  /** Legs in the range. */
  requested: number;
  /** Legs whose key came back in `data`. */
  returned: number;
  /** Legs whose key was absent from `data` (left NaN). */
  absent: number;
  /** Legs with no key to ask for (not listed; left NaN). */
  unkeyed: number;
  /** Returned legs whose last price was 0 with no trade (last left NaN). */
  noTrade: number;
  /** Values that were negative, not finite or not numbers (set NaN). */
  badValues: number;
};

/** Leg keys: `keys[leg]` is the /quote key of batch leg `leg` (absolute index), or empty when it has none. */
export type LegKeys = ArrayLike<string | null | undefined>;

const NAN = Number.NaN;

/**
 * Writes the quotes in `data` into the legs of `batch` in `range` (default: all legs): every
 * per-leg input field except strike, and the extras when given. Legs outside the range are left
 * untouched; legs in it without a quote are set NaN.
 */
export function writeQuotes(batch: ChainBatch, data: QuoteData, keys: LegKeys, range?: LegRange, extras?: QuoteExtras): QuoteWriteReport {
  const start = range?.start ?? 0;
  const end = range?.end ?? batch.legs;
  const { last, avg, bid, ask, volume, oi, netChange, quoteTime } = batch;
  let returned = 0;
  let absent = 0;
  let unkeyed = 0;
  let noTrade = 0;
  let bad = 0;

  // A price: a finite number ≥ 0 (0 is returned as 0 for the caller to judge); absent → NaN; anything else → NaN, counted.
  const price = (v: unknown): number => {
    if (typeof v === "number") {
      if (v >= 0 && v !== Number.POSITIVE_INFINITY) return v;
      bad++;
      return NAN;
    }
    if (v !== undefined && v !== null) bad++;
    return NAN;
  };
  const positive = (v: unknown): number => {
    const x = price(v);
    return x > 0 ? x : NAN;
  };
  const stamp = (v: unknown): number => {
    if (v === null || v === undefined || v === "") return NAN;
    const t = parseIstTimestamp(v as string);
    if (t !== t) bad++;
    return t;
  };

  for (let leg = start; leg < end; leg++) {
    const key = keys[leg];
    const q = key ? data[key] : undefined;
    if (q === undefined || q === null || typeof q !== "object") {
      if (key) absent++;
      else unkeyed++;
      last[leg] = avg[leg] = bid[leg] = ask[leg] = volume[leg] = oi[leg] = netChange[leg] = quoteTime[leg] = NAN;
      if (extras) extras.oiDayHigh[leg] = extras.oiDayLow[leg] = extras.prevClose[leg] = extras.lastTradeTime[leg] = NAN;
      continue;
    }
    returned++;
    const vol = price(q.volume);
    const tradeTime = stamp(q.last_trade_time);
    let lp = price(q.last_price);
    if (lp === 0) {
      if (vol === 0 || tradeTime !== tradeTime) noTrade++;
      else bad++;
      lp = NAN;
    }
    const close = q.ohlc ? positive(q.ohlc.close) : NAN;
    const depth = q.depth;
    const b0 = depth?.buy?.[0];
    const s0 = depth?.sell?.[0];
    last[leg] = lp;
    avg[leg] = positive(q.average_price);
    bid[leg] = b0 ? positive(b0.price) : NAN;
    ask[leg] = s0 ? positive(s0.price) : NAN;
    volume[leg] = vol;
    oi[leg] = price(q.oi);
    netChange[leg] = lp - close;
    quoteTime[leg] = stamp(q.timestamp);
    if (extras) {
      extras.oiDayHigh[leg] = price(q.oi_day_high);
      extras.oiDayLow[leg] = price(q.oi_day_low);
      extras.prevClose[leg] = close;
      extras.lastTradeTime[leg] = tradeTime;
    }
  }
  return { requested: end - start, returned, absent, unkeyed, noTrade, badValues: bad };
}

/** What `spotQuotes` found. */
export type SpotReport = {
  /** One per index whose key came back, in the order asked. */
  quotes: SpotQuote[];
  /** Indices whose key was absent from `data`. */
  absent: string[];
  /** Values that were negative, not finite or not numbers (set NaN). */
  badValues: number;
};

/**
 * Index quotes from a /quote (or /quote/ohlc) response: last ← last_price, open/high/low ←
 * ohlc, prevClose ← ohlc.close, time ← timestamp. Zero prices are missing (NaN). `keys` maps
 * each index to its quote key ("NIFTY" → "NSE:NIFTY 50"); an index whose key is absent is left
 * out (and listed in `absent`).
 */
export function spotQuotes(data: QuoteData, keys: Iterable<readonly [string, string]>): SpotReport {
  const quotes: SpotQuote[] = [];
  const absent: string[] = [];
  let bad = 0;
  const positive = (v: unknown): number => {
    if (typeof v === "number" && v >= 0 && v !== Number.POSITIVE_INFINITY) return v > 0 ? v : NAN;
    if (v !== undefined && v !== null) bad++;
    return NAN;
  };
  for (const [index, key] of keys) {
    const q = data[key];
    if (q === undefined || q === null || typeof q !== "object") {
      absent.push(index);
      continue;
    }
    const o = q.ohlc ?? {};
    const time = parseIstTimestamp(q.timestamp);
    if (isBadTimestamp(q.timestamp)) bad++;
    quotes.push({ index, last: positive(q.last_price), open: positive(o.open), high: positive(o.high), low: positive(o.low), prevClose: positive(o.close), time });
  }
  return { quotes, absent, badValues: bad };
}
