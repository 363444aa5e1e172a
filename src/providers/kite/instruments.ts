/**
 * Kite Connect instrument dumps (`GET /instruments/{NSE|BSE|NFO|BFO}`): parsing the CSV and
 * building G6's catalog of option contracts and spot instruments from it. Pure functions, no
 * network.
 *
 * Decisions:
 * - Column positions come from the header, never from a fixed order. A missing required column
 *   is a `ProviderError` ("bad_data") naming the dump's exchange and the column: the dump format
 *   changed and nothing in it can be trusted. A malformed row (wrong field count, an unclosed
 *   quote, a token or number that does not parse, an expiry that is not a date) is counted
 *   with its line number and reason and skipped: one bad row must not cost a day's collection.
 * - Options are matched by the dump's `name`, `expiry`, `strike` and `instrument_type` (CE/PE),
 *   only in the index's options segment (NFO-OPT or BFO-OPT). When `name` is empty the index is
 *   the trading symbol's root (its leading letters, before the expiry code); strikes and
 *   expiries are never read out of trading symbols.
 * - Lot size, tick size and strike steps come from the dump, never from code (they change).
 * - The catalog is one trading day's: Kite reissues the dumps every morning and exchanges reuse
 *   tokens after expiry, so a catalog is built afresh each day and nothing is keyed by token
 *   across days (a contract is identified by exchange + trading symbol + expiry).
 */
import type { ChainBatch } from "../../chain/batch.ts";
import type { Instrument } from "../../contracts/provider.ts";
import { ProviderError } from "../../contracts/errors.ts";
import { editDistance } from "../../config/hygiene.ts";
import { INDEX_NAMES, INDICES, type IndexName } from "../../market/indices.ts";
import { isValidIsoDate } from "../../market/ist.ts";
import type { KiteExchange } from "./protocol.ts";


/**
 * Default spot symbol of each index in Kite notation (exchange:tradingsymbol), resolved against
 * the INDICES rows of the NSE and BSE dumps.
 */
export const KITE_SPOT_SYMBOLS: Readonly<Record<IndexName, string>> = Object.freeze(
  Object.fromEntries(INDEX_NAMES.map((i) => [i, INDICES[i].spotSymbol])) as Record<IndexName, string>,
);

/** Columns G6 reads; a dump without one of them is rejected. */
export const REQUIRED_COLUMNS = [
  "instrument_token",
  "tradingsymbol",
  "name",
  "expiry",
  "strike",
  "tick_size",
  "lot_size",
  "instrument_type",
  "segment",
  "exchange",
] as const;

/** One instrument row of a dump. Numbers that were empty are NaN. */
export type DumpRow = {
  /** 1-based line of the row in the dump text (a header is line 1). */
  line: number;
  token: number;
  tradingsymbol: string;
  name: string;
  /** 'YYYY-MM-DD', or "" for instruments without expiry. */
  expiry: string;
  strike: number;
  tickSize: number;
  lotSize: number;
  instrumentType: string;
  segment: string;
  exchange: string;
};

/** A row left out of a dump or a catalog, and why. */
export type DumpIssue = { exchange: string; line: number; reason: string };

export type ParsedDump = { exchange: string; rows: DumpRow[]; issues: DumpIssue[] };

/**
 * Splits CSV text into records of fields (RFC 4180: quoted fields may hold commas, doubled
 * quotes and line breaks; CRLF or LF; a final line break or none). Calls `onRecord` with the
 * fields and the 1-based line the record starts on, or with `null` fields and a reason for a
 * record with an unclosed quote (which runs to the end of the text).
 */
