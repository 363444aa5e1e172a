/**
 * The cycle scheduler: ticks aligned to multiples of the interval on the wall clock; the first
 * cycle runs at once. A cycle still running when a tick arrives makes that tick skip (counted),
 * never queued; a tick whose cycle starts late (the event loop was busy when its timer was due)
 * is counted late. With interval 0 cycles run back to back, yet the loop yields to the event loop
 * between cycles (a zero sleep), so signals, HTTP requests and redraws still run. Stops after
 * `cycles` cycles (0 = until aborted); an abort lets the running cycle finish.
 *
 * A `gate` (live providers: the market session) is asked before every cycle whether its tick
 * may run. When it may not, the loop idles until the instant the gate names (the next open),
 * woken to the interval grid at or after it, then asks again: the first cycle of a session is
 * the first grid tick at or after the open. Idling sleeps at most `IDLE_CHECK_MS` at a time and
 * asks the gate again after each sleep, so a wall clock that jumps (a suspended machine) or a
 * reloaded setting (`market.force_open`, the interval) takes effect within that time, and an
 * abort ends the idle at once.
 */
// The grid the live snapshot clock stamps instants on (wall-clock.ts) is this loop's grid.
import { gridCeil } from "../providers/wall-clock.ts";

export type SchedulerClock = {
  /** Wall-clock epoch milliseconds. */
  now(): number;
  /**
   * Resolves after `ms`, or early when `signal` aborts. A sleep of 0 must still yield to the
   * event loop (I/O, signals, timers), or back-to-back cycles starve everything else.
   */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
};

export type SchedulerOptions = {
  /** Interval in milliseconds (0: back to back). Read before every wait, so reloads apply. */
  intervalMs: () => number;
  /** Cycles to run; 0 runs until aborted. */
  cycles: number;
  clock: SchedulerClock;
  signal: AbortSignal;
  /** Runs cycle number n (1-based). */
  runCycle: (n: number) => Promise<void>;
  /** Called with the number of ticks skipped because a cycle overran or a wake-up came too late. */
  onSkip?: (ticks: number) => void;
  /** Called when a cycle starts more than `lateToleranceMs(interval)` after its tick, with the delay in ms. */
  onLate?: (delayMs: number) => void;
  /**
   * Whether the tick at epoch ms `tick` may run: null when it may, else the epoch ms before
   * which no tick may (the next open). Absent: every tick runs.
   */
  gate?: (tick: number) => Promise<number | null>;
};

/** The longest single sleep while idling before the gate is asked again, ms. */
export const IDLE_CHECK_MS = 60_000;

/** How late a tick may start before it counts as late: 5 % of the interval, at least 25 ms. */
export function lateToleranceMs(intervalMs: number): number {
  return Math.max(25, intervalMs * 0.05);
}

/** A clock on the real wall time. */
export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      // setImmediate lets pending I/O and signal handlers run first (about 0.06 ms a turn;
      // setTimeout(0) costs about 1 ms).
      if (ms <= 0) return void setImmediate(resolve);
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    }),
};

/** Runs the loop; resolves with the number of cycles run once done or aborted. */
export async function runScheduler(opts: SchedulerOptions): Promise<number> {
  const { clock, signal } = opts;
  let n = 0;
  let tickStart = clock.now();
  while (!signal.aborted && (opts.cycles === 0 || n < opts.cycles)) {
    if (opts.gate) {
      const tick = await idleUntilOpen(opts, tickStart);
      if (tick === null) break;
      tickStart = tick;
    }
    n++;
    await opts.runCycle(n);
    if (signal.aborted || (opts.cycles !== 0 && n >= opts.cycles)) break;
    const interval = opts.intervalMs();
    if (interval <= 0) {
      await clock.sleep(0, signal);
      tickStart = clock.now();
      continue;
    }
    const now = clock.now();
    // A wall clock stepped back (NTP, a VM resumed, `date -s`) would otherwise make the next
    // boundary lie hours ahead: take the grid from now.
    if (now < tickStart) tickStart = now;
    // The next tick is the first interval boundary after the cycle's start; boundaries the
    // cycle ran past are skipped ticks.
    let next = Math.floor(tickStart / interval) * interval + interval;
    if (now >= next) {
      const missed = Math.floor((now - next) / interval) + 1;
      opts.onSkip?.(missed);
      next += missed * interval;
    }
    await clock.sleep(next - now, signal);
    if (signal.aborted) break;
    // A wake-up after its tick (a busy event loop): boundaries slept past are skipped, the
    // cycle that runs now is late.
    const woke = clock.now();
    if (woke - next >= interval) {
      const missed = Math.floor((woke - next) / interval);
      opts.onSkip?.(missed);
      next += missed * interval;
    }
    if (woke - next > lateToleranceMs(interval)) opts.onLate?.(woke - next);
    tickStart = next;
  }
  return n;
}

/**
 * Idles while the gate refuses: returns the tick that may run (`tick` itself when the gate lets
 * it), or null once aborted.
 */
async function idleUntilOpen(opts: SchedulerOptions, tick: number): Promise<number | null> {
  const { clock, signal, gate } = opts;
  let until = await gate!(tick);
  while (until !== null) {
    if (signal.aborted) return null;
    const interval = opts.intervalMs();
    const wake = gridCeil(until, interval);
    const now = clock.now();
    if (now < wake) await clock.sleep(Math.min(wake - now, IDLE_CHECK_MS), signal);
    if (signal.aborted) return null;
    const woke = clock.now();
    // Past the open but before its grid tick (a bounded sleep ended there): sleep on to the tick.
    if (woke >= until && woke < wake) continue;
    // On time (or a little late) for the wake-up tick: that tick; else now, whose snapshot the
    // clock floors to the grid.
    tick = woke >= wake && (interval <= 0 || woke - wake < interval) ? wake : woke;
    until = await gate!(tick);
  }
  return tick;
}
