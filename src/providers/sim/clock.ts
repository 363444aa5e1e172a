/**
 * The simulated session clock: snapshot instants that start at a session open (or a given
 * IST start) and advance by a fixed step, rolling over to the next trading day's open when a
 * session ends. So `g6` at any hour produces data for a trading session.
 */
import type { MarketCalendar } from "../../market/index.ts";
import { istEpoch } from "../../market/index.ts";

export type SimClock = {
  /** The instant of the next snapshot, epoch ms (the first call returns the start). */
  next(): number;
};

/** Start instant: `start` (YYYY-MM-DD → its 09:15 open; YYYY-MM-DDTHH:MM IST), else the current or last session's open. */
export function simStart(calendar: MarketCalendar, start: string | null, wallNow: number): number {
  if (start === null) return calendar.sessionOpen(calendar.sessionDate(wallNow));
  if (start.length === 10) return calendar.sessionOpen(calendar.tradingDayOnOrBefore(start));
  const [date, time] = start.split("T") as [string, string];
  return istEpoch(date, time);
}

export function createSimClock(calendar: MarketCalendar, startMs: number, stepMs: number): SimClock {
  let t = Number.NaN;
  return {
    next() {
      t = Number.isNaN(t) ? startMs : t + stepMs;
      if (!calendar.isOpen(t)) t = calendar.nextOpen(t);
      return t;
    },
  };
}