export function forEachCsvRecord(
  text: string,
  onRecord: (fields: string[] | null, line: number, reason?: string) => void,
): void {
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let ended = false;
    while (!ended) {
      if (text.charCodeAt(i) === 34 /* " */) {
        // Quoted field: up to the closing quote; "" is one quote.
        let value = "";
        let from = ++i;
        let closed = false;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 34) {
            if (text.charCodeAt(i + 1) === 34) {
              value += text.slice(from, i + 1);
              i += 2;
              from = i;
              continue;
            }
            value += text.slice(from, i);
            i++;
            closed = true;
            break;
          }
          if (c === 10) line++;
          i++;
        }
        if (!closed) {
          onRecord(null, startLine, "unclosed quote");
          return;
        }
        // Anything between the closing quote and the next separator is kept as text.
        const after = i;
        while (i < n && text.charCodeAt(i) !== 44 && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
        fields.push(i > after ? value + text.slice(after, i) : value);
      } else {
        const from = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 44 || c === 10 || c === 13) break;
          i++;
        }
        fields.push(text.slice(from, i));
      }
      const c = i < n ? text.charCodeAt(i) : -1;
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13) i++;
      if (i < n && text.charCodeAt(i) === 10) i++;
      line++;
      ended = true;
    }
    // A blank line is no record.
    if (!(fields.length === 1 && fields[0] === "")) onRecord(fields, startLine);
  }
}

const INTEGER = /^\d+$/;
const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** A decimal number field; "" is NaN (not given); anything else that does not parse is null. */
function numberField(s: string): number | null {
  if (s === "") return Number.NaN;
  return DECIMAL.test(s) ? Number(s) : null;
}

/**
 * Parses one exchange's instrument dump. `exchange` names the dump in errors and issues (e.g.
 * "NFO"). Throws a `ProviderError` ("bad_data") when the text has no header or the header lacks
 * a required column; malformed rows are skipped and listed in `issues`.
 */
export function parseInstrumentDump(text: string, exchange: string): ParsedDump {
  const rows: DumpRow[] = [];
  const issues: DumpIssue[] = [];
  let col: Record<(typeof REQUIRED_COLUMNS)[number], number> | null = null;
  let width = 0;
  const bad = (line: number, reason: string) => issues.push({ exchange, line, reason });
  // A dump lists a few dozen distinct expiries over ~100k rows: check each once.
  const goodExpiries = new Set<string>([""]);
  forEachCsvRecord(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, (f, line, reason) => {
    if (f === null) {
      if (col === null) throw new ProviderError("bad_data", `${exchange} instrument dump: header: ${reason}`);
      bad(line, reason ?? "malformed");
      return;
    }
    if (col === null) {
      const header = f.map((h) => h.trim().toLowerCase());
      const c = {} as Record<(typeof REQUIRED_COLUMNS)[number], number>;
      for (const name of REQUIRED_COLUMNS) {
        const at = header.indexOf(name);
        if (at < 0) {
          throw new ProviderError("bad_data", `${exchange} instrument dump has no "${name}" column (header: ${header.join(",")})`);
        }
        c[name] = at;
      }
      col = c;
      width = header.length;
      return;
    }
    if (f.length !== width) return void bad(line, `expected ${width} fields, found ${f.length}`);
    const tokenText = f[col.instrument_token]!;
    if (!INTEGER.test(tokenText) || Number(tokenText) === 0) return void bad(line, `instrument_token "${tokenText}" is not a positive integer`);
    const strike = numberField(f[col.strike]!);
    if (strike === null) return void bad(line, `strike "${f[col.strike]}" is not a number`);
    const tickSize = numberField(f[col.tick_size]!);
    if (tickSize === null) return void bad(line, `tick_size "${f[col.tick_size]}" is not a number`);
    const lotSize = numberField(f[col.lot_size]!);
    if (lotSize === null) return void bad(line, `lot_size "${f[col.lot_size]}" is not a number`);
    const expiry = f[col.expiry]!;
    if (!goodExpiries.has(expiry)) {
      if (!isValidIsoDate(expiry)) return void bad(line, `expiry "${expiry}" is not a YYYY-MM-DD date`);
      goodExpiries.add(expiry);
    }
    const tradingsymbol = f[col.tradingsymbol]!;
    if (tradingsymbol === "") return void bad(line, "empty tradingsymbol");
    rows.push({
      line,
      token: Number(tokenText),
      tradingsymbol,
      name: f[col.name]!,
      expiry,
      strike,
      tickSize,
      lotSize,
      instrumentType: f[col.instrument_type]!,
      segment: f[col.segment]!,
      exchange: f[col.exchange]!,
    });
  });
  if (col === null) throw new ProviderError("bad_data", `${exchange} instrument dump is empty (no header)`);
  return { exchange, rows, issues };
}

