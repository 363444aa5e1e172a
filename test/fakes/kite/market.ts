/**
 * The market behind G6's fake Kite server: the instrument listing of one day (index rows on
 * NSE/BSE, options on NFO/BFO) and a quote for every listed instrument, priced from a known
 * smile so tests can check the implied vols G6 recovers. Protocol-agnostic: the REST server
 * serialises these quotes as JSON; a ticker fake would pack the same numbers into binary ticks.
 *
 * The smile (documented in docs/ARCHITECTURE.md, "Kite Connect: client and fake server"):
 *   F = S·e^{rT}, df = e^{−rT}, T = years (365-day) from `now` to 15:30 IST on the expiry,
 *   m = ln(K/F), sigma(K) = atmVol + SMILE_SKEW·m + SMILE_CURVATURE·m² (floored at 0.01),
 *   price = black76(F, K, T, sigma, df) rounded to the 0.05 tick, at least one tick.
 * last_price is that price; the best bid and ask sit symmetrically around it, so their mid is
 * the model price too.
 */
import { black76 } from "../../../src/analytics/black.ts";
import { DEFAULT_EXPIRY_RULES, type IndexName, INDEX_NAMES } from "../../../src/market/indices.ts";
import { generateExpiries, monthlyExpiries, timeToExpiryYears } from "../../../src/market/expiry.ts";
import { dateOfDay, dayNumber, istDate, weekdayOfDay } from "../../../src/market/ist.ts";
import {
  type DepthLevel,
  type FullQuote,
  type IndexQuote,
  type InstrumentRow,
  kiteTime,
  type Quote,
  SEGMENT_CODE,
} from "./protocol.ts";

export const TICK = 0.05;
/** Smile slope in vol per unit of log-moneyness ln(K/F): puts (low strikes) are dearer. */
export const SMILE_SKEW = -0.6;
/** Smile curvature in vol per unit of log-moneyness squared. */
export const SMILE_CURVATURE = 2.0;

/** What the fake knows about each index (Kite's spot row and the options' listing). */
export type FakeIndex = {
  /** Tradingsymbol of the index row (segment INDICES): the spot quote key is `${exchange}:${symbol}`. */
  symbol: string;
  exchange: "NSE" | "BSE";
  token: number;
  optionsExchange: "NFO" | "BFO";
  strikeStep: number;
  lotSize: number;
  spot: number;
  atmVol: number;
};

export const FAKE_INDICES: Readonly<Record<IndexName, Readonly<FakeIndex>>> = Object.freeze({
  NIFTY: { symbol: "NIFTY 50", exchange: "NSE", token: 256265, optionsExchange: "NFO", strikeStep: 50, lotSize: 65, spot: 24000, atmVol: 0.13 },
  BANKNIFTY: { symbol: "NIFTY BANK", exchange: "NSE", token: 260105, optionsExchange: "NFO", strikeStep: 100, lotSize: 30, spot: 52000, atmVol: 0.15 },
  FINNIFTY: { symbol: "NIFTY FIN SERVICE", exchange: "NSE", token: 257801, optionsExchange: "NFO", strikeStep: 50, lotSize: 60, spot: 23500, atmVol: 0.14 },
  MIDCPNIFTY: { symbol: "NIFTY MID SELECT", exchange: "NSE", token: 288009, optionsExchange: "NFO", strikeStep: 25, lotSize: 120, spot: 12000, atmVol: 0.17 },
  SENSEX: { symbol: "SENSEX", exchange: "BSE", token: 265, optionsExchange: "BFO", strikeStep: 100, lotSize: 20, spot: 80000, atmVol: 0.13 },
});

export type FakeMarketConfig = {
  /** The market's clock, epoch ms (default Date.now): quote timestamps and time to expiry. */
  now?: () => number;
  /** IST date of the listing (default: the IST date of `now()` at construction). */
  today?: string;
  /** Per-index overrides of `FAKE_INDICES` (spot, lot size, ATM vol, …). */
  indices?: Partial<Record<IndexName, Partial<FakeIndex>>>;
  /** Risk-free rate of the forward and the discount factor (default 0.065). */
  rate?: number;
  /** Strikes listed each side of the ATM strike of the initial spot (default 40). */
  strikesEachSide?: number;
  /** Weekly expiries listed (for indices with weeklies; default 4) and monthly ones (default 3). */
  weeks?: number;
  months?: number;
  /** Exchange holidays (IST dates): an expiry on one rolls back to the previous trading day. */
  holidays?: readonly string[];
};

/** The model behind one option's quote. */
export type OptionModel = {
  index: IndexName;
  expiry: string;
  strike: number;
  isCall: boolean;
  spot: number;
  forward: number;
  T: number;
  df: number;
  sigma: number;
  /** Black-76 price before rounding to the tick. */
  exact: number;
  /** The quoted last price (rounded, at least one tick). */
  price: number;
};

