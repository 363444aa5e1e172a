/**
 * Kite instrument dumps: CSV quirks (header order, quoted fields, CRLF, no final newline, empty
 * name and expiry), malformed rows counted with line numbers, missing columns, the option
 * catalog (matching by name with the symbol-root fallback, ordering, lot sizes and strike steps
 * from the dump) and spot symbol resolution with close-match errors.
 */
import { describe, expect, test } from "bun:test";
import { providerErrorOf } from "../../helpers/errors.ts";
import { readFileSync } from "node:fs";
import { createBatch } from "../../../src/chain/batch.ts";
import { join } from "node:path";
import {
  buildCatalog,
  closeMatches,
  contractsOf,
  forEachCsvRecord,
  KITE_SPOT_SYMBOLS,
  parseInstrumentDump,
  quoteKeysFor,
  symbolRoot,
  type Dumps,
} from "../../../src/providers/kite/instruments.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures/kite");
const fixture = (ex: string) => parseInstrumentDump(readFileSync(join(FIXTURES, `${ex}.csv`), "utf8"), ex);
const allDumps = (): Dumps => ({ NFO: fixture("NFO"), BFO: fixture("BFO"), NSE: fixture("NSE"), BSE: fixture("BSE") });

const HEADER = "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange";


describe("CSV records", () => {
  const records = (text: string) => {
    const out: [string[] | null, number, string?][] = [];
    forEachCsvRecord(text, (f, line, reason) => out.push(reason ? [f, line, reason] : [f, line]));
    return out;
  };

  test("quoted fields keep commas, doubled quotes and line breaks; CRLF and LF both end a record", () => {
    expect(records('a,"b,c","say ""hi""",d\r\n1,,"",x\n')).toEqual([
      [["a", "b,c", 'say "hi"', "d"], 1],
      [["1", "", "", "x"], 2],
    ]);
    expect(records('a,"two\nlines"\nb,c')).toEqual([
      [["a", "two\nlines"], 1],
      [["b", "c"], 3],
    ]);
  });

  test("no final newline, blank lines skipped, an unclosed quote ends the text as a bad record", () => {
    expect(records("a,b")).toEqual([[["a", "b"], 1]]);
    expect(records("a,b\n\r\n\nc,d\n")).toEqual([
      [["a", "b"], 1],
      [["c", "d"], 4],
    ]);
    expect(records('a,b\nc,"open\nd,e\n')).toEqual([
      [["a", "b"], 1],
      [null, 2, "unclosed quote"],
    ]);
  });
});