/** An option contract of the catalog: the engine's `Instrument` plus what quoting it needs. */
export type KiteContract = Instrument & {
  /** The /quote key: exchange + ':' + tradingsymbol, e.g. "NFO:NIFTY25DEC24000CE". */
  quoteKey: string;
  /** Price tick, points. */
  tickSize: number;
};

/** One expiry of an index: its contracts and the strike steps seen between adjacent strikes. */
export type CatalogExpiry = {
  expiry: string;
  /** Ascending by strike, CE before PE. */
  contracts: KiteContract[];
  /** Distinct gaps between adjacent listed strikes, ascending (e.g. [50, 100] where the step widens away from ATM). */
  strikeSteps: number[];
  /** Distinct lot sizes of the contracts (normally one). */
  lotSizes: number[];
};

export type IndexCatalog = {
  index: IndexName;
  /** "NFO" or "BFO". */
  exchange: string;
  /** Listed expiries, ascending YYYY-MM-DD. */
  expiries: string[];
  byExpiry: Map<string, CatalogExpiry>;
  /** Distinct strike steps over all expiries, ascending. */
  strikeSteps: number[];
};

/** A resolved spot instrument. */
export type SpotInstrument = { index: IndexName; quoteKey: string; token: number; exchange: string; tradingsymbol: string };

/**
 * One trading day's catalog. Tokens are valid for that day only: build a new catalog from each
 * day's dumps and never carry tokens from one day to the next.
 */
export type KiteCatalog = {
  indices: Map<IndexName, IndexCatalog>;
  spots: Map<IndexName, SpotInstrument>;
  /** Dump rows left out (malformed, or an index option row that cannot be used), with line numbers. */
  issues: DumpIssue[];
};

/** The dumps a catalog is built from, by exchange (a dump not given contributes nothing). */
export type Dumps = Partial<Record<KiteExchange, ParsedDump>>;

export type CatalogOptions = {
  /** Indices to catalog (default: all of G6's). */
  indices?: readonly IndexName[];
  /** Spot symbol per index (default `KITE_SPOT_SYMBOLS`). */
  spotSymbols?: Partial<Record<IndexName, string>>;
};

/** The leading letters of a trading symbol: "NIFTY25DEC24000CE" → "NIFTY". */
export function symbolRoot(tradingsymbol: string): string {
  let i = 0;
  while (i < tradingsymbol.length) {
    const c = tradingsymbol.charCodeAt(i);
    if (c < 65 || c > 90) break;
    i++;
  }
  return tradingsymbol.slice(0, i);
}

const distinctAscending = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** Rounds away float noise in strike gaps (strikes are at most two decimals). */
const gap = (a: number, b: number): number => Math.round((b - a) * 100) / 100;

/**
 * Builds the option catalog of each index from the NFO/BFO dumps and resolves each index's spot
 * symbol against the NSE/BSE INDICES rows. Throws a `ProviderError` ("config") for a spot symbol
 * that is not in its dump, listing the close matches.
 */