export type FakeKiteMarket = {
  readonly today: string;
  readonly rate: number;
  now(): number;
  spot(index: IndexName): number;
  setSpot(index: IndexName, level: number): void;
  /** Listed expiries of an index, ascending. */
  expiries(index: IndexName): string[];
  /** The dump of an exchange (NSE, BSE: index rows; NFO, BFO: options). */
  rows(exchange: string): InstrumentRow[];
  /** Quote keys of the listed options, optionally of one index and expiry, in listing order. */
  optionKeys(index?: IndexName, expiry?: string): string[];
  /** The quote of a key, undefined when the key is not listed. `noTrade`: zero prices, no trade. */
  quote(key: string, noTrade?: boolean): Quote | undefined;
  /** The pricing model of an option key. */
  model(key: string): OptionModel | undefined;
};

/** sigma(K) of the fake's smile for an index at forward F. */
export function smileVol(atmVol: number, strike: number, forward: number): number {
  const m = Math.log(strike / forward);
  return Math.max(0.01, atmVol + SMILE_SKEW * m + SMILE_CURVATURE * m * m);
}

/** `x` rounded to the tick (two decimals, no binary noise). */
export function roundTick(x: number): number {
  return Number((Math.round(x / TICK) * TICK).toFixed(2));
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKLY_MONTH = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "O", "N", "D"];

/**
 * Kite's option tradingsymbol: monthly `NIFTY25DEC24000CE`, weekly `NIFTY25D0924000CE`
 * (YY, month code 1–9/O/N/D, DD).
 */
export function optionSymbol(root: string, expiry: string, monthly: boolean, strike: number, isCall: boolean): string {
  const [y, m, d] = expiry.split("-") as [string, string, string];
  const yy = y.slice(2);
  const month = Number(m) - 1;
  const date = monthly ? `${yy}${MONTHS[month]}` : `${yy}${WEEKLY_MONTH[month]}${d}`;
  return `${root}${date}${strike}${isCall ? "CE" : "PE"}`;
}

type Listed = { row: InstrumentRow; index: IndexName; isCall?: boolean };

