/**
 * The cycle scheduler: ticks aligned to multiples of the interval on the wall clock; the first
 * cycle runs at once. A cycle still running when a tick arrives makes that tick skip (counted),
 * never queued. With interval 0 cycles run back to back. Stops after `cycles` cycles (0 = until
 * aborted); an abort lets the running cycle finish.
 */

export type SchedulerClock = {
  /** Wall-clock epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
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
  /** Called with the number of ticks skipped because a cycle overran. */
  onSkip?: (ticks: number) => void;
};

/** A clock on the real wall time. */
export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
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
  while (!signal.aborted && (opts.cycles === 0 || n < opts.cycles)) {
    const tickStart = clock.now();
    n++;
    await opts.runCycle(n);
    if (signal.aborted || (opts.cycles !== 0 && n >= opts.cycles)) break;
    const interval = opts.intervalMs();
    if (interval <= 0) continue;
    const now = clock.now();
    // The next tick is the first interval boundary after the cycle's start; boundaries the
    // cycle ran past are skipped ticks.
    let next = Math.floor(tickStart / interval) * interval + interval;
    if (now >= next) {
      const missed = Math.floor((now - next) / interval) + 1;
      opts.onSkip?.(missed);
      next += missed * interval;
    }
    await clock.sleep(next - now, signal);
  }
  return n;
}