export function buildCatalog(dumps: Dumps, options: CatalogOptions = {}): KiteCatalog {
  const wanted = options.indices ?? INDEX_NAMES;
  const issues: DumpIssue[] = [];
  for (const d of Object.values(dumps)) if (d) issues.push(...d.issues);

  const indices = new Map<IndexName, IndexCatalog>();
  const byName = new Map<string, IndexName>();
  for (const index of wanted) byName.set(index, index);

  // Group the option rows of each index by expiry.
  const found = new Map<IndexName, Map<string, KiteContract[]>>();
  const lineOf = new Map<KiteContract, number>();
  for (const index of wanted) found.set(index, new Map());
  for (const exchange of ["NFO", "BFO"] as const) {
    const dump = dumps[exchange];
    if (!dump) continue;
    const segment = `${exchange}-OPT`;
    for (const r of dump.rows) {
      if (r.segment !== segment || (r.instrumentType !== "CE" && r.instrumentType !== "PE")) continue;
      const index = byName.get(r.name !== "" ? r.name.toUpperCase() : symbolRoot(r.tradingsymbol));
      if (index === undefined || INDICES[index].optionsExchange !== exchange) continue;
      const problem =
        r.expiry === ""
          ? "option without expiry"
          : !(r.strike > 0)
            ? `option strike ${r.strike} is not positive`
            : !(r.lotSize > 0 && Number.isInteger(r.lotSize))
              ? `option lot_size ${r.lotSize} is not a positive integer`
              : !(r.tickSize > 0)
                ? `option tick_size ${r.tickSize} is not positive`
                : null;
      if (problem) {
        issues.push({ exchange: dump.exchange, line: r.line, reason: `${r.tradingsymbol}: ${problem}` });
        continue;
      }
      const perExpiry = found.get(index)!;
      let list = perExpiry.get(r.expiry);
      if (!list) perExpiry.set(r.expiry, (list = []));
      const contract: KiteContract = {
        token: r.token,
        symbol: r.tradingsymbol,
        index,
        expiry: r.expiry,
        strike: r.strike,
        isCall: r.instrumentType === "CE",
        lotSize: r.lotSize,
        quoteKey: `${r.exchange || exchange}:${r.tradingsymbol}`,
        tickSize: r.tickSize,
      };
      lineOf.set(contract, r.line);
      list.push(contract);
    }
  }

  for (const index of wanted) {
    const perExpiry = found.get(index)!;
    const byExpiry = new Map<string, CatalogExpiry>();
    const expiries = [...perExpiry.keys()].sort();
    const allSteps: number[] = [];
    for (const expiry of expiries) {
      const list = perExpiry.get(expiry)!.sort((a, b) => a.strike - b.strike || Number(b.isCall) - Number(a.isCall));
      // One contract per (strike, side): a repeat is listed as an issue and left out.
      const contracts: KiteContract[] = [];
      for (const c of list) {
        const prev = contracts.at(-1);
        if (prev && prev.strike === c.strike && prev.isCall === c.isCall) {
          issues.push({ exchange: INDICES[index].optionsExchange, line: lineOf.get(c) ?? 0, reason: `${c.symbol}: duplicate ${index} ${expiry} ${c.strike} ${c.isCall ? "CE" : "PE"} (kept ${prev.symbol})` });
          continue;
        }
        contracts.push(c);
      }
      const strikes = distinctAscending(contracts.map((c) => c.strike));
      const steps = distinctAscending(strikes.slice(1).map((k, i) => gap(strikes[i]!, k)));
      allSteps.push(...steps);
      byExpiry.set(expiry, { expiry, contracts, strikeSteps: steps, lotSizes: distinctAscending(contracts.map((c) => c.lotSize)) });
    }
    indices.set(index, { index, exchange: INDICES[index].optionsExchange, expiries, byExpiry, strikeSteps: distinctAscending(allSteps) });
  }

  const spots = new Map<IndexName, SpotInstrument>();
  for (const index of wanted) {
    const symbol = options.spotSymbols?.[index] ?? KITE_SPOT_SYMBOLS[index];
    spots.set(index, resolveSpot(index, symbol, dumps));
  }
  return { indices, spots, issues };
}

