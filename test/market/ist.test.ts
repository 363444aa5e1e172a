import { describe, expect, test } from "bun:test";
import {
  dateOfDay,
  dayNumber,
  formatG6Timestamp,
  formatIsoIst,
  IST_OFFSET_MS,
  istDate,
  istEpoch,
  istParts,
  isValidIsoDate,
  parseG6Timestamp,
} from "../../src/market/index.ts";

const utc = (s: string) => Date.parse(s);

describe("IST conversions", () => {
  test("offset is +05:30", () => {
    expect(IST_OFFSET_MS).toBe(5.5 * 3600 * 1000);
  });

  test("day boundary: 18:30Z is the next IST midnight", () => {
    expect(istDate(utc("2026-11-23T18:30:00Z"))).toBe("2026-11-24");
    expect(istDate(utc("2026-11-23T18:29:59.999Z"))).toBe("2026-11-23");
    expect(istEpoch("2026-11-24")).toBe(utc("2026-11-23T18:30:00Z"));
    expect(istEpoch("2026-11-24", "00:00:00")).toBe(utc("2026-11-23T18:30:00Z"));
  });

  test("year boundary", () => {
    expect(istDate(utc("2026-12-31T18:30:00Z"))).toBe("2027-01-01");
    expect(istDate(utc("2026-12-31T18:29:59Z"))).toBe("2026-12-31");
  });

  test("istEpoch accepts HH:MM and HH:MM:SS", () => {
    expect(istEpoch("2026-11-24", "09:15")).toBe(utc("2026-11-24T03:45:00Z"));
    expect(istEpoch("2026-11-24", "15:30:00")).toBe(utc("2026-11-24T10:00:00Z"));
    expect(istEpoch("2026-11-24", "23:59:59")).toBe(utc("2026-11-24T18:29:59Z"));
  });

  test("istEpoch rejects bad input", () => {
    expect(() => istEpoch("2026-11-24", "24:00")).toThrow(/24:00/);
    expect(() => istEpoch("2026-11-24", "9:15")).toThrow(/9:15/);
    expect(() => istEpoch("2026-02-30", "09:15")).toThrow(/2026-02-30/);
  });

  test("istParts", () => {
    expect(istParts(utc("2026-11-23T18:30:00.123Z"))).toEqual({
      year: 2026,
      month: 11,
      day: 24,
      hour: 0,
      minute: 0,
      second: 0,
      millisecond: 123,
      weekday: 2,
    });
    expect(istParts(utc("2026-11-24T10:00:00Z"))).toMatchObject({ hour: 15, minute: 30, weekday: 2 });
    expect(istParts(utc("2026-11-21T20:00:00Z"))).toMatchObject({ day: 22, hour: 1, minute: 30, weekday: 0 });
  });
});

describe("day numbers", () => {
  test("epoch and round trip", () => {
    expect(dayNumber("1970-01-01")).toBe(0);
    expect(dayNumber("1970-01-02")).toBe(1);
    expect(dayNumber("1969-12-31")).toBe(-1);
    expect(dateOfDay(dayNumber("2026-11-24"))).toBe("2026-11-24");
    expect(dateOfDay(dayNumber("2028-02-29") + 1)).toBe("2028-03-01");
  });

  test("invalid dates throw naming the value", () => {
    expect(() => dayNumber("2026-13-01")).toThrow(/2026-13-01/);
    expect(() => dayNumber("26-11-24")).toThrow(/26-11-24/);
  });
});

describe("isValidIsoDate", () => {
  test("real calendar dates only", () => {
    expect(isValidIsoDate("2026-11-24")).toBe(true);
    expect(isValidIsoDate("2028-02-29")).toBe(true);
    expect(isValidIsoDate("2026-02-29")).toBe(false);
    expect(isValidIsoDate("2026-02-30")).toBe(false);
    expect(isValidIsoDate("2026-04-31")).toBe(false);
    expect(isValidIsoDate("2026-00-10")).toBe(false);
    expect(isValidIsoDate("2026-1-10")).toBe(false);
    expect(isValidIsoDate("2026-11-24T00:00")).toBe(false);
    expect(isValidIsoDate("")).toBe(false);
  });
});

describe("G6 timestamps", () => {
  test("format in IST, truncated to the second", () => {
    expect(formatG6Timestamp(utc("2026-11-24T03:45:00Z"))).toBe("24-11-2026 09:15:00");
    expect(formatG6Timestamp(utc("2026-11-24T03:45:07.999Z"))).toBe("24-11-2026 09:15:07");
    expect(formatG6Timestamp(utc("2026-11-23T18:30:00Z"))).toBe("24-11-2026 00:00:00");
  });

  test("ISO with offset", () => {
    expect(formatIsoIst(utc("2026-11-24T03:45:00.500Z"))).toBe("2026-11-24T09:15:00+05:30");
    expect(Date.parse(formatIsoIst(utc("2026-11-24T03:45:00Z")))).toBe(utc("2026-11-24T03:45:00Z"));
  });

  test("parse is the inverse of format", () => {
    expect(parseG6Timestamp("24-11-2026 09:15:00")).toBe(utc("2026-11-24T03:45:00Z"));
    expect(parseG6Timestamp("01-01-2027 00:00:00")).toBe(utc("2026-12-31T18:30:00Z"));
    for (const t of [utc("2026-11-24T03:45:00Z"), utc("2027-02-28T18:29:59Z"), utc("2026-01-26T09:59:58Z")]) {
      expect(parseG6Timestamp(formatG6Timestamp(t))).toBe(t);
    }
    expect(parseG6Timestamp(formatG6Timestamp(utc("2026-11-24T03:45:00.750Z")))).toBe(utc("2026-11-24T03:45:00Z"));
  });

  test("parse rejects bad values, naming them", () => {
    expect(() => parseG6Timestamp("2026-11-24 09:15:00")).toThrow(/"2026-11-24 09:15:00"/);
    expect(() => parseG6Timestamp("30-02-2026 09:15:00")).toThrow(/30-02-2026 09:15:00/);
    expect(() => parseG6Timestamp("24-11-2026 25:00:00")).toThrow(/24-11-2026 25:00:00/);
    expect(() => parseG6Timestamp("24-11-2026 09:15")).toThrow(/24-11-2026 09:15/);
  });
});