export function createFakeMarket(cfg: FakeMarketConfig = {}): FakeKiteMarket {
  const now = cfg.now ?? Date.now;
  const today = cfg.today ?? istDate(now());
  const rate = cfg.rate ?? 0.065;
  const each = cfg.strikesEachSide ?? 40;
  const holidays = new Set(cfg.holidays ?? []);
  const calendar = {
    tradingDayOnOrBefore(date: string): string {
      let n = dayNumber(date);
      while (weekdayOfDay(n) === 0 || weekdayOfDay(n) === 6 || holidays.has(dateOfDay(n))) n -= 1;
      return dateOfDay(n);
    },
  };
  const spec = {} as Record<IndexName, FakeIndex>;
  for (const name of INDEX_NAMES) spec[name] = { ...FAKE_INDICES[name], ...cfg.indices?.[name] };
  const spots = new Map<IndexName, number>(INDEX_NAMES.map((n) => [n, spec[n].spot]));

  const listed = new Map<string, Listed>();
  const byExchange = new Map<string, InstrumentRow[]>();
  const expiriesOf = new Map<IndexName, string[]>();
  const keysOf = new Map<string, string[]>();
  const add = (l: Listed): void => {
    listed.set(`${l.row.exchange}:${l.row.tradingsymbol}`, l);
    const list = byExchange.get(l.row.exchange) ?? [];
    list.push(l.row);
    byExchange.set(l.row.exchange, list);
  };
  const nextToken = new Map<string, number>([
    ["NFO", 40_000],
    ["BFO", 850_000],
  ]);

  for (const name of INDEX_NAMES) {
    const s = spec[name];
    add({
      index: name,
      row: {
        instrument_token: s.token,
        exchange_token: s.token >> 8,
        tradingsymbol: s.symbol,
        name: s.symbol,
        last_price: 0,
        expiry: "",
        strike: 0,
        tick_size: 0,
        lot_size: 0,
        instrument_type: "EQ",
        segment: "INDICES",
        exchange: s.exchange,
      },
    });
    const expiries = generateExpiries(DEFAULT_EXPIRY_RULES[name], calendar, today, {
      weeks: cfg.weeks ?? 4,
      months: cfg.months ?? 3,
    });
    expiriesOf.set(name, expiries);
    const monthly = new Set(monthlyExpiries(expiries));
    const atm = Math.round(s.spot / s.strikeStep) * s.strikeStep;
    const ex = s.optionsExchange;
    for (const expiry of expiries) {
      const keys: string[] = [];
      for (let k = -each; k <= each; k++) {
        const strike = atm + k * s.strikeStep;
        if (strike <= 0) continue;
        for (const isCall of [true, false]) {
          const exchangeToken = nextToken.get(ex)!;
          nextToken.set(ex, exchangeToken + 1);
          const row: InstrumentRow = {
            instrument_token: exchangeToken * 256 + SEGMENT_CODE[ex],
            exchange_token: exchangeToken,
            tradingsymbol: optionSymbol(name, expiry, monthly.has(expiry), strike, isCall),
            name,
            last_price: 0,
            expiry,
            strike,
            tick_size: TICK,
            lot_size: s.lotSize,
            instrument_type: isCall ? "CE" : "PE",
            segment: `${ex}-OPT`,
            exchange: ex,
          };
          add({ row, index: name, isCall });
          keys.push(`${ex}:${row.tradingsymbol}`);
        }
      }
      keysOf.set(`${name}|${expiry}`, keys);
    }
  }

  function model(key: string): OptionModel | undefined {
    const l = listed.get(key);
    if (l === undefined || l.isCall === undefined) return undefined;
    const s = spec[l.index];
    const spot = spots.get(l.index)!;
    const T = Math.max(0, timeToExpiryYears(now(), l.row.expiry));
    const forward = spot * Math.exp(rate * T);
    const df = Math.exp(-rate * T);
    const sigma = smileVol(s.atmVol, l.row.strike, forward);
    const exact = black76(forward, l.row.strike, T, sigma, df, l.isCall);
    return {
      index: l.index,
      expiry: l.row.expiry,
      strike: l.row.strike,
      isCall: l.isCall,
      spot,
      forward,
      T,
      df,
      sigma,
      exact,
      price: Math.max(TICK, roundTick(exact)),
    };
  }

  const zeroLevels = (): DepthLevel[] => Array.from({ length: 5 }, () => ({ price: 0, quantity: 0, orders: 0 }));

  function optionQuote(l: Listed, m: OptionModel, noTrade: boolean): FullQuote {
    const lot = l.row.lot_size;
    const w = Math.exp(-((Math.log(m.strike / m.forward) / 0.04) ** 2));
    const oi = lot * Math.round(200 + 40_000 * w);
    const stamp = now();
    const close = roundTick(m.price * 1.04);
    const base = {
      instrument_token: l.row.instrument_token,
      timestamp: kiteTime(stamp),
      oi,
      oi_day_high: lot * Math.round((oi / lot) * 1.05),
      oi_day_low: lot * Math.round((oi / lot) * 0.9),
      lower_circuit_limit: TICK,
      upper_circuit_limit: roundTick(Math.max(close, m.price) * 3 + 10),
    };
    if (noTrade) {
      return {
        ...base,
        last_trade_time: null,
        last_price: 0,
        last_quantity: 0,
        buy_quantity: 0,
        sell_quantity: 0,
        volume: 0,
        average_price: 0,
        net_change: 0,
        ohlc: { open: 0, high: 0, low: 0, close },
        depth: { buy: zeroLevels(), sell: zeroLevels() },
      };
    }
    const half = TICK * Math.max(1, Math.round((m.price * 0.002) / TICK));
    const buy = zeroLevels();
    const sell = zeroLevels();
    for (let i = 0; i < 5; i++) {
      const bid = roundTick(m.price - half - i * TICK);
      if (bid > 0) buy[i] = { price: bid, quantity: lot * 10 * (i + 1), orders: i + 1 };
      sell[i] = { price: roundTick(m.price + half + i * TICK), quantity: lot * 12 * (i + 1), orders: i + 2 };
    }
    const open = roundTick(m.price * 1.03);
    return {
      ...base,
      last_trade_time: kiteTime(stamp - 1000),
      last_price: m.price,
      last_quantity: lot,
      buy_quantity: lot * Math.round(100 + 5000 * w),
      sell_quantity: lot * Math.round(120 + 4000 * w),
      volume: lot * Math.round(50 + 200_000 * w),
      average_price: Math.max(TICK, roundTick(m.price * 1.01)),
      net_change: 0,
      ohlc: {
        open,
        high: roundTick(Math.max(open, m.price) * 1.1),
        low: Math.max(TICK, roundTick(Math.min(open, m.price) * 0.9)),
        close,
      },
      depth: { buy, sell },
    };
  }

  function indexQuote(l: Listed): IndexQuote {
    const spot = spots.get(l.index)!;
    const close = roundTick(spot / 1.003);
    const open = roundTick(spot / 1.001);
    const stamp = now();
    return {
      instrument_token: l.row.instrument_token,
      timestamp: kiteTime(stamp),
      last_trade_time: kiteTime(stamp - 1000),
      last_price: spot,
      net_change: Number((spot - close).toFixed(2)),
      ohlc: { open, high: roundTick(Math.max(open, spot) * 1.002), low: roundTick(Math.min(open, spot) * 0.996), close },
    };
  }

  return {
    today,
    rate,
    now,
    spot: (index) => spots.get(index)!,
    setSpot(index, level) {
      if (!(level > 0)) throw new Error(`fake Kite market: spot of ${index} must be > 0, got ${level}`);
      spots.set(index, level);
    },
    expiries: (index) => [...(expiriesOf.get(index) ?? [])],
    rows: (exchange) => [...(byExchange.get(exchange) ?? [])],
    optionKeys(index, expiry) {
      const out: string[] = [];
      for (const [k, keys] of keysOf) {
        const [i, e] = k.split("|");
        if ((index === undefined || i === index) && (expiry === undefined || e === expiry)) out.push(...keys);
      }
      return out;
    },
    quote(key, noTrade = false) {
      const l = listed.get(key);
      if (l === undefined) return undefined;
      if (l.isCall === undefined) return indexQuote(l);
      return optionQuote(l, model(key)!, noTrade);
    },
    model,
  };
}
