/** The cycle plan: strike ladders and legs per index and expiry from spot and listed expiries. */
import { describe, expect, test } from "bun:test";
import { listedLadder, planCycle } from "../../src/engine/plan.ts";
import { istEpoch } from "../../src/market/ist.ts";
import { testConfig } from "../helpers/engine.ts";
import type { SpotQuote } from "../../src/contracts/index.ts";

/** Friday 2026-11-20, 10:00 IST. */
const AT = istEpoch("2026-11-20", "10:00:00");
const TODAY = "2026-11-20";
const spot = (index: string, last: number): SpotQuote => ({ index, last, open: last - 10, high: last + 20, low: last - 30, prevClose: last - 5, time: AT });
const NIFTY_LISTED = ["2026-11-17", "2026-11-24", "2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22", "2026-12-29"];

const config = testConfig({
  indices: {
    NIFTY: { strikes_below: 2, strikes_above: 3, expiries: ["this_week", "next_week", "this_month", "next_month"] },
    BANKNIFTY: { strikes_below: 1, strikes_above: 1, expiries: ["this_month", "2026-12-30"] },
    FINNIFTY: { enabled: false },
    MIDCPNIFTY: { strikes_below: 1, strikes_above: 1 },
    SENSEX: { strikes_below: 1, strikes_above: 1 },
  },
});

describe("planCycle (ladder mode)", () => {
  const plan = planCycle({
    config,
    at: AT,
    today: TODAY,
    spots: new Map([
      ["NIFTY", spot("NIFTY", 24_012.4)],
      ["BANKNIFTY", spot("BANKNIFTY", 52_049.99)],
      ["MIDCPNIFTY", spot("MIDCPNIFTY", 12_000)],
    ]),
    listed: new Map([
      ["NIFTY", NIFTY_LISTED],
      ["BANKNIFTY", ["2026-11-24", "2026-12-29"]],
      ["SENSEX", ["2026-11-26"]],
    ]),
  });

  test("each resolved selector is a group on the ATM ladder of its index", () => {
    expect(plan.groups.map((g) => [g.index, g.tag, g.expiry, g.atm, Array.from(g.strikes)])).toEqual([
      ["NIFTY", "this_week", "2026-11-24", 24_000, [23_900, 23_950, 24_000, 24_050, 24_100, 24_150]],
      ["NIFTY", "next_week", "2026-12-01", 24_000, [23_900, 23_950, 24_000, 24_050, 24_100, 24_150]],
      ["NIFTY", "this_month", "2026-11-24", 24_000, [23_900, 23_950, 24_000, 24_050, 24_100, 24_150]],
      ["NIFTY", "next_month", "2026-12-29", 24_000, [23_900, 23_950, 24_000, 24_050, 24_100, 24_150]],
      ["BANKNIFTY", "this_month", "2026-11-24", 52_000, [51_900, 52_000, 52_100]],
    ]);
    // Legs: a CE and a PE per strike.
    expect(plan.groups.reduce((a, g) => a + 2 * g.strikes.length, 0)).toBe(4 * 12 + 6);
  });

  test("time to expiry runs to the close of the expiry day; the discount factor follows the configured rate", () => {
    const g = plan.groups[0]!;
    // 2026-11-20 10:00 to 2026-11-24 15:30 IST: 4 days 5.5 hours.
    expect(g.T).toBeCloseTo((4 * 24 + 5.5) / 24 / 365, 12);
    expect(g.df).toBeCloseTo(Math.exp(-0.065 * g.T), 12);
    expect(g.spot).toBe(24_012.4);
  });

  test("a selector that matches no listed expiry is named unresolved, never replaced", () => {
    const bank = plan.indices.find((p) => p.index === "BANKNIFTY")!;
    expect(bank).toMatchObject({ atm: 52_000, spot: 52_049.99, prevClose: 52_044.99, selectors: ["this_month", "2026-12-30"], unresolved: ["2026-12-30"] });
    expect(bank.error).toBeUndefined();
    expect(plan.indices.find((p) => p.index === "NIFTY")!.unresolved).toEqual([]);
  });

  test("an index without a spot quote or without a listing has no groups and says why", () => {
    expect(plan.indices.map((p) => p.index)).toEqual(["NIFTY", "BANKNIFTY", "MIDCPNIFTY", "SENSEX"]);
    const midcp = plan.indices.find((p) => p.index === "MIDCPNIFTY")!;
    const sensex = plan.indices.find((p) => p.index === "SENSEX")!;
    expect(midcp).toMatchObject({ error: "no expiry listing", unresolved: ["this_month", "next_month"] });
    expect(midcp.atm).toBeNaN();
    expect(sensex).toMatchObject({ error: "no spot quote", unresolved: [] });
    expect(sensex.spot).toBeNaN();
    expect(plan.groups.some((g) => g.index === "MIDCPNIFTY" || g.index === "SENSEX")).toBe(false);
  });

  test("a spot of zero is no quote", () => {
    const p = planCycle({ config, at: AT, today: TODAY, spots: new Map([["NIFTY", spot("NIFTY", 0)]]), listed: new Map([["NIFTY", NIFTY_LISTED]]) });
    expect(p.indices.find((i) => i.index === "NIFTY")!.error).toBe("no spot quote");
    expect(p.groups).toEqual([]);
  });
});

