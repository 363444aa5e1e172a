/**
 * The cycle scheduler: ticks aligned to multiples of the interval on the wall clock; the first
 * cycle runs at once. A cycle still running when a tick arrives makes that tick skip (counted),
 * never queued; a tick whose cycle starts late (the event loop was busy when its timer was due)
 * is counted late. With interval 0 cycles run back to back, yet the loop yields to the event loop
 * between cycles (a zero sleep), so signals, HTTP requests and redraws still run. Stops after
 * `cycles` cycles (0 = until aborted); an abort lets the running cycle finish.
 */

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
};

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
