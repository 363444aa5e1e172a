/**
 * The G6 market calendar: trading days (Monday to Friday, minus exchange holidays) and the
 * daily session window in IST. Pure: every question takes the instant or date it is about.
 */
import {
  clockTimeMs,
  DAY_MS,
  dateOfDay,
  dayNumber,
  IST_OFFSET_MS,
  istDayNumber,
  isValidIsoDate,
  weekdayOfDay,
} from "./ist.ts";

/**
 * How a calendar's holiday list covers a calendar year: the exchange's published list shipped
 * with G6 ("official"), a shipped list not yet published by the exchange ("provisional"), dates
 * the user configured for that year ("configured"), or nothing ("none": every weekday trades).
 */
export type YearCoverage = "official" | "provisional" | "configured" | "none";

export type MarketCalendarOptions = {
  /** Exchange trading holidays, 'YYYY-MM-DD'. */
  holidays: readonly string[];
  /** Coverage by year; a year absent is "none". Default: each year with a date in `holidays` is "configured". */
  coverage?: ReadonlyMap<number, YearCoverage>;
  /** Whose calendar this is, for messages (e.g. "NSE"); default "market". */
  name?: string;
  /** Session open, IST 'HH:MM' (default "09:15"). */
  open?: string;
  /** Session close, IST 'HH:MM' (default "15:30"). */
  close?: string;
};

export type MarketCalendar = {
  /** Whose calendar this is, for messages (e.g. "NSE"). */
  readonly name: string;
  /** How the holiday list covers calendar year `year` (a year "none" has every weekday trading). */
  coverage(year: number): YearCoverage;
  /** Session open as configured, IST 'HH:MM'. */
  readonly open: string;
  /** Session close as configured, IST 'HH:MM'. */
  readonly close: string;
  /** True when `date` is Monday to Friday and not a holiday. */
  isTradingDay(date: string): boolean;
  /** True when epoch ms `epochMs` lies in [open, close) of a trading day, IST. */
  isOpen(epochMs: number): boolean;
  /** Epoch ms of the session open on `date` (whether or not it trades). */
  sessionOpen(date: string): number;
  /** Epoch ms of the session close on `date` (whether or not it trades). */
  sessionClose(date: string): number;
  /** Epoch ms of today's open if `epochMs` is before it on a trading day, else the next trading day's open. */
  nextOpen(epochMs: number): number;
  /** `date` itself if it trades, else the latest trading day before it. */
  tradingDayOnOrBefore(date: string): string;
  /** The latest trading day strictly before `date`. */
  previousTradingDay(date: string): string;
  /** The earliest trading day strictly after `date`. */
  nextTradingDay(date: string): string;
  /** IST date of `epochMs` if it trades and its session has opened, else the latest earlier trading day. */
  sessionDate(epochMs: number): string;
};

/** Builds a calendar; throws an Error naming an invalid holiday or session time. */
export function createMarketCalendar(opts: MarketCalendarOptions): MarketCalendar {
  const open = opts.open ?? "09:15";
  const close = opts.close ?? "15:30";
  const openMs = clockTimeMs(open);
  const closeMs = clockTimeMs(close);
  if (!(openMs < closeMs)) throw new Error(`invalid session: open ${open} is not before close ${close}`);
  const holidays = new Set<number>();
  const configuredYears = new Map<number, YearCoverage>();
  for (const h of opts.holidays) {
    if (!isValidIsoDate(h)) throw new Error(`invalid holiday "${h}" (expected a real YYYY-MM-DD date)`);
    holidays.add(dayNumber(h));
    configuredYears.set(Number(h.slice(0, 4)), "configured");
  }
  const coverage = new Map(opts.coverage ?? configuredYears);

  const trades = (n: number): boolean => {
    const wd = weekdayOfDay(n);
    return wd !== 0 && wd !== 6 && !holidays.has(n);
  };
  const onOrBefore = (n: number): number => {
    let d = n;
    while (!trades(d)) d -= 1;
    return d;
  };
  const after = (n: number): number => {
    let d = n + 1;
    while (!trades(d)) d += 1;
    return d;
  };
  const openOf = (n: number): number => n * DAY_MS + openMs - IST_OFFSET_MS;
  const closeOf = (n: number): number => n * DAY_MS + closeMs - IST_OFFSET_MS;

  return Object.freeze({
    name: opts.name ?? "market",
    coverage: (year: number) => coverage.get(year) ?? "none",
    open,
    close,
    isTradingDay: (date: string) => trades(dayNumber(date)),
    isOpen(epochMs: number) {
      const n = istDayNumber(epochMs);
      return trades(n) && epochMs >= openOf(n) && epochMs < closeOf(n);
    },
    sessionOpen: (date: string) => openOf(dayNumber(date)),
    sessionClose: (date: string) => closeOf(dayNumber(date)),
    nextOpen(epochMs: number) {
      const n = istDayNumber(epochMs);
      return trades(n) && epochMs < openOf(n) ? openOf(n) : openOf(after(n));
    },
    tradingDayOnOrBefore: (date: string) => dateOfDay(onOrBefore(dayNumber(date))),
    previousTradingDay: (date: string) => dateOfDay(onOrBefore(dayNumber(date) - 1)),
    nextTradingDay: (date: string) => dateOfDay(after(dayNumber(date))),
    sessionDate(epochMs: number) {
      const n = istDayNumber(epochMs);
      return dateOfDay(trades(n) && epochMs >= openOf(n) ? n : onOrBefore(n - 1));
    },
  });
}
