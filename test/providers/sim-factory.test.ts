/**
 * The simulator's factory: its snapshot clock starts where `provider.sim.start` says and
 * steps by `provider.sim.step_seconds` (else the interval, else 60 s), rolling past the close
 * to the next session's open, exactly as the session clock it wraps.
 */
import { describe, expect, test } from "bun:test";
import { createComputePort } from "../../src/engine/compute.ts";
import { createExchangeCalendars, istEpoch } from "../../src/market/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { simProviderFactory } from "../../src/providers/sim/factory.ts";
import { testConfig } from "../helpers/engine.ts";

const WALL = istEpoch("2026-11-25", "12:00");

function firstThree(raw: Record<string, unknown>): { startsAt: number; instants: number[]; name: string } {
  const config = testConfig({ pool: { size: 0 }, ...raw });
  const calendars = createExchangeCalendars(config.market);
  const made = simProviderFactory.create({ config, calendar: calendars.NSE, calendars, compute: createComputePort(null, { minShardLegs: 1 }), now: () => WALL, intervalMs: () => config.interval * 1000 });
  // The session clock never runs out (null is a replay's end).
  const instants = [made.snapshotClock.next()!, made.snapshotClock.next()!, made.snapshotClock.next()!];
  return { startsAt: made.snapshotClock.startsAt, instants, name: made.provider.name };
}

describe("sim provider factory", () => {
  test("start and step from provider.sim: 10:00, 10:01:30, 10:03 IST", () => {
    const got = firstThree({ provider: { sim: { start: "2026-11-20T10:00", step_seconds: 90 } } });
    expect(got.name).toBe("sim");
    expect(got.instants).toEqual([istEpoch("2026-11-20", "10:00"), istEpoch("2026-11-20", "10:01:30"), istEpoch("2026-11-20", "10:03")]);
    expect(got.startsAt).toBe(got.instants[0]!);
  });

  test("no step: the interval, and 60 s when the interval is 0", () => {
    const every30 = firstThree({ interval: 30, provider: { sim: { start: "2026-11-20T10:00" } } });
    expect(every30.instants).toEqual([istEpoch("2026-11-20", "10:00"), istEpoch("2026-11-20", "10:00:30"), istEpoch("2026-11-20", "10:01")]);
    const asFast = firstThree({ interval: 0, provider: { sim: { start: "2026-11-20T10:00" } } });
    expect(asFast.instants).toEqual([istEpoch("2026-11-20", "10:00"), istEpoch("2026-11-20", "10:01"), istEpoch("2026-11-20", "10:02")]);
  });

  test("a start before the open begins at 09:15; a date alone is its open; the close rolls to the next trading day (Fri → Mon)", () => {
    const early = firstThree({ interval: 60, provider: { sim: { start: "2026-11-20T08:00" } } });
    expect(early.startsAt).toBe(istEpoch("2026-11-20", "09:15"));
    expect(early.instants[0]).toBe(istEpoch("2026-11-20", "09:15"));
    const dateOnly = firstThree({ interval: 60, provider: { sim: { start: "2026-11-20" } } });
    expect(dateOnly.instants).toEqual([istEpoch("2026-11-20", "09:15"), istEpoch("2026-11-20", "09:16"), istEpoch("2026-11-20", "09:17")]);
    const late = firstThree({ interval: 60, provider: { sim: { start: "2026-11-20T15:28" } } });
    expect(late.instants).toEqual([istEpoch("2026-11-20", "15:28"), istEpoch("2026-11-20", "15:29"), istEpoch("2026-11-23", "09:15")]);
  });

  test("the same instants as the session clock built directly (the wiring it replaces)", () => {
    const config = testConfig({ pool: { size: 0 }, interval: 60, provider: { sim: { start: null } } });
    const calendars = createExchangeCalendars(config.market);
    const direct = createSimClock(calendars.NSE, simStart(calendars.NSE, null, WALL), 60_000);
    const got = firstThree({ interval: 60, provider: { sim: { start: null } } });
    expect(got.instants).toEqual([direct.next(), direct.next(), direct.next()]);
    // 2026-11-25 (a Wednesday) at noon: the session of that day, from its open.
    expect(got.instants[0]).toBe(istEpoch("2026-11-25", "09:15"));
  });
});
