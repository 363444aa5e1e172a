import { describe, expect, test } from "bun:test";
import { createMarketCalendar, istEpoch } from "../../src/market/index.ts";

const cal = createMarketCalendar({ holidays: ["2026-01-26"] });
const at = istEpoch;

describe("trading days", () => {
  test("weekends and holidays", () => {
    expect(cal.isTradingDay("2026-01-23")).toBe(true);
    expect(cal.isTradingDay("2026-01-24")).toBe(false);
    expect(cal.isTradingDay("2026-01-25")).toBe(false);
    expect(cal.isTradingDay("2026-01-26")).toBe(false);
    expect(cal.isTradingDay("2026-01-27")).toBe(true);
  });

  test("stepping over weekends and a holiday", () => {
    expect(cal.previousTradingDay("2026-01-27")).toBe("2026-01-23");
    expect(cal.previousTradingDay("2026-01-23")).toBe("2026-01-22");
    expect(cal.nextTradingDay("2026-01-23")).toBe("2026-01-27");
    expect(cal.nextTradingDay("2026-01-24")).toBe("2026-01-27");
    expect(cal.tradingDayOnOrBefore("2026-01-26")).toBe("2026-01-23");
    expect(cal.tradingDayOnOrBefore("2026-01-27")).toBe("2026-01-27");
  });

  test("invalid holidays and session times are rejected", () => {
    expect(() => createMarketCalendar({ holidays: ["2026-01-26", "2026-02-30"] })).toThrow(/2026-02-30/);
    expect(() => createMarketCalendar({ holidays: ["26-01-2026"] })).toThrow(/26-01-2026/);
    expect(() => createMarketCalendar({ holidays: [], open: "15:30", close: "09:15" })).toThrow(/15:30/);
    expect(() => createMarketCalendar({ holidays: [], open: "9am" })).toThrow(/9am/);
  });
});

describe("session window", () => {
  test("isOpen at the edges", () => {
    expect(cal.isOpen(at("2026-01-27", "09:14:59"))).toBe(false);
    expect(cal.isOpen(at("2026-01-27", "09:15:00"))).toBe(true);
    expect(cal.isOpen(at("2026-01-27", "15:29:59"))).toBe(true);
    expect(cal.isOpen(at("2026-01-27", "15:30:00"))).toBe(false);
    expect(cal.isOpen(at("2026-01-27", "09:15") - 1)).toBe(false);
    expect(cal.isOpen(at("2026-01-26", "10:00"))).toBe(false);
    expect(cal.isOpen(at("2026-01-24", "10:00"))).toBe(false);
  });

  test("session open and close instants", () => {
    expect(cal.sessionOpen("2026-01-27")).toBe(Date.parse("2026-01-27T03:45:00Z"));
    expect(cal.sessionClose("2026-01-27")).toBe(Date.parse("2026-01-27T10:00:00Z"));
    const custom = createMarketCalendar({ holidays: [], open: "09:00", close: "15:00" });
    expect(custom.sessionOpen("2026-01-27")).toBe(Date.parse("2026-01-27T03:30:00Z"));
    expect(custom.isOpen(at("2026-01-27", "15:10"))).toBe(false);
    expect(custom.open).toBe("09:00");
  });

  test("nextOpen", () => {
    expect(cal.nextOpen(at("2026-01-27", "08:00"))).toBe(at("2026-01-27", "09:15"));
    expect(cal.nextOpen(at("2026-01-27", "09:15"))).toBe(at("2026-01-28", "09:15"));
    expect(cal.nextOpen(at("2026-01-27", "12:00"))).toBe(at("2026-01-28", "09:15"));
    expect(cal.nextOpen(at("2026-01-23", "15:30"))).toBe(at("2026-01-27", "09:15"));
    expect(cal.nextOpen(at("2026-01-24", "11:00"))).toBe(at("2026-01-27", "09:15"));
    expect(cal.nextOpen(at("2026-01-26", "08:00"))).toBe(at("2026-01-27", "09:15"));
    expect(cal.nextOpen(at("2026-01-30", "16:00"))).toBe(at("2026-02-02", "09:15"));
  });

  test("sessionDate", () => {
    expect(cal.sessionDate(at("2026-02-02", "08:00"))).toBe("2026-01-30");
    expect(cal.sessionDate(at("2026-02-02", "09:15"))).toBe("2026-02-02");
    expect(cal.sessionDate(at("2026-02-02", "10:00"))).toBe("2026-02-02");
    expect(cal.sessionDate(at("2026-01-31", "12:00"))).toBe("2026-01-30");
    expect(cal.sessionDate(at("2026-02-02", "18:00"))).toBe("2026-02-02");
    expect(cal.sessionDate(at("2026-01-27", "08:00"))).toBe("2026-01-23");
    expect(cal.sessionDate(at("2026-01-26", "11:00"))).toBe("2026-01-23");
    expect(cal.sessionDate(at("2026-02-02", "00:00"))).toBe("2026-01-30");
  });
});
