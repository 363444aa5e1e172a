/**
 * Exchange holiday data shipped with G6 (`holidays.json`: per exchange, per year, with its
 * source and whether it is the exchange's published list or provisional), the calendars built
 * from it and the configured extra holidays, and the warnings when those calendars do not cover
 * the expiries G6 plans to collect. Pure: nothing here reads a clock or a file at run time.
 */
import { createMarketCalendar, type MarketCalendar, type YearCoverage } from "./calendar.ts";
import data from "./holidays.json";
import { INDICES, isIndexName } from "./indices.ts";
import { isValidIsoDate } from "./ist.ts";

/** Exchanges whose calendars G6 knows: NSE lists NFO options, BSE lists BFO options. */
export const EXCHANGES = Object.freeze(["NSE", "BSE"] as const);
export type Exchange = (typeof EXCHANGES)[number];

export type HolidayYear = {
  /** "official": the exchange's published list; "provisional": not yet published, partial. */
  status: "official" | "provisional";
  /** Where the dates come from. */
  source: string;
  note?: string;
  /** Weekday closures, 'YYYY-MM-DD'. */
  holidays: readonly { date: string; name?: string }[];
};

/** The market settings a calendar is built from (the `market` group of the config). */
export type MarketSettings = {
  /** Extra holidays, added to the shipped ones. */
  holidays: readonly string[];
  /** Whether the shipped holiday data is used. */
  shipped_holidays: boolean;
  open: string;
  close: string;
};

const DATA_FILE = "src/market/holidays.json";

/** The shipped holiday data of `exchange`, by year; throws naming the entry when the data file is malformed. */
export function shippedHolidays(exchange: Exchange): ReadonlyMap<number, HolidayYear> {
  const years = (data.exchanges as Record<string, Record<string, HolidayYear>>)[exchange];
  if (!years) throw new Error(`${DATA_FILE}: no holiday data for ${exchange}`);
  const out = new Map<number, HolidayYear>();
  for (const [key, y] of Object.entries(years)) {
    const where = `${DATA_FILE}: exchanges.${exchange}.${key}`;
    if (!/^\d{4}$/.test(key)) throw new Error(`${where}: expected a year`);
    if (y.status !== "official" && y.status !== "provisional") throw new Error(`${where}.status: expected "official" or "provisional"`);
    for (const h of y.holidays) {
      if (!isValidIsoDate(h.date) || !h.date.startsWith(key)) throw new Error(`${where}: "${h.date}" is not a date in ${key}`);
    }
    out.set(Number(key), y);
  }
  return out;
}

/** The exchange whose calendar governs `index`'s options (NFO → NSE, BFO → BSE). */
export function exchangeOfIndex(index: string): Exchange {
  return isIndexName(index) && INDICES[index].optionsExchange === "BFO" ? "BSE" : "NSE";
}

/**
 * The calendar of `exchange`: the shipped holidays (unless `shipped_holidays` is false) plus the
 * configured ones. A year is covered "official" or "provisional" as shipped; a year in which
 * `market.holidays` lists any date is "configured" unless shipped official (listing a date
 * declares the year's list known); other years are "none".
 */
export function createExchangeCalendar(exchange: Exchange, market: MarketSettings): MarketCalendar {
  const holidays: string[] = [];
  const coverage = new Map<number, YearCoverage>();
  if (market.shipped_holidays) {
    for (const [year, y] of shippedHolidays(exchange)) {
      coverage.set(year, y.status);
      for (const h of y.holidays) holidays.push(h.date);
    }
  }
  for (const date of market.holidays) {
    holidays.push(date);
    const year = Number(date.slice(0, 4));
    if (coverage.get(year) !== "official") coverage.set(year, "configured");
  }
  return createMarketCalendar({ holidays, coverage, name: exchange, open: market.open, close: market.close });
}

/** One calendar per exchange from the market settings. */
export function createExchangeCalendars(market: MarketSettings): Readonly<Record<Exchange, MarketCalendar>> {
  return Object.freeze({ NSE: createExchangeCalendar("NSE", market), BSE: createExchangeCalendar("BSE", market) });
}

/**
 * Human-readable warnings for the years from `from` to `to` (ISO dates, inclusive) that
 * `calendar` does not cover with an official or configured holiday list; [] when all are.
 * `to` is the last expiry the lines speak of.
 */
export function calendarWarnings(calendar: MarketCalendar, from: string, to: string): string[] {
  const out: string[] = [];
  for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
    const c = calendar.coverage(year);
    if (c === "none") {
      out.push(
        `${calendar.name} holiday data does not cover ${year}: its weekdays count as trading days, so expiries up to ${to} may be misdated; add the exchange's ${year} holidays to market.holidays`,
      );
    } else if (c === "provisional") {
      out.push(
        `${calendar.name} holidays for ${year} are provisional (fixed-date holidays only, the exchange's list is not in G6 yet), so expiries up to ${to} may be misdated; add the official dates to market.holidays`,
      );
    }
  }
  return out;
}

/**
 * Warnings for expiries to collect on `today`: per exchange, the years from today to its last
 * expiry that its calendar does not cover (see calendarWarnings). Expiries of an unknown index
 * count as NSE's.
 */
export function expiryCoverageWarnings(
  calendars: Readonly<Record<Exchange, MarketCalendar>>,
  today: string,
  expiries: readonly { index: string; expiry: string }[],
): string[] {
  const last = new Map<Exchange, string>();
  for (const e of expiries) {
    const ex = exchangeOfIndex(e.index);
    const prev = last.get(ex);
    if (prev === undefined || e.expiry > prev) last.set(ex, e.expiry);
  }
  return EXCHANGES.flatMap((ex) => {
    const to = last.get(ex);
    return to === undefined ? [] : calendarWarnings(calendars[ex], today, to > today ? to : today);
  });
}
