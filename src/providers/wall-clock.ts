/**
 * The wall snapshot clock, for any live provider's factory to return: a cycle's snapshot
 * instant is its scheduled tick, the wall time floored to the interval grid, so live rows land
 * on the same HH:MM:SS grid every day (09:15:00, 09:15:30, … for interval 30) whatever the
 * actual start time or a late wake-up.
 *
 * The grid is the scheduler's (src/engine/scheduler.ts): multiples of the interval since the
 * Unix epoch. IST is UTC+05:30 (19 800 s), so for an interval dividing 1 800 s (1–6, 8–10, 12,
 * 15, 18, 20, 24, 25, 30, 36, 40, 45, 50, 60, 72, 75, 90, 100, 120, 150, 180, 200, 225, 300, 360,
 * 450, 600, 900, 1800 s) the grid is the same counted from IST midnight, and 09:15:00 is a tick
 * when the interval divides 2 700 s (so 30 and 60 both start the day at 09:15:00). An interval
 * that does not divide a day (e.g. 7 s) still gives an exact, reproducible grid, but its
 * HH:MM:SS points shift from one day to the next; the first cycle of a session is then the first
 * grid point after the open.
 *
 * Interval 0 (back to back) has no grid: the instant is the wall time to the millisecond (the
 * CSV renders it to the second; two snapshots in one second are the CSV sink's duplicates).
 */
import type { SnapshotClock } from "./registry.ts";

/** The grid point at or before `epochMs` for `intervalMs` (> 0), else `epochMs` itself. */
export function gridFloor(epochMs: number, intervalMs: number): number {
  return intervalMs > 0 ? Math.floor(epochMs / intervalMs) * intervalMs : epochMs;
}

/** The grid point at or after `epochMs` for `intervalMs` (> 0), else `epochMs` itself. */
export function gridCeil(epochMs: number, intervalMs: number): number {
  return intervalMs > 0 ? Math.ceil(epochMs / intervalMs) * intervalMs : epochMs;
}

/**
 * A snapshot clock on the wall time: each `next()` is the current wall time floored to the
 * interval grid. `intervalMs` is read at every call, so a reloaded interval applies from the
 * next cycle.
 */
export function createWallClock(opts: { now: () => number; intervalMs: () => number }): Omit<SnapshotClock, "next"> & { next(): number } {
  return {
    startsAt: gridFloor(opts.now(), opts.intervalMs()),
    next: () => gridFloor(opts.now(), opts.intervalMs()),
  };
}