/** Candidates close to `wanted` (case and spaces ignored, substring either way, or a small edit distance), closest first. */
export function closeMatches(wanted: string, candidates: readonly string[], limit = 5): string[] {
  const norm = (s: string) => s.toUpperCase().replace(/\s+/g, "");
  const w = norm(wanted);
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const n = norm(c);
    const d = editDistance(w, n);
    const within = d <= Math.max(2, Math.floor(w.length / 5));
    const sub = n.includes(w) || w.includes(n);
    if (within || sub) scored.push([c, within ? d : d + 100]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([c]) => c);
}

/** Resolves "EX:SYMBOL" against the INDICES rows of the EX dump. */
export function resolveSpot(index: IndexName, symbol: string, dumps: Dumps): SpotInstrument {
  const colon = symbol.indexOf(":");
  const exchange = colon > 0 ? symbol.slice(0, colon).toUpperCase() : "";
  const tradingsymbol = symbol.slice(colon + 1);
  if (exchange !== "NSE" && exchange !== "BSE") {
    throw new ProviderError("config", `spot symbol "${symbol}" of ${index} must be "NSE:<index>" or "BSE:<index>" (Kite notation, e.g. "${KITE_SPOT_SYMBOLS[index]}")`);
  }
  const dump = dumps[exchange];
  if (!dump) throw new ProviderError("config", `spot symbol "${symbol}" of ${index}: no ${exchange} instrument dump was loaded`);
  const candidates: string[] = [];
  for (const r of dump.rows) {
    if (r.segment !== "INDICES") continue;
    if (r.tradingsymbol === tradingsymbol) {
      return { index, quoteKey: `${exchange}:${r.tradingsymbol}`, token: r.token, exchange, tradingsymbol: r.tradingsymbol };
    }
    candidates.push(`${exchange}:${r.tradingsymbol}`);
  }
  // Index rows of the other spot exchange count as candidates too ("NSE:SENSEX" → "BSE:SENSEX").
  const otherExchange = exchange === "NSE" ? "BSE" : "NSE";
  const other = dumps[otherExchange];
  if (other) for (const r of other.rows) if (r.segment === "INDICES") candidates.push(`${otherExchange}:${r.tradingsymbol}`);
  const near = closeMatches(symbol, candidates);
  const hint = near.length ? `; did you mean ${near.map((c) => `"${c}"`).join(", ")}?` : " (no similar index names)";
  throw new ProviderError("config", `spot symbol "${symbol}" of ${index} is not an index in the ${exchange} instrument dump${hint}`);
}

/** The contracts of an index and expiry from a catalog (empty when not listed). */
export function contractsOf(catalog: KiteCatalog, index: IndexName, expiry: string): KiteContract[] {
  return catalog.indices.get(index)?.byExpiry.get(expiry)?.contracts ?? [];
}

/**
 * The /quote key of every leg of `batch` (indexed by leg), from the catalog: the contract of the
 * leg's group index and expiry at its strike and side; undefined where none is listed (or the
 * group's index is not in the catalog). Built once per batch layout, read by `writeQuotes`.
 */
export function quoteKeysFor(batch: ChainBatch, catalog: KiteCatalog): (string | undefined)[] {
  const keys = new Array<string | undefined>(batch.legs).fill(undefined);
  for (let g = 0; g < batch.groups; g++) {
    const listed = new Map<string, string>();
    for (const c of contractsOf(catalog, batch.labels.index[g] as IndexName, batch.labels.expiry[g]!)) {
      listed.set(`${c.strike}${c.isCall ? "C" : "P"}`, c.quoteKey);
    }
    for (let leg = batch.start[g]!; leg < batch.end[g]!; leg++) {
      keys[leg] = listed.get(`${batch.strike[leg]}${batch.isCall[leg] ? "C" : "P"}`);
    }
  }
  return keys;
}