describe("parseInstrumentDump", () => {
  test("takes column positions from the header, whatever their order", () => {
    const text = [
      "exchange,segment,instrument_type,lot_size,tick_size,strike,expiry,last_price,name,tradingsymbol,exchange_token,instrument_token",
      'NFO,NFO-OPT,CE,65,0.05,24000.0,2026-12-29,12.5,"NIFTY",NIFTY26DEC24000CE,43,11107',
    ].join("\n");
    const d = parseInstrumentDump(text, "NFO");
    expect(d.issues).toEqual([]);
    expect(d.rows).toEqual([
      { line: 2, token: 11107, tradingsymbol: "NIFTY26DEC24000CE", name: "NIFTY", expiry: "2026-12-29", strike: 24000, tickSize: 0.05, lotSize: 65, instrumentType: "CE", segment: "NFO-OPT", exchange: "NFO" },
    ]);
  });

  test("CRLF, a BOM, quoted name with comma and quotes, empty name and expiry, no trailing newline", () => {
    const text = `\ufeff${HEADER}\r\n738561,2885,RELIANCE,"RELIANCE INDUSTRIES, LTD ""RIL""",0,,0.0,0.1,1,EQ,NSE,NSE\r\n11005,47,NIFTY26D0124100CE,,0,2026-12-01,24100,0.05,65,CE,NFO-OPT,NFO`;
    const d = parseInstrumentDump(text, "NSE");
    expect(d.issues).toEqual([]);
    expect(d.rows.map((r) => [r.line, r.name, r.expiry, r.strike, r.lotSize])).toEqual([
      [2, 'RELIANCE INDUSTRIES, LTD "RIL"', "", 0, 1],
      [3, "", "2026-12-01", 24100, 65],
    ]);
  });

  test("malformed rows are counted with their line numbers and reasons, the rest kept", () => {
    const text = [
      HEADER,
      "1,1,A,A,0,2026-12-29,100,0.05,65,CE,NFO-OPT,NFO",
      "2,1,B,B,0,2026-12-29,100,0.05,65,CE,NFO-OPT", // 11 fields
      "x,1,C,C,0,2026-12-29,100,0.05,65,CE,NFO-OPT,NFO",
      "4,1,D,D,0,2026-13-01,100,0.05,65,CE,NFO-OPT,NFO",
      "5,1,E,E,0,2026-12-29,1e,0.05,65,CE,NFO-OPT,NFO",
      "6,1,,F,0,2026-12-29,100,0.05,65,CE,NFO-OPT,NFO",
      "7,1,G,G,0,2026-12-29,100,0.05,sixty,CE,NFO-OPT,NFO",
      "8,1,H,H,0,2026-12-29,100,0.05,65,PE,NFO-OPT,NFO",
      '9,1,I,"I,0,2026-12-29,100,0.05,65,PE,NFO-OPT,NFO',
    ].join("\n");
    const d = parseInstrumentDump(text, "NFO");
    expect(d.rows.map((r) => r.token)).toEqual([1, 8]);
    expect(d.issues).toEqual([
      { exchange: "NFO", line: 3, reason: "expected 12 fields, found 11" },
      { exchange: "NFO", line: 4, reason: 'instrument_token "x" is not a positive integer' },
      { exchange: "NFO", line: 5, reason: 'expiry "2026-13-01" is not a YYYY-MM-DD date' },
      { exchange: "NFO", line: 6, reason: 'strike "1e" is not a number' },
      { exchange: "NFO", line: 7, reason: "empty tradingsymbol" },
      { exchange: "NFO", line: 8, reason: 'lot_size "sixty" is not a number' },
      { exchange: "NFO", line: 10, reason: "unclosed quote" },
    ]);
  });

  test("a missing required column is an error naming the dump and the column", () => {
    const text = HEADER.replace("lot_size,", "") + "\n";
    const err = providerErrorOf(() => parseInstrumentDump(text, "BFO"));
    expect(err.code).toBe("bad_data");
    expect(err.message).toContain("BFO instrument dump has no \"lot_size\" column");
    expect(providerErrorOf(() => parseInstrumentDump("", "NSE")).message).toBe("NSE instrument dump is empty (no header)");
  });
});

