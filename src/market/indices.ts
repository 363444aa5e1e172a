/**
 * The G6 index registry: static facts about each supported index, as frozen data. Expiry
 * weekdays are configuration; `DEFAULT_EXPIRY_RULES` holds the defaults.
 */
import type { ExpiryRule } from "./expiry.ts";

export type IndexName = "NIFTY" | "BANKNIFTY" | "FINNIFTY" | "MIDCPNIFTY" | "SENSEX";

/** All supported indices, in registry order. */
export const INDEX_NAMES = Object.freeze(["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"] as const);

export type IndexSpec = {
  /** Spot instrument in Kite notation, e.g. "NSE:NIFTY 50". */
  readonly spotSymbol: string;
  /** Exchange segment listing the options: "NFO" or "BFO". */
  readonly optionsExchange: "NFO" | "BFO";
  /** Distance between adjacent listed strikes, index points. */
  readonly strikeStep: number;
  /** Typical spot level used by the simulator, index points. */
  readonly referenceLevel: number;
  /** Typical at-the-money implied volatility, annualised fraction (0.13 = 13%). */
  readonly annualVol: number;
  /** Contract lot size, units of the index. */
  readonly lotSize: number;
};

const spec = (s: IndexSpec): IndexSpec => Object.freeze(s);

/** Per-index static facts, keyed in `INDEX_NAMES` order. */
export const INDICES: Readonly<Record<IndexName, IndexSpec>> = Object.freeze({
  NIFTY: spec({
    spotSymbol: "NSE:NIFTY 50",
    optionsExchange: "NFO",
    strikeStep: 50,
    referenceLevel: 24000,
    annualVol: 0.13,
    lotSize: 75,
  }),
  BANKNIFTY: spec({
    spotSymbol: "NSE:NIFTY BANK",
    optionsExchange: "NFO",
    strikeStep: 100,
    referenceLevel: 52000,
    annualVol: 0.15,
    lotSize: 35,
  }),
  FINNIFTY: spec({
    spotSymbol: "NSE:NIFTY FIN SERVICE",
    optionsExchange: "NFO",
    strikeStep: 50,
    referenceLevel: 23500,
    annualVol: 0.14,
    lotSize: 65,
  }),
  MIDCPNIFTY: spec({
    spotSymbol: "NSE:NIFTY MID SELECT",
    optionsExchange: "NFO",
    strikeStep: 25,
    referenceLevel: 12000,
    annualVol: 0.17,
    lotSize: 140,
  }),
  SENSEX: spec({
    spotSymbol: "BSE:SENSEX",
    optionsExchange: "BFO",
    strikeStep: 100,
    referenceLevel: 80000,
    annualVol: 0.13,
    lotSize: 20,
  }),
});

const rule = (r: ExpiryRule): Readonly<ExpiryRule> => Object.freeze(r);

/** Default expiry rules: NSE indices expire on Tuesday (NIFTY weekly), SENSEX weekly on Thursday. */
export const DEFAULT_EXPIRY_RULES: Readonly<Record<IndexName, Readonly<ExpiryRule>>> = Object.freeze({
  NIFTY: rule({ weekday: 2, weekly: true }),
  BANKNIFTY: rule({ weekday: 2, weekly: false }),
  FINNIFTY: rule({ weekday: 2, weekly: false }),
  MIDCPNIFTY: rule({ weekday: 2, weekly: false }),
  SENSEX: rule({ weekday: 4, weekly: true }),
});

/** True when `s` is a supported index name. */
export function isIndexName(s: string): s is IndexName {
  return (INDEX_NAMES as readonly string[]).includes(s);
}
