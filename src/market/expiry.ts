/**
 * Option expiries for G6: the listing a market would have on a day (from an expiry rule and
 * the calendar's holiday roll), selection of an expiry by tag, and time to expiry.
 */
import type { MarketCalendar } from "./calendar.ts";
import { dateOfDay, dayNumber, istEpoch, isValidIsoDate, weekdayOfDay } from "./ist.ts";

export type ExpiryRule = {
  /** Expiry weekday, 0 = Sunday .. 6 = Saturday. */
  weekday: number;
  /** True when the index lists weekly expiries besides the monthly ones. */
  weekly: boolean;
};

export type ExpiryTag = "this_week" | "next_week" | "this_month" | "next_month";

/** All expiry tags, nearest first. */
export const EXPIRY_TAGS = Object.freeze(["this_week", "next_week", "this_month", "next_month"] as const);

/** Bit of each tag in G6 expiry masks. */
export const EXPIRY_TAG_BITS: Readonly<Record<ExpiryTag, number>> = Object.freeze({
  this_week: 1,
  next_week: 2,
  this_month: 4,
  next_month: 8,
});

/** Milliseconds in a 365-day year, the time-to-expiry denominator. */
export const YEAR_MS = 365 * 86_400_000;

/** True when `s` is one of `EXPIRY_TAGS`. */
export function isExpiryTag(s: string): s is ExpiryTag {
  return (EXPIRY_TAGS as readonly string[]).includes(s);
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${name} ${n} (expected a non-negative integer)`);
}

/** Day number of the last `weekday` of the month (`month` 1-12). */
function lastWeekdayOfMonth(year: number, month: number, weekday: number): number {
  const last = Date.UTC(year, month, 0) / 86_400_000;
  return last - ((weekdayOfDay(last) - weekday + 7) % 7);
}

/**
 * The expiries listed on `fromDate` under `rule`, ascending and unique, all ≥ `fromDate`:
 * the next `weeks` weekly expiries (when `rule.weekly`) and the next `months` monthly ones
 * (last `rule.weekday` of a month). A non-trading expiry day rolls back to the previous
 * trading day; one that rolls to before `fromDate` has already expired and is not counted.
 */
export function generateExpiries(
  rule: ExpiryRule,
  calendar: Pick<MarketCalendar, "tradingDayOnOrBefore">,
  fromDate: string,
  opts: { weeks: number; months: number },
): string[] {
  if (!Number.isInteger(rule.weekday) || rule.weekday < 0 || rule.weekday > 6) {
    throw new Error(`invalid expiry weekday ${rule.weekday} (expected 0-6)`);
  }
  checkCount("weeks", opts.weeks);
  checkCount("months", opts.months);
  const from = dayNumber(fromDate);
  const out = new Set<string>();
  const roll = (n: number): string => calendar.tradingDayOnOrBefore(dateOfDay(n));

  if (rule.weekly) {
    let n = from + ((rule.weekday - weekdayOfDay(from) + 7) % 7);
    for (let found = 0; found < opts.weeks; n += 7) {
      const d = roll(n);
      if (d >= fromDate) {
        out.add(d);
        found += 1;
      }
    }
  }
  const [year, month] = fromDate.split("-").map(Number) as [number, number];
  for (let found = 0, k = 0; found < opts.months; k += 1) {
    const d = roll(lastWeekdayOfMonth(year, month + k, rule.weekday));
    if (d >= fromDate) {
      out.add(d);
      found += 1;
    }
  }
  return [...out].sort();
}

/** The last listed expiry of each calendar month in `listed`, ascending. */
export function monthlyExpiries(listed: readonly string[]): string[] {
  const last = new Map<string, string>();
  for (const d of listed) {
    const month = d.slice(0, 7);
    const prev = last.get(month);
    if (prev === undefined || d > prev) last.set(month, d);
  }
  return [...last.values()].sort();
}

/**
 * The expiry selected by `tag` among `listed` on ISO date `today`: this_week / next_week are
 * the first / second listed expiry ≥ today; this_month / next_month the first / second monthly
 * expiry (last listed of its month) ≥ today; an explicit 'YYYY-MM-DD' is returned only if listed
 * and ≥ today. Undefined when there is no such expiry; never invents one.
 */
export function resolveExpiry(tag: ExpiryTag | string, listed: readonly string[], today: string): string | undefined {
  if (!isValidIsoDate(today)) throw new Error(`invalid date "${today}" (expected a real YYYY-MM-DD date)`);
  const upcoming = (dates: readonly string[]): string[] => [...new Set(dates)].filter((d) => d >= today).sort();
  switch (tag) {
    case "this_week":
      return upcoming(listed)[0];
    case "next_week":
      return upcoming(listed)[1];
    case "this_month":
      return upcoming(monthlyExpiries(listed))[0];
    case "next_month":
      return upcoming(monthlyExpiries(listed))[1];
    default:
      return isValidIsoDate(tag) && tag >= today && listed.includes(tag) ? tag : undefined;
  }
}

/**
 * Years (365-day) from epoch ms `epochMs` to the close (`closeTime` IST, default "15:30") on
 * ISO date `expiryDate`; zero or negative once that instant has passed.
 */
export function timeToExpiryYears(epochMs: number, expiryDate: string, closeTime = "15:30"): number {
  return (istEpoch(expiryDate, closeTime) - epochMs) / YEAR_MS;
}
