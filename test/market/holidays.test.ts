/** Shipped exchange holidays, calendar coverage, and the warnings when the planned expiries are not covered. */
import { describe, expect, test } from "bun:test";
import { createConsola, type LogObject } from "consola";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import {
  calendarWarnings,
  createExchangeCalendar,
  createExchangeCalendars,
  createMarketCalendar,
  DEFAULT_EXPIRY_RULES,
  EXCHANGES,
  expiryCoverageWarnings,
  generateExpiries,
  shippedHolidays,
  weekdayOfDay,
  dayNumber,
} from "../../src/market/index.ts";
import { instantClock, tempDir, testConfig } from "../helpers/engine.ts";

const shipped = { holidays: [] as string[], shipped_holidays: true, open: "09:15", close: "15:30" };

describe("shipped holiday data", () => {
  test("NSE and BSE: 2026 official (16 weekday closures), 2027 provisional, each year with its source", () => {
    for (const ex of EXCHANGES) {
      const years = shippedHolidays(ex);
      expect([...years.keys()]).toEqual([2025, 2026, 2027]);
      const y2026 = years.get(2026)!;
      expect(y2026.status).toBe("official");
      expect(y2026.holidays.map((h) => h.date)).toEqual([
        "2026-01-15", "2026-01-26", "2026-03-03", "2026-03-26", "2026-03-31", "2026-04-03", "2026-04-14", "2026-05-01",
        "2026-05-28", "2026-06-26", "2026-09-14", "2026-10-02", "2026-10-20", "2026-11-10", "2026-11-24", "2026-12-25",
      ]);
      const y2027 = years.get(2027)!;
      expect(y2027.status).toBe("provisional");
      expect(y2027.note).toMatch(/^PROVISIONAL/);
      expect(y2027.holidays.map((h) => h.date)).toEqual(["2027-01-26", "2027-03-26", "2027-04-14"]);
      for (const [, y] of years) {
        expect(y.source.length).toBeGreaterThan(40);
        for (const h of y.holidays) expect([1, 2, 3, 4, 5]).toContain(weekdayOfDay(dayNumber(h.date)));
      }
    }
  });
});

describe("exchange calendars", () => {
  test("Republic Day 2027 is no longer a trading day, so the January monthly expiry rolls to Monday", () => {
    const nse = createExchangeCalendar("NSE", shipped);
    expect(nse.isTradingDay("2027-01-26")).toBe(false);
    expect(nse.isTradingDay("2026-01-15")).toBe(false);
    expect(generateExpiries(DEFAULT_EXPIRY_RULES.BANKNIFTY, nse, "2026-12-01", { weeks: 0, months: 3 })).toEqual(["2026-12-29", "2027-01-25", "2027-02-23"]);
    expect([2025, 2026, 2027, 2028].map((y) => nse.coverage(y))).toEqual(["official", "official", "provisional", "none"]);
    expect(nse.name).toBe("NSE");
  });

  test("market.holidays adds dates and declares their years known; shipped_holidays false leaves the data out", () => {
    const withExtra = createExchangeCalendar("BSE", { ...shipped, holidays: ["2027-03-10", "2028-01-26"] });
    expect(withExtra.isTradingDay("2027-03-10")).toBe(false);
    expect(withExtra.isTradingDay("2027-01-26")).toBe(false);
    expect([2026, 2027, 2028, 2029].map((y) => withExtra.coverage(y))).toEqual(["official", "configured", "configured", "none"]);
    const own = createExchangeCalendar("NSE", { ...shipped, shipped_holidays: false, holidays: ["2026-11-23"] });
    expect(own.isTradingDay("2026-11-24")).toBe(true);
    expect(own.isTradingDay("2026-11-23")).toBe(false);
    expect([2026, 2027].map((y) => own.coverage(y))).toEqual(["configured", "none"]);
    // A plain calendar counts the years of its holidays as configured.
    expect(createMarketCalendar({ holidays: ["2026-01-26"] }).coverage(2026)).toBe("configured");
    expect(createMarketCalendar({ holidays: [] }).coverage(2026)).toBe("none");
  });
});

