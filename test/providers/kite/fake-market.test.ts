/** The fake Kite market's listing and smile: the facts other tests assert against. */
import { describe, expect, test } from "bun:test";
import { black76 } from "../../../src/analytics/black.ts";
import { createFakeMarket, optionSymbol, roundTick, smileVol } from "../../fakes/kite/market.ts";

const NOW = Date.parse("2026-11-26T05:00:00Z"); // Thursday 10:30 IST

describe("fake Kite market", () => {
  test("expiries follow the default rules from the listing date, weekends and holidays rolled back", () => {
    const m = createFakeMarket({ now: () => NOW });
    expect(m.today).toBe("2026-11-26");
    expect(m.expiries("NIFTY")).toEqual(["2026-12-01", "2026-12-08", "2026-12-15", "2026-12-22", "2026-12-29", "2027-01-26", "2027-02-23"]);
    expect(m.expiries("BANKNIFTY")).toEqual(["2026-12-29", "2027-01-26", "2027-02-23"]);
    expect(m.expiries("SENSEX")).toEqual(["2026-11-26", "2026-12-03", "2026-12-10", "2026-12-17", "2026-12-31", "2027-01-28"]);
    const rolled = createFakeMarket({ now: () => NOW, holidays: ["2026-12-29"] });
    expect(rolled.expiries("BANKNIFTY")[0]).toBe("2026-12-28");
  });

  test("tradingsymbols: monthly NAMEYYMONstrike, weekly NAMEYYMDDstrike", () => {
    expect(optionSymbol("NIFTY", "2026-12-29", true, 24000, true)).toBe("NIFTY26DEC24000CE");
    expect(optionSymbol("NIFTY", "2026-12-01", false, 24050, false)).toBe("NIFTY26D0124050PE");
    expect(optionSymbol("SENSEX", "2027-01-07", false, 80000, true)).toBe("SENSEX2710780000CE");
    const m = createFakeMarket({ now: () => NOW });
    const sensex = m.rows("BFO").filter((r) => r.strike === 80000 && r.instrument_type === "CE").map((r) => r.tradingsymbol);
    expect(sensex).toEqual([
      "SENSEX26NOV80000CE",
      "SENSEX26D0380000CE",
      "SENSEX26D1080000CE",
      "SENSEX26D1780000CE",
      "SENSEX26DEC80000CE",
      "SENSEX27JAN80000CE",
    ]);
    const mid = m.rows("NFO").filter((r) => r.name === "MIDCPNIFTY");
    expect(new Set(mid.map((r) => r.lot_size))).toEqual(new Set([120]));
    expect(mid.map((r) => r.strike).filter((k, i, a) => a.indexOf(k) === i).length).toBe(81);
    expect(mid.some((r) => r.strike === 12025)).toBe(true);
  });

  test("an option's price is Black-76 on the forward at the smile's vol, rounded to the tick", () => {
    const m = createFakeMarket({ now: () => NOW });
    const key = m.optionKeys("BANKNIFTY", "2026-12-29").find((k) => k.endsWith("50000PE"))!;
    const model = m.model(key)!;
    expect(model.T).toBeCloseTo((Date.parse("2026-12-29T10:00:00Z") - NOW) / (365 * 86_400_000), 12);
    expect(model.forward).toBeCloseTo(52000 * Math.exp(0.065 * model.T), 9);
    const sigma = 0.15 - 0.6 * Math.log(50000 / model.forward) + 2 * Math.log(50000 / model.forward) ** 2;
    expect(smileVol(0.15, 50000, model.forward)).toBeCloseTo(sigma, 14);
    expect(model.sigma).toBeCloseTo(sigma, 14);
    const exact = black76(model.forward, 50000, model.T, sigma, Math.exp(-0.065 * model.T), false);
    expect(m.quote(key)!.last_price).toBe(roundTick(exact));
    m.setSpot("BANKNIFTY", 50000);
    expect(m.quote(key)!.last_price).toBeGreaterThan(roundTick(exact));
    expect(m.quote("NSE:NIFTY BANK")!.last_price).toBe(50000);
  });
});
