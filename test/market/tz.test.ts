import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createMarketCalendar, formatG6Timestamp, istDate, istEpoch, timeToExpiryYears } from "../../src/market/index.ts";

const MODULE = join(import.meta.dir, "../../src/market/index.ts");
const INSTANTS = [Date.parse("2026-11-23T18:30:00Z"), Date.parse("2026-11-23T18:29:59Z"), Date.parse("2026-03-08T06:00:00Z")];

const SCRIPT = `
const m = await import(${JSON.stringify(MODULE)});
const instants = ${JSON.stringify(INSTANTS)};
const cal = m.createMarketCalendar({ holidays: ["2026-01-26"] });
console.log(JSON.stringify({
  localOffset: new Date(Date.UTC(2026, 0, 15)).getTimezoneOffset(),
  dates: instants.map((t) => m.istDate(t)),
  stamps: instants.map((t) => m.formatG6Timestamp(t)),
  tte: m.timeToExpiryYears(m.istEpoch("2026-11-24", "09:15"), "2026-11-24"),
  sessionDate: cal.sessionDate(m.istEpoch("2026-01-27", "08:00")),
}));
`;

function runIn(tz: string): {
  localOffset: number;
  dates: string[];
  stamps: string[];
  tte: number;
  sessionDate: string;
} {
  const r = Bun.spawnSync([process.execPath, "-e", SCRIPT], { env: { ...process.env, TZ: tz } });
  if (r.exitCode !== 0) throw new Error(`child in TZ=${tz} failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString());
}

describe("independence from the process time zone", () => {
  const cal = createMarketCalendar({ holidays: ["2026-01-26"] });
  const expected = {
    dates: ["2026-11-24", "2026-11-23", "2026-03-08"],
    stamps: ["24-11-2026 00:00:00", "23-11-2026 23:59:59", "08-03-2026 11:30:00"],
    tte: 6.25 / (365 * 24),
    sessionDate: "2026-01-23",
  };

  test("in this process", () => {
    expect(INSTANTS.map(istDate)).toEqual(expected.dates);
    expect(INSTANTS.map(formatG6Timestamp)).toEqual(expected.stamps);
    expect(timeToExpiryYears(istEpoch("2026-11-24", "09:15"), "2026-11-24")).toBeCloseTo(expected.tte, 15);
    expect(cal.sessionDate(istEpoch("2026-01-27", "08:00"))).toBe(expected.sessionDate);
  });

  for (const [tz, offset] of [
    ["America/Los_Angeles", 480],
    ["America/New_York", 300],
    ["Pacific/Kiritimati", -840],
    ["UTC", 0],
  ] as const) {
    test(`in a process with TZ=${tz}`, () => {
      const got = runIn(tz);
      expect(got.localOffset).toBe(offset);
      expect(got.dates).toEqual(expected.dates);
      expect(got.stamps).toEqual(expected.stamps);
      expect(got.tte).toBeCloseTo(expected.tte, 15);
      expect(got.sessionDate).toBe(expected.sessionDate);
    });
  }
});
