/**
 * The market gate of a live provider: whether a tick falls in the session, and the market
 * state the engine reports. A tick runs from the open up to and including the close (the tick
 * at exactly 15:30:00 is the closing snapshot, the last of the day), on trading days of the
 * calendar; any other tick waits for the next open. `market.force_open` lets every tick run
 * (the state then says open, forced). The state is announced on each change only, so a closed
 * market costs one log line and one status write, not one per tick.
 */
import { istDate, istParts, type MarketCalendar } from "../market/index.ts";
import type { ClosedReason, MarketStatus } from "../contracts/index.ts";

/** Whether the session admits a tick at `tick` (epoch ms), and if not why and when it next opens. */
export function sessionAt(calendar: MarketCalendar, tick: number): { open: true } | { open: false; reason: ClosedReason; nextOpen: number } {
  const date = istDate(tick);
  const trades = calendar.isTradingDay(date);
  if (calendar.isOpen(tick) || (trades && tick === calendar.sessionClose(date))) return { open: true };
  const weekday = istParts(tick).weekday;
  const reason: ClosedReason = !trades ? (weekday === 0 || weekday === 6 ? "weekend" : "holiday") : tick < calendar.sessionOpen(date) ? "before the open" : "after the close";
  return { open: false, reason, nextOpen: calendar.nextOpen(tick) };
}

export type MarketGateOptions = {
  calendar: MarketCalendar;
  /** `market.force_open` as now configured (read at every tick, so a reload applies). */
  forceOpen: () => boolean;
  /** Wall clock, epoch ms (`since`). */
  now: () => number;
  /** Told of the first state and of every change. */
  announce: (status: MarketStatus) => Promise<void>;
};

/** The scheduler's gate (see SchedulerOptions.gate): null when the tick may run, else the next open. */
export function createMarketGate(opts: MarketGateOptions): (tick: number) => Promise<number | null> {
  let last: MarketStatus | null = null;
  return async (tick) => {
    const session = sessionAt(opts.calendar, tick);
    const forced = !session.open && opts.forceOpen();
    const status: MarketStatus =
      session.open || forced
        ? { state: "open", since: opts.now(), nextOpen: null, reason: null, forced }
        : { state: "closed", since: opts.now(), nextOpen: session.nextOpen, reason: session.reason, forced: false };
    if (last === null || last.state !== status.state || last.forced !== status.forced || last.nextOpen !== status.nextOpen) {
      last = status;
      await opts.announce(status);
    }
    return status.state === "open" ? null : status.nextOpen;
  };
}