describe("planCycle (universe mode)", () => {
  const universe = testConfig({ collection_mode: "universe", indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } } });

  test("every listed expiry from today on, with its listed strikes; an expiry without a strike list is unresolved", () => {
    const p = planCycle({
      config: universe,
      at: AT,
      today: TODAY,
      spots: new Map([["NIFTY", spot("NIFTY", 24_012.4)]]),
      listed: new Map([["NIFTY", ["2026-11-17", "2026-11-24", "2026-12-01"]]]),
      listedStrikes: new Map([["NIFTY|2026-11-24", Float64Array.from([23_000, 24_000, 25_000])]]),
    });
    expect(p.groups.map((g) => [g.tag, g.expiry, Array.from(g.strikes)])).toEqual([["2026-11-24", "2026-11-24", [23_000, 24_000, 25_000]]]);
    expect(p.indices[0]).toMatchObject({ selectors: ["2026-11-24", "2026-12-01"], unresolved: ["2026-12-01"], atm: 24_000 });
  });
});

describe("a ladder cut from the listed strikes (ladderFromListing)", () => {
  test("listedLadder: the listed strike nearest spot is ATM, then the listed neighbours, clipped at the edges", () => {
    const listed = Float64Array.from([23_800, 23_900, 23_950, 24_000, 24_050, 24_100, 24_200]);
    expect(listedLadder(listed, 24_012.4, 2, 3)).toEqual({ atm: 24_000, strikes: Float64Array.from([23_900, 23_950, 24_000, 24_050, 24_100, 24_200]) });
    // A tie goes to the higher strike (as atmStrike rounds halves up); near the edge the ladder is clipped.
    expect(listedLadder(listed, 24_025, 1, 5)).toEqual({ atm: 24_050, strikes: Float64Array.from([24_000, 24_050, 24_100, 24_200]) });
  });

  test("each expiry's ladder comes from its own listing; no strike that is not listed; an expiry without a listing is unresolved", () => {
    // Weekly 2026-11-24 lists steps of 50 near ATM, 100 further out; the monthly 2026-12-29 lists steps of 100 only.
    const weekly = Float64Array.from([23_700, 23_800, 23_900, 23_950, 24_000, 24_050, 24_100, 24_200, 24_300]);
    const monthly = Float64Array.from([23_700, 23_800, 23_900, 24_000, 24_100, 24_200, 24_300]);
    const plan = planCycle({
      config,
      at: AT,
      today: TODAY,
      spots: new Map([["NIFTY", spot("NIFTY", 24_012.4)]]),
      listed: new Map([["NIFTY", NIFTY_LISTED]]),
      listedStrikes: new Map([
        ["NIFTY|2026-11-24", weekly],
        ["NIFTY|2026-12-29", monthly],
      ]),
      ladderFromListing: true,
    });
    const nifty = plan.groups.filter((g) => g.index === "NIFTY");
    expect(nifty.map((g) => [g.tag, g.expiry, g.atm, Array.from(g.strikes)])).toEqual([
      ["this_week", "2026-11-24", 24_000, [23_900, 23_950, 24_000, 24_050, 24_100, 24_200]],
      ["this_month", "2026-11-24", 24_000, [23_900, 23_950, 24_000, 24_050, 24_100, 24_200]],
      ["next_month", "2026-12-29", 24_000, [23_800, 23_900, 24_000, 24_100, 24_200, 24_300]],
    ]);
    expect(plan.indices.find((p) => p.index === "NIFTY")).toMatchObject({ atm: 24_000, unresolved: ["next_week"] });
  });
});
