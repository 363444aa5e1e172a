import { describe, expect, test } from "bun:test";
import {
  createMarketCalendar,
  DEFAULT_EXPIRY_RULES,
  EXPIRY_TAG_BITS,
  EXPIRY_TAGS,
  generateExpiries,
  isExpiryTag,
  istEpoch,
  monthlyExpiries,
  resolveExpiry,
  timeToExpiryYears,
} from "../../src/market/index.ts";

const plain = createMarketCalendar({ holidays: [] });
const NIFTY = DEFAULT_EXPIRY_RULES.NIFTY;
const SENSEX = DEFAULT_EXPIRY_RULES.SENSEX;
const BANKNIFTY = DEFAULT_EXPIRY_RULES.BANKNIFTY;

describe("generateExpiries", () => {
  test("NIFTY weekly Tuesdays across a month end, plus monthlies", () => {
    expect(generateExpiries(NIFTY, plain, "2026-11-20", { weeks: 4, months: 3 })).toEqual([
      "2026-11-24",
      "2026-12-01",
      "2026-12-08",
      "2026-12-15",
      "2026-12-29",
      "2027-01-26",
    ]);
  });

  test("an expiry on fromDate itself is listed", () => {
    expect(generateExpiries(NIFTY, plain, "2026-11-24", { weeks: 2, months: 2 })).toEqual([
      "2026-11-24",
      "2026-12-01",
      "2026-12-29",
    ]);
  });

  test("the day after the monthly expiry: the current month no longer counts", () => {
    expect(generateExpiries(NIFTY, plain, "2026-11-25", { weeks: 2, months: 2 })).toEqual([
      "2026-12-01",
      "2026-12-08",
      "2026-12-29",
      "2027-01-26",
    ]);
  });

  test("a Tuesday holiday rolls to Monday", () => {
    const cal = createMarketCalendar({ holidays: ["2026-03-31"] });
    expect(generateExpiries(NIFTY, cal, "2026-03-20", { weeks: 3, months: 2 })).toEqual([
      "2026-03-24",
      "2026-03-30",
      "2026-04-07",
      "2026-04-28",
    ]);
  });

  test("Tuesday and Monday holidays roll to the Friday before", () => {
    const cal = createMarketCalendar({ holidays: ["2026-03-30", "2026-03-31"] });
    expect(generateExpiries(NIFTY, cal, "2026-03-25", { weeks: 2, months: 1 })).toEqual(["2026-03-27", "2026-04-07"]);
  });

  test("an expiry rolled to before fromDate has passed and is not counted", () => {
    const cal = createMarketCalendar({ holidays: ["2026-03-30", "2026-03-31"] });
    expect(generateExpiries(NIFTY, cal, "2026-03-28", { weeks: 2, months: 1 })).toEqual([
      "2026-04-07",
      "2026-04-14",
      "2026-04-28",
    ]);
  });

  test("monthly-only indices list only last Tuesdays", () => {
    expect(generateExpiries(BANKNIFTY, plain, "2026-11-25", { weeks: 4, months: 3 })).toEqual([
      "2026-12-29",
      "2027-01-26",
      "2027-02-23",
    ]);
    const withRepublicDay = createMarketCalendar({ holidays: ["2027-01-26"] });
    expect(generateExpiries(BANKNIFTY, withRepublicDay, "2026-11-24", { weeks: 4, months: 3 })).toEqual([
      "2026-11-24",
      "2026-12-29",
      "2027-01-25",
    ]);
  });

  test("SENSEX weekly Thursdays", () => {
    expect(generateExpiries(SENSEX, plain, "2026-11-24", { weeks: 3, months: 2 })).toEqual([
      "2026-11-26",
      "2026-12-03",
      "2026-12-10",
      "2026-12-31",
    ]);
  });

  test("bad arguments are rejected", () => {
    expect(() => generateExpiries({ weekday: 7, weekly: true }, plain, "2026-11-24", { weeks: 1, months: 1 })).toThrow(
      /weekday 7/,
    );
    expect(() => generateExpiries(NIFTY, plain, "2026-11-24", { weeks: -1, months: 1 })).toThrow(/weeks -1/);
    expect(() => generateExpiries(NIFTY, plain, "2026-11-31", { weeks: 1, months: 1 })).toThrow(/2026-11-31/);
  });
});

describe("monthlyExpiries", () => {
  test("last listed expiry of each month", () => {
    expect(monthlyExpiries(["2026-11-24", "2026-12-01", "2026-12-08", "2026-12-29", "2027-01-26"])).toEqual([
      "2026-11-24",
      "2026-12-29",
      "2027-01-26",
    ]);
  });

  test("a last Tuesday holiday rolled to Monday is still the month's expiry", () => {
    const cal = createMarketCalendar({ holidays: ["2026-03-31"] });
    const listed = generateExpiries(NIFTY, cal, "2026-03-20", { weeks: 3, months: 2 });
    expect(monthlyExpiries(listed)).toEqual(["2026-03-30", "2026-04-28"]);
  });
});

