import { describe, expect, test } from "bun:test";
import { DEFAULT_EXPIRY_RULES, INDEX_NAMES, INDICES, isIndexName } from "../../src/market/index.ts";

describe("index registry", () => {
  test("names in order, registry keyed in the same order", () => {
    expect([...INDEX_NAMES]).toEqual(["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]);
    expect(Object.keys(INDICES)).toEqual([...INDEX_NAMES]);
    expect(Object.keys(DEFAULT_EXPIRY_RULES)).toEqual([...INDEX_NAMES]);
  });

  test("per-index facts", () => {
    expect(INDEX_NAMES.map((n) => INDICES[n].strikeStep)).toEqual([50, 100, 50, 25, 100]);
    expect(INDEX_NAMES.map((n) => INDICES[n].lotSize)).toEqual([75, 35, 65, 140, 20]);
    expect(INDEX_NAMES.map((n) => INDICES[n].referenceLevel)).toEqual([24000, 52000, 23500, 12000, 80000]);
    expect(INDEX_NAMES.map((n) => INDICES[n].annualVol)).toEqual([0.13, 0.15, 0.14, 0.17, 0.13]);
    expect(INDEX_NAMES.map((n) => INDICES[n].optionsExchange)).toEqual(["NFO", "NFO", "NFO", "NFO", "BFO"]);
    expect(INDICES.MIDCPNIFTY.spotSymbol).toBe("NSE:NIFTY MID SELECT");
    expect(INDICES.SENSEX.spotSymbol).toBe("BSE:SENSEX");
  });

  test("default expiry rules", () => {
    expect(DEFAULT_EXPIRY_RULES.NIFTY).toEqual({ weekday: 2, weekly: true });
    expect(DEFAULT_EXPIRY_RULES.BANKNIFTY).toEqual({ weekday: 2, weekly: false });
    expect(DEFAULT_EXPIRY_RULES.SENSEX).toEqual({ weekday: 4, weekly: true });
  });

  test("frozen", () => {
    expect(Object.isFrozen(INDICES)).toBe(true);
    expect(Object.isFrozen(INDICES.NIFTY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_EXPIRY_RULES.NIFTY)).toBe(true);
    expect(Object.isFrozen(INDEX_NAMES)).toBe(true);
  });

  test("isIndexName", () => {
    expect(isIndexName("NIFTY")).toBe(true);
    expect(isIndexName("nifty")).toBe(false);
  });
});
