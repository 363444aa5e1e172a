/** A virtual scheduler clock for tests: a sleep advances time at once (yielding a microtask), waking `lateMs` late; sleeps are recorded. */
import type { SchedulerClock } from "../../src/engine/scheduler.ts";

export function virtualClock(start: number, lateMs = 0) {
  let t = start;
  const sleeps: number[] = [];
  const clock: SchedulerClock = {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      await Promise.resolve();
      t += Math.max(0, ms) + lateMs;
    },
  };
  return { clock, sleeps, advance: (ms: number) => (t += ms), now: () => t };
}
