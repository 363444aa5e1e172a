/**
 * The wall snapshot clock: a cycle's instant is the wall time floored to the interval grid
 * (the scheduler's epoch-aligned grid), so rows land on the same HH:MM:SS every day whatever
 * the start time or a late wake-up; interval 0 keeps the wall time to the millisecond. The
 * simulator with `provider.sim.clock: "wall"` returns it and follows the real market hours.
 */
import { describe, expect, test } from "bun:test";
import { createComputePort } from "../../src/engine/compute.ts";
import { createExchangeCalendars, formatIsoIst, istEpoch } from "../../src/market/index.ts";
import { createWallClock, gridCeil, gridFloor } from "../../src/providers/wall-clock.ts";
import { simProviderFactory } from "../../src/providers/sim/factory.ts";
import { testConfig } from "../helpers/engine.ts";

const at = (time: string) => istEpoch("2026-11-25", time);

/** The instants a wall clock gives at wall times `walls` (epoch ms), interval in seconds; milliseconds shown when not 0. */
function instants(intervalSeconds: number, walls: number[]): string[] {
  let wall = 0;
  const clock = createWallClock({ now: () => wall, intervalMs: () => intervalSeconds * 1000 });
  return walls.map((w) => {
    wall = w;
    const t = clock.next();
    return formatIsoIst(t) + (t % 1000 ? ` +${t % 1000}ms` : "");
  });
}

describe("wall snapshot clock", () => {
  test("interval 30: a late start and late wake-ups land on :00 and :30", () => {
    expect(instants(30, [at("09:17:12"), at("09:17:30") + 850, at("09:18:00") + 29_999, at("09:20:30")])).toEqual([
      "2026-11-25T09:17:00+05:30",
      "2026-11-25T09:17:30+05:30",
      "2026-11-25T09:18:00+05:30",
      "2026-11-25T09:20:30+05:30",
    ]);
  });

  test("interval 60 and 1: whole minutes and whole seconds", () => {
    expect(instants(60, [at("09:15:00"), at("09:16:59") + 999, at("15:30:00") + 400])).toEqual(["2026-11-25T09:15:00+05:30", "2026-11-25T09:16:00+05:30", "2026-11-25T15:30:00+05:30"]);
    expect(instants(1, [at("09:15:00") + 1, at("09:15:01") + 999])).toEqual(["2026-11-25T09:15:00+05:30", "2026-11-25T09:15:01+05:30"]);
  });

  test("interval 0: the wall time itself, to the millisecond", () => {
    expect(instants(0, [at("09:15:00") + 123, at("09:15:00") + 124])).toEqual(["2026-11-25T09:15:00+05:30 +123ms", "2026-11-25T09:15:00+05:30 +124ms"]);
  });

  test("the grid is the same every day: IST midnight and 09:15 are grid points for intervals dividing 1 800 s", () => {
    for (const s of [1, 5, 30, 45, 60, 300, 900]) {
      for (const day of ["2026-11-25", "2026-11-26", "2027-03-01"]) {
        expect(gridFloor(istEpoch(day, "00:00"), s * 1000)).toBe(istEpoch(day, "00:00"));
        expect(gridFloor(istEpoch(day, "09:15"), s * 1000)).toBe(istEpoch(day, "09:15"));
      }
    }
    expect(gridCeil(at("09:15:00") + 1, 30_000)).toBe(at("09:15:30"));
    expect(gridCeil(at("09:15:00") + 1, 0)).toBe(at("09:15:00") + 1);
  });

  test("a reloaded interval applies from the next instant", () => {
    let interval = 30_000;
    const clock = createWallClock({ now: () => at("09:15:45"), intervalMs: () => interval });
    expect(clock.next()).toBe(at("09:15:30"));
    interval = 60_000;
    expect(clock.next()).toBe(at("09:15:00"));
  });
});

describe("sim factory clock setting", () => {
  const make = (clock?: string) => {
    const config = testConfig({ interval: 30, pool: { size: 0 }, provider: { sim: clock ? { clock } : {} } });
    const calendars = createExchangeCalendars(config.market);
    const wall = istEpoch("2026-11-21", "10:00:07");
    return simProviderFactory.create({ config, calendar: calendars.NSE, calendars, compute: createComputePort(null, { minShardLegs: 1 }), now: () => wall, intervalMs: () => 30_000 });
  };

  test('"wall": the wall clock on the grid and the real market hours', () => {
    const made = make("wall");
    expect(made.market).toBe("wall");
    expect(formatIsoIst(made.snapshotClock.next()!)).toBe("2026-11-21T10:00:00+05:30");
    expect(made.snapshotClock.startsAt).toBe(istEpoch("2026-11-21", "10:00"));
  });

  test('default "session": its own session clock (Saturday → the last session\'s open), never gated', () => {
    const made = make();
    expect(made.market).toBe("own");
    expect(formatIsoIst(made.snapshotClock.next()!)).toBe("2026-11-20T09:15:00+05:30");
  });
});