describe("buildCatalog", () => {
  test("lists each index's expiries ascending and its contracts by strike, CE before PE, with quote keys", () => {
    const cat = buildCatalog(allDumps());
    const nifty = cat.indices.get("NIFTY")!;
    expect(nifty.exchange).toBe("NFO");
    expect(nifty.expiries).toEqual(["2026-12-01", "2026-12-29"]);
    const weekly = contractsOf(cat, "NIFTY", "2026-12-01");
    expect(weekly.map((c) => `${c.strike}${c.isCall ? "CE" : "PE"}`)).toEqual(["24000CE", "24000PE", "24050CE", "24050PE", "24100CE", "24100PE"]);
    expect(weekly[0]).toEqual({ token: 11004, symbol: "NIFTY26D0124000CE", index: "NIFTY", expiry: "2026-12-01", strike: 24000, isCall: true, lotSize: 65, quoteKey: "NFO:NIFTY26D0124000CE", tickSize: 0.05 });
    // SENSEX comes from the BFO dump.
    expect(cat.indices.get("SENSEX")!.exchange).toBe("BFO");
    expect(contractsOf(cat, "SENSEX", "2026-12-03").map((c) => c.quoteKey)).toEqual([
      "BFO:SENSEX26D0380000CE",
      "BFO:SENSEX26D0380000PE",
      "BFO:SENSEX26D0380100CE",
      "BFO:SENSEX26D0380100PE",
    ]);
    expect(contractsOf(cat, "NIFTY", "2027-01-05")).toEqual([]);
  });

  test("an empty name falls back to the trading symbol's root; other underlyings and futures are left out", () => {
    const cat = buildCatalog(allDumps());
    const weekly = contractsOf(cat, "NIFTY", "2026-12-01");
    expect(weekly.filter((c) => c.strike === 24100).map((c) => c.token)).toEqual([11005, 11006]);
    const tokens = [...cat.indices.values()].flatMap((i) => [...i.byExpiry.values()].flatMap((e) => e.contracts.map((c) => c.token)));
    expect(tokens).not.toContain(13001); // NIFTY future
    expect(tokens).not.toContain(14001); // NIFTYNXT50
    expect(tokens).not.toContain(14002); // RELIANCE
    expect(tokens).not.toContain(22001); // BANKEX
    expect(symbolRoot("NIFTY26D0124100CE")).toBe("NIFTY");
    expect(symbolRoot("MIDCPNIFTY26DEC12000CE")).toBe("MIDCPNIFTY");
  });

  test("lot sizes and strike steps come from the dump; a step that widens is reported", () => {
    const cat = buildCatalog(allDumps());
    expect(contractsOf(cat, "BANKNIFTY", "2026-12-29").map((c) => c.lotSize)).toEqual([30, 30, 30, 30]);
    expect(cat.indices.get("MIDCPNIFTY")!.byExpiry.get("2026-12-29")!.lotSizes).toEqual([120]);
    const nifty = cat.indices.get("NIFTY")!;
    expect(nifty.byExpiry.get("2026-12-01")!.strikeSteps).toEqual([50]);
    expect(nifty.byExpiry.get("2026-12-29")!.strikeSteps).toEqual([50, 100]);
    expect(nifty.strikeSteps).toEqual([50, 100]);
    expect(cat.indices.get("MIDCPNIFTY")!.strikeSteps).toEqual([25]);
  });

  test("malformed dump rows and unusable option rows are issues with their lines", () => {
    const text = [
      HEADER,
      '1,1,NIFTY26DEC24000CE,"NIFTY",0,2026-12-29,24000,0.05,65,CE,NFO-OPT,NFO',
      '2,1,NIFTY26DEC24100CE,"NIFTY",0,2026-12-29,24100,0.05,0,CE,NFO-OPT,NFO',
      '3,1,NIFTY26DEC24200CE,"NIFTY",0,,24200,0.05,65,CE,NFO-OPT,NFO',
      '4,1,NIFTY26DEC24000CE,"NIFTY",0,2026-12-29,24000,0.05,65,CE,NFO-OPT,NFO',
    ].join("\n");
    const cat = buildCatalog({ NFO: parseInstrumentDump(text, "NFO"), NSE: fixture("NSE"), BSE: fixture("BSE") }, { indices: ["NIFTY"] });
    expect(contractsOf(cat, "NIFTY", "2026-12-29").map((c) => c.token)).toEqual([1]);
    expect(cat.issues.map((i) => [i.line, i.reason])).toEqual([
      [3, "NIFTY26DEC24100CE: option lot_size 0 is not a positive integer"],
      [4, "NIFTY26DEC24200CE: option without expiry"],
      [5, "NIFTY26DEC24000CE: duplicate NIFTY 2026-12-29 24000 CE (kept NIFTY26DEC24000CE)"],
    ]);
    const fromFixture = buildCatalog(allDumps());
    expect(fromFixture.issues).toEqual([
      { exchange: "NFO", line: 29, reason: 'strike "abc" is not a number' },
      { exchange: "NFO", line: 30, reason: "expected 12 fields, found 11" },
    ]);
  });
});

