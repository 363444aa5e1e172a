/**
 * The shapes of the Kite Connect protocol as G6's fake Kite server speaks them, in one place:
 * the JSON envelopes, error types and their HTTP statuses, the instrument dump's columns and
 * quoting, the quote object, segment codes and naive-IST timestamps. The REST server
 * (server.ts) and a future WebSocket ticker fake share these and the market (market.ts).
 *
 * Sources: kite.trade/docs/connect/v3 (user, market-quotes, exceptions) and the official
 * `kiteconnect` client, which the tests run against the fake as the oracle.
 */
import { istParts } from "../../../src/market/ist.ts";

/** Kite's error types with the HTTP status the fake answers them with by default. */
export const ERROR_STATUS = Object.freeze({
  TokenException: 403,
  PermissionException: 403,
  InputException: 400,
  NetworkException: 503,
  DataException: 502,
  GeneralException: 500,
} as const);
export type KiteErrorType = keyof typeof ERROR_STATUS;

/** The error envelope: `{"status":"error","message":…,"data":null,"error_type":…}`. */
export type ErrorEnvelope = { status: "error"; message: string; data: null; error_type: string };
/** The success envelope: `{"status":"success","data":…}`. */
export type SuccessEnvelope<T> = { status: "success"; data: T };

export const MESSAGES = Object.freeze({
  badToken: "Incorrect `api_key` or `access_token`.",
  badRequestToken: "Token is invalid or has expired.",
  badChecksum: "Invalid `checksum`.",
  badApiKey: "Invalid `api_key`.",
  tooManyRequests: "Too many requests",
  tooManyInstruments: "Too many instruments",
  noInstruments: "No instruments specified",
  noRoute: "Route not found",
});

export const JSON_TYPE = "application/json";
/** The official client compares the instrument dump's content type to exactly "text/csv". */
export const CSV_TYPE = "text/csv";

export function errorBody(errorType: string, message: string): string {
  const e: ErrorEnvelope = { status: "error", message, data: null, error_type: errorType };
  return JSON.stringify(e);
}

export function successBody<T>(data: T): string {
  const s: SuccessEnvelope<T> = { status: "success", data };
  return JSON.stringify(s);
}

/** Segment code in the low byte of an instrument token (the ticker's packets rely on it). */
export const SEGMENT_CODE = Object.freeze({ NSE: 1, NFO: 2, CDS: 3, BSE: 4, BFO: 5, BCD: 6, MCX: 7, INDICES: 9 });

/** The instrument dump's columns, in Kite's order. */
export const INSTRUMENT_COLUMNS = Object.freeze([
  "instrument_token",
  "exchange_token",
  "tradingsymbol",
  "name",
  "last_price",
  "expiry",
  "strike",
  "tick_size",
  "lot_size",
  "instrument_type",
  "segment",
  "exchange",
] as const);

/** One row of the instrument dump. */
export type InstrumentRow = {
  instrument_token: number;
  exchange_token: number;
  tradingsymbol: string;
  name: string;
  last_price: number;
  /** "YYYY-MM-DD", "" for index rows. */
  expiry: string;
  strike: number;
  tick_size: number;
  lot_size: number;
  /** "CE" | "PE" | "EQ" (index rows are EQ in segment INDICES). */
  instrument_type: string;
  /** "NFO-OPT", "BFO-OPT", "INDICES". */
  segment: string;
  exchange: string;
};

/**
 * One CSV line of the dump. Kite quotes the `name` column (`"NIFTY"`, `"NIFTY 50"`) and
 * leaves the others bare; a quote inside a quoted field is doubled.
 */
export function instrumentCsvLine(r: InstrumentRow): string {
  const quoted = (s: string): string => (s === "" ? "" : `"${s.replaceAll('"', '""')}"`);
  return [
    r.instrument_token,
    r.exchange_token,
    r.tradingsymbol,
    quoted(r.name),
    r.last_price,
    r.expiry,
    r.strike,
    r.tick_size,
    r.lot_size,
    r.instrument_type,
    r.segment,
    r.exchange,
  ].join(",");
}

/** The whole dump: header, one line per row, each line ending in "\n". */
export function instrumentCsv(rows: readonly InstrumentRow[]): string {
  return `${INSTRUMENT_COLUMNS.join(",")}\n${rows.map((r) => `${instrumentCsvLine(r)}\n`).join("")}`;
}

export type DepthLevel = { price: number; quantity: number; orders: number };

/** A full quote of a tradable (an option), as in GET /quote's `data`. */
export type FullQuote = {
  instrument_token: number;
  timestamp: string;
  last_trade_time: string | null;
  last_price: number;
  last_quantity: number;
  buy_quantity: number;
  sell_quantity: number;
  volume: number;
  average_price: number;
  oi: number;
  oi_day_high: number;
  oi_day_low: number;
  net_change: number;
  lower_circuit_limit: number;
  upper_circuit_limit: number;
  ohlc: { open: number; high: number; low: number; close: number };
  /** Always five levels a side; empty levels are zeros. */
  depth: { buy: DepthLevel[]; sell: DepthLevel[] };
};

/** A full quote of an index: no volume, OI or depth. */
export type IndexQuote = {
  instrument_token: number;
  timestamp: string;
  last_trade_time: string | null;
  last_price: number;
  net_change: number;
  ohlc: { open: number; high: number; low: number; close: number };
};

export type Quote = FullQuote | IndexQuote;

/** GET /quote/ltp's item. */
export function ltpOf(q: Quote): { instrument_token: number; last_price: number } {
  return { instrument_token: q.instrument_token, last_price: q.last_price };
}

/** GET /quote/ohlc's item. */
export function ohlcOf(q: Quote): { instrument_token: number; last_price: number; ohlc: Quote["ohlc"] } {
  return { instrument_token: q.instrument_token, last_price: q.last_price, ohlc: q.ohlc };
}

/** Keys per request of each quote endpoint. */
export const QUOTE_KEY_LIMIT = Object.freeze({ "/quote": 500, "/quote/ltp": 1000, "/quote/ohlc": 1000 } as Record<
  string,
  number
>);

const pad = (n: number): string => String(n).padStart(2, "0");

/** Kite's timestamp: naive IST "YYYY-MM-DD HH:MM:SS". */
export function kiteTime(epochMs: number): string {
  const p = istParts(epochMs);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** The user the fake logs in. */
export type FakeUser = { user_id: string; user_name: string; user_shortname: string; email: string };

export function profileData(u: FakeUser): Record<string, unknown> {
  return {
    user_id: u.user_id,
    user_type: "individual",
    email: u.email,
    user_name: u.user_name,
    user_shortname: u.user_shortname,
    broker: "ZERODHA",
    exchanges: ["NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "MF"],
    products: ["CNC", "NRML", "MIS", "BO", "CO"],
    order_types: ["MARKET", "LIMIT", "SL", "SL-M"],
    avatar_url: null,
    meta: { demat_consent: "physical" },
  };
}

export function sessionData(u: FakeUser, apiKey: string, accessToken: string, loginTime: number): Record<string, unknown> {
  return {
    ...profileData(u),
    api_key: apiKey,
    access_token: accessToken,
    public_token: accessToken.slice(0, 16),
    refresh_token: "",
    enctoken: "",
    login_time: kiteTime(loginTime),
  };
}