describe("resolveExpiry", () => {
  const onExpiryDay = generateExpiries(NIFTY, plain, "2026-11-24", { weeks: 4, months: 3 });
  const dayAfter = generateExpiries(NIFTY, plain, "2026-11-25", { weeks: 4, months: 3 });

  test("on expiry day this_week is today", () => {
    expect(resolveExpiry("this_week", onExpiryDay, "2026-11-24")).toBe("2026-11-24");
    expect(resolveExpiry("next_week", onExpiryDay, "2026-11-24")).toBe("2026-12-01");
    expect(resolveExpiry("this_month", onExpiryDay, "2026-11-24")).toBe("2026-11-24");
    expect(resolveExpiry("next_month", onExpiryDay, "2026-11-24")).toBe("2026-12-29");
  });

  test("the day after an expiry", () => {
    expect(resolveExpiry("this_week", dayAfter, "2026-11-25")).toBe("2026-12-01");
    expect(resolveExpiry("next_week", dayAfter, "2026-11-25")).toBe("2026-12-08");
    expect(resolveExpiry("this_month", dayAfter, "2026-11-25")).toBe("2026-12-29");
    expect(resolveExpiry("next_month", dayAfter, "2026-11-25")).toBe("2027-01-26");
  });

  test("at month end after the month's expiry, this_month is next month's", () => {
    expect(resolveExpiry("this_month", onExpiryDay, "2026-11-30")).toBe("2026-12-29");
    expect(resolveExpiry("next_month", onExpiryDay, "2026-11-30")).toBe("2027-01-26");
    expect(resolveExpiry("this_week", onExpiryDay, "2026-11-30")).toBe("2026-12-01");
  });

  test("monthly-only listing: weekly tags fall on the monthly expiries", () => {
    const listed = generateExpiries(BANKNIFTY, plain, "2026-11-25", { weeks: 4, months: 2 });
    expect(resolveExpiry("this_week", listed, "2026-11-25")).toBe("2026-12-29");
    expect(resolveExpiry("this_month", listed, "2026-11-25")).toBe("2026-12-29");
    expect(resolveExpiry("next_month", listed, "2026-11-25")).toBe("2027-01-26");
  });

  test("explicit dates only when listed and not past", () => {
    expect(resolveExpiry("2026-12-08", dayAfter, "2026-11-25")).toBe("2026-12-08");
    expect(resolveExpiry("2026-12-09", dayAfter, "2026-11-25")).toBeUndefined();
    expect(resolveExpiry("2026-11-24", onExpiryDay, "2026-11-25")).toBeUndefined();
    expect(resolveExpiry("2026-02-30", dayAfter, "2026-11-25")).toBeUndefined();
    expect(resolveExpiry("weekly", dayAfter, "2026-11-25")).toBeUndefined();
  });

  test("never invents an expiry", () => {
    expect(resolveExpiry("this_week", [], "2026-11-25")).toBeUndefined();
    expect(resolveExpiry("next_week", ["2026-12-01"], "2026-11-25")).toBeUndefined();
    expect(resolveExpiry("next_month", ["2026-12-01", "2026-12-08"], "2026-11-25")).toBeUndefined();
  });
});

describe("tags", () => {
  test("tag list, bits and guard", () => {
    expect([...EXPIRY_TAGS]).toEqual(["this_week", "next_week", "this_month", "next_month"]);
    expect(EXPIRY_TAG_BITS).toEqual({ this_week: 1, next_week: 2, this_month: 4, next_month: 8 });
    expect(isExpiryTag("this_month")).toBe(true);
    expect(isExpiryTag("2026-11-24")).toBe(false);
    expect(isExpiryTag("THIS_WEEK")).toBe(false);
  });
});

describe("timeToExpiryYears", () => {
  const HOUR_YEARS = 1 / (365 * 24);

  test("from the open on expiry day: 6.25 hours", () => {
    expect(timeToExpiryYears(istEpoch("2026-11-24", "09:15"), "2026-11-24")).toBeCloseTo(6.25 * HOUR_YEARS, 15);
  });

  test("one day earlier adds exactly one day", () => {
    expect(timeToExpiryYears(istEpoch("2026-11-23", "09:15"), "2026-11-24")).toBeCloseTo(30.25 * HOUR_YEARS, 15);
    expect(timeToExpiryYears(istEpoch("2026-11-23", "15:30"), "2026-11-24")).toBeCloseTo(1 / 365, 15);
  });

  test("expiry is 15:30 IST, not UTC", () => {
    expect(timeToExpiryYears(Date.parse("2026-11-24T10:00:00Z"), "2026-11-24")).toBe(0);
  });

  test("negative after expiry", () => {
    expect(timeToExpiryYears(istEpoch("2026-11-24", "16:00"), "2026-11-24")).toBeCloseTo(-0.5 * HOUR_YEARS, 15);
  });

  test("a configured close moves the expiry instant", () => {
    expect(timeToExpiryYears(istEpoch("2026-11-24", "09:15"), "2026-11-24", "15:15")).toBeCloseTo(6 * HOUR_YEARS, 15);
  });
});