describe("quoteKeysFor", () => {
  test("gives each batch leg its contract's quote key, undefined where nothing is listed", () => {
    const cat = buildCatalog(allDumps());
    const common = { tag: "this_week", spot: 24010, atm: 24000, T: 0.01, df: 1 };
    const batch = createBatch([
      { ...common, index: "NIFTY", expiry: "2026-12-01", strikes: [24000, 24050, 24150] },
      { ...common, index: "SENSEX", expiry: "2026-12-03", strikes: [80100] },
      { ...common, index: "BANKNIFTY", expiry: "2026-12-01", strikes: [52000] },
    ]);
    expect(quoteKeysFor(batch, cat)).toEqual([
      "NFO:NIFTY26D0124000CE",
      "NFO:NIFTY26D0124000PE",
      "NFO:NIFTY26D0124050CE",
      "NFO:NIFTY26D0124050PE",
      undefined,
      undefined,
      "BFO:SENSEX26D0380100CE",
      "BFO:SENSEX26D0380100PE",
      undefined,
      undefined,
    ]);
  });
});

describe("spot instruments", () => {
  test("the default symbols resolve against the INDICES rows", () => {
    expect(KITE_SPOT_SYMBOLS.MIDCPNIFTY).toBe("NSE:NIFTY MID SELECT");
    const cat = buildCatalog(allDumps());
    expect(Object.fromEntries([...cat.spots].map(([i, s]) => [i, [s.quoteKey, s.token]]))).toEqual({
      NIFTY: ["NSE:NIFTY 50", 256265],
      BANKNIFTY: ["NSE:NIFTY BANK", 260105],
      FINNIFTY: ["NSE:NIFTY FIN SERVICE", 257801],
      MIDCPNIFTY: ["NSE:NIFTY MID SELECT", 288009],
      SENSEX: ["BSE:SENSEX", 265],
    });
  });

  test("a configured symbol overrides the default", () => {
    const cat = buildCatalog(allDumps(), { indices: ["NIFTY"], spotSymbols: { NIFTY: "NSE:NIFTY NEXT 50" } });
    expect(cat.spots.get("NIFTY")!.token).toBe(270857);
  });

  test("a symbol not found is a config error listing the close matches", () => {
    const err = providerErrorOf(() => buildCatalog(allDumps(), { indices: ["NIFTY"], spotSymbols: { NIFTY: "NSE:NIFTY50" } }));
    expect(err.code).toBe("config");
    expect(err.message).toBe('spot symbol "NSE:NIFTY50" of NIFTY is not an index in the NSE instrument dump; did you mean "NSE:NIFTY 50"?');
    const wrongExchange = providerErrorOf(() => buildCatalog(allDumps(), { indices: ["SENSEX"], spotSymbols: { SENSEX: "NSE:SENSEX" } }));
    expect(wrongExchange.message).toContain('did you mean "BSE:SENSEX"');
    // An equity row is not an index.
    const equity = providerErrorOf(() => buildCatalog(allDumps(), { indices: ["NIFTY"], spotSymbols: { NIFTY: "NSE:RELIANCE" } }));
    expect(equity.message).toContain("is not an index in the NSE instrument dump");
    expect(providerErrorOf(() => buildCatalog(allDumps(), { indices: ["NIFTY"], spotSymbols: { NIFTY: "NIFTY 50" } })).message).toContain('must be "NSE:<index>" or "BSE:<index>"');
    expect(providerErrorOf(() => buildCatalog({ NFO: fixture("NFO") }, { indices: ["NIFTY"] })).message).toBe('spot symbol "NSE:NIFTY 50" of NIFTY: no NSE instrument dump was loaded');
  });

  test("close matches: case and spaces ignored, substrings, small edit distances; unrelated names not offered", () => {
    const names = ["NSE:NIFTY 50", "NSE:NIFTY BANK", "NSE:NIFTY MID SELECT", "NSE:INDIA VIX"];
    expect(closeMatches("nse:nifty bnk", names)).toEqual(["NSE:NIFTY BANK"]);
    expect(closeMatches("NSE:NIFTY MIDCAP SELECT", names)).toEqual(["NSE:NIFTY MID SELECT"]);
    expect(closeMatches("NSE:SOMETHING ELSE", names)).toEqual([]);
  });
});
