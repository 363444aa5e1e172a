import { describe, expect, test } from "bun:test";
import { runScheduler } from "../../src/engine/scheduler.ts";
import { virtualClock } from "../helpers/clock.ts";


describe("scheduler", () => {
  test("runs exactly --cycles cycles at interval boundaries, first one at once", async () => {
    const v = virtualClock(1_000_250);
    const starts: number[] = [];
    const n = await runScheduler({
      intervalMs: () => 1000,
      cycles: 4,
      clock: v.clock,
      signal: new AbortController().signal,
      runCycle: async () => {
        starts.push(v.now());
        v.advance(100);
      },
    });
    expect(n).toBe(4);
    expect(starts).toEqual([1_000_250, 1_001_000, 1_002_000, 1_003_000]);
  });

  test("an overrunning cycle makes the next ticks skip, counted, never queued", async () => {
    const v = virtualClock(0);
    const starts: number[] = [];
    let skipped = 0;
    const durations = [2500, 100, 100];
    await runScheduler({
      intervalMs: () => 1000,
      cycles: 3,
      clock: v.clock,
      signal: new AbortController().signal,
      runCycle: async (i) => {
        starts.push(v.now());
        v.advance(durations[i - 1]!);
      },
      onSkip: (ticks) => (skipped += ticks),
    });
    // Cycle 1 ran 0–2500 ms: ticks at 1000 and 2000 are skipped; cycle 2 starts at 3000.
    expect(starts).toEqual([0, 3000, 4000]);
    expect(skipped).toBe(2);
  });

  test("interval 0 runs back to back; abort stops after the running cycle", async () => {
    const v = virtualClock(0);
    const controller = new AbortController();
    let ran = 0;
    const n = await runScheduler({
      intervalMs: () => 0,
      cycles: 0,
      clock: v.clock,
      signal: controller.signal,
      runCycle: async (i) => {
        ran++;
        if (i === 5) controller.abort();
      },
    });
    expect(n).toBe(5);
    expect(ran).toBe(5);
    // Each turn yields (a zero sleep) so signals and I/O run between back-to-back cycles.
    expect(v.sleeps).toEqual([0, 0, 0, 0]);
  });

  test("a wake-up after its tick (busy event loop) is counted late, and ticks slept past are skipped", async () => {
    const v = virtualClock(0);
    const starts: number[] = [];
    let skipped = 0;
    const late: number[] = [];
    // The timer for the tick at 1000 fires at 1300 (late), the one for 2000 at 4200 (two ticks slept past).
    const oversleep = [300, 2200, 0];
    let sleeps = 0;
    v.clock.sleep = async (ms) => {
      v.advance(ms + oversleep[sleeps++]!);
    };
    await runScheduler({
      intervalMs: () => 1000,
      cycles: 4,
      clock: v.clock,
      signal: new AbortController().signal,
      runCycle: async () => {
        starts.push(v.now());
        v.advance(10);
      },
      onSkip: (ticks) => (skipped += ticks),
      onLate: (ms) => late.push(ms),
    });
    expect(starts).toEqual([0, 1300, 4200, 5000]);
    expect(late).toEqual([300, 200]);
    expect(skipped).toBe(2);
  });

  test("a wall clock stepped back an hour never makes the wait longer than one interval", async () => {
    const v = virtualClock(0);
    const starts: number[] = [];
    await runScheduler({
      intervalMs: () => 60_000,
      cycles: 3,
      clock: v.clock,
      signal: new AbortController().signal,
      runCycle: async (i) => {
        starts.push(v.now());
        v.advance(100);
        if (i === 2) v.advance(-3_600_000);
      },
    });
    expect(v.sleeps[1]!).toBeLessThanOrEqual(60_000);
    expect(starts).toEqual([0, 60_000, -3_480_000]);
  });

  test("on the real clock, back-to-back cycles let timers and signals run between cycles", async () => {
    const controller = new AbortController();
    // A timer due in 20 ms must fire while synchronous cycles run back to back.
    setTimeout(() => controller.abort(), 20);
    const { systemClock } = await import("../../src/engine/scheduler.ts");
    const n = await runScheduler({
      intervalMs: () => 0,
      cycles: 1_000_000,
      clock: systemClock,
      signal: controller.signal,
      runCycle: async () => {
        const until = performance.now() + 0.2;
        while (performance.now() < until);
      },
    });
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(1_000_000);
  });
});