describe("calendar warnings", () => {
  const calendars = createExchangeCalendars(shipped);

  test("a range inside covered years gives none; a provisional or uncovered year gives one line each", () => {
    expect(calendarWarnings(calendars.NSE, "2026-11-19", "2026-12-29")).toEqual([]);
    expect(calendarWarnings(calendars.NSE, "2026-12-01", "2027-01-25")).toEqual([
      "NSE holidays for 2027 are provisional (fixed-date holidays only, the exchange's list is not in G6 yet), so expiries up to 2027-01-25 may be misdated; add the official dates to market.holidays",
    ]);
    const bare = createExchangeCalendar("BSE", { ...shipped, shipped_holidays: false });
    expect(calendarWarnings(bare, "2026-12-01", "2027-01-28")).toEqual([
      "BSE holiday data does not cover 2026: its weekdays count as trading days, so expiries up to 2027-01-28 may be misdated; add the exchange's 2026 holidays to market.holidays",
      "BSE holiday data does not cover 2027: its weekdays count as trading days, so expiries up to 2027-01-28 may be misdated; add the exchange's 2027 holidays to market.holidays",
    ]);
  });

  test("expiries are checked against their own exchange's calendar", () => {
    const lines = expiryCoverageWarnings(calendars, "2026-12-01", [
      { index: "NIFTY", expiry: "2026-12-29" },
      { index: "SENSEX", expiry: "2027-01-28" },
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("BSE holidays for 2027 are provisional");
    expect(lines[0]).toContain("up to 2027-01-28");
    expect(expiryCoverageWarnings(calendars, "2026-12-01", [])).toEqual([]);
  });
});

describe("coverage warnings at start and in the status", () => {
  async function start(simStart: string): Promise<{ warned: string[]; status: { warnings: string[] }; expiries: string[] }> {
    const dataDir = tempDir();
    const warned: string[] = [];
    const log = createConsola({ level: 3, reporters: [{ log: (o: LogObject) => (o.type === "warn" ? warned.push(`${o.tag}: ${o.args.join(" ")}`) : undefined) }] });
    const config = testConfig({ pool: { size: 0 }, storage: { data_dir: dataDir, csv: { enabled: false }, panels: { enabled: false } }, provider: { sim: { seed: 2, start: simStart } } });
    const expiries: string[] = [];
    const app = createApp(config, { log, clock: instantClock, onCycle: (r) => expiries.push(...r.expiries.filter((e) => e.index === "BANKNIFTY").map((e) => `${e.tag} ${e.expiry}`)) });
    await app.run({ cycles: 2, signal: new AbortController().signal });
    return { warned, status: JSON.parse(readFileSync(join(dataDir, "runtime_status.json"), "utf8")), expiries };
  }

  test("next_month in 2027 (provisional): one warning per exchange at start, and in every status", async () => {
    const { warned, status, expiries } = await start("2026-12-01T09:15");
    expect(warned).toEqual([
      "calendar: NSE holidays for 2027 are provisional (fixed-date holidays only, the exchange's list is not in G6 yet), so expiries up to 2027-01-25 may be misdated; add the official dates to market.holidays",
      "calendar: BSE holidays for 2027 are provisional (fixed-date holidays only, the exchange's list is not in G6 yet), so expiries up to 2027-01-28 may be misdated; add the official dates to market.holidays",
    ]);
    expect(status.warnings).toEqual(warned.map((w) => w.slice("calendar: ".length)));
    // Republic Day is not an expiry: BANKNIFTY's January monthly is Monday the 25th.
    expect(expiries.slice(0, 2)).toEqual(["this_month 2026-12-29", "next_month 2027-01-25"]);
  });

  test("expiries inside official years: no warning, an empty list in the status", async () => {
    const { warned, status } = await start("2026-11-19T09:15");
    expect(warned).toEqual([]);
    expect(status.warnings).toEqual([]);
  });
});
