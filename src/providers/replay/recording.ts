/**
 * One recorded day in memory: a day's G6 CSV files read with the G6 CSV reader
 * (src/g6csv/read.ts) and indexed by snapshot instant, so the replay provider answers each
 * call with lookups. What the files could not give stays missing (NaN) and every quirk and
 * skipped row is counted in the day's report (the reader's rules: a Python G6 0 in a price, IV
 * or Greek is missing; a duplicated row, a torn last line, a row of the wrong width are not read).
 *
 * Spot per index and instant: the overview row's index_price, else the option rows'. The
 * overview gives the day's changes and width, not its open, high, low and close: open =
 * index_price − index_day_change, previous close = index_price − index_net_change, and, since
 * only the width (high − low) is recorded, low = the lower of the spot and the open (a level the
 * row proves was reached) and high = low + width. The width, the changes and the rows rendered
 * from them are then as recorded, and low ≤ spot ≤ high holds (a rounded width is never less
 * than the rounded day change); the two levels are bounds, not the day's own.
 */
import { readFileSync } from "node:fs";
import { readG6Csv, type OptionCsv, type OverviewCsv } from "../../g6csv/index.ts";
import type { DayFiles } from "./tree.ts";

/** The spot the replay serves for an index at an instant (NaN where the record has none). */
export type RecordedSpot = { last: number; open: number; high: number; low: number; prevClose: number; /** The option rows' recorded ATM (NaN: none). */ atm: number };

/** What reading a day found: counts for the summary and for tests. */
export type DayReport = {
  date: string;
  files: number;
  /** Rows read (after the reader's skips); of them overview rows and option rows. */
  rows: number;
  overviewRows: number;
  optionRows: number;
  instants: number;
  /** Files with CRLF line ends, with timestamps all on :00/:30, with columns after the known ones. */
  crlfFiles: number;
  rounded30sFiles: number;
  extraColumnFiles: number;
  /** Fields written 0 and read as missing. */
  zeroAsMissing: number;
  /** Rows a file held twice, and rows another file (the other layout) already held: read once. */
  duplicates: number;
  /** Of them, rows a file held twice (not in `rows`). */
  fileDuplicates: number;
  /** Option rows (in `rows`) whose contract and instant another file already held: the other layout, or a second tag of the same expiry. */
  crossFileRows: number;
  /** Torn last lines (not read): file and line. */
  torn: { path: string; line: number }[];
  /** Rows of the wrong width or with an unreadable timestamp (not read). */
  badRows: number;
  /** Files that are not G6 CSV files (not read), with why. */
  unreadable: { path: string; reason: string }[];
};

/** A leg's recorded fields, by side. */
const SIDE_COLUMNS = {
  ce: { last: "ce", avg: "avg_ce", volume: "ce_vol", oi: "ce_oi", iv: "ce_iv", delta: "ce_delta", gamma: "ce_gamma", theta: "ce_theta", vega: "ce_vega", rho: "ce_rho" },
  pe: { last: "pe", avg: "avg_pe", volume: "pe_vol", oi: "pe_oi", iv: "pe_iv", delta: "pe_delta", gamma: "pe_gamma", theta: "pe_theta", vega: "pe_vega", rho: "pe_rho" },
} as const;
export type LegField = keyof (typeof SIDE_COLUMNS)["ce"];
export const QUOTE_FIELDS = ["last", "avg", "volume", "oi"] as const satisfies readonly LegField[];
export const ANALYTICS_FIELDS = ["iv", "delta", "gamma", "theta", "vega", "rho"] as const satisfies readonly LegField[];
/** The order of `RecordedDay.sideColumns`: the quote fields, then the analytics. */
export const LEG_FIELDS = [...QUOTE_FIELDS, ...ANALYTICS_FIELDS] as const;

/** A row of one of the day's option files: file number · 2^26 + row. */
type RowRef = number;
const ROW_BITS = 2 ** 26;

export type RecordedDay = {
  readonly date: string;
  /** The recorded instants, epoch ms, ascending, distinct. */
  readonly instants: Float64Array;
  readonly report: DayReport;
  spot(index: string, at: number): RecordedSpot | undefined;
  /** Expiries with option rows for the index, ascending. */
  expiries(index: string): readonly string[];
  /** Strikes with option rows for the index and expiry over the day, ascending. */
  strikes(index: string, expiry: string): readonly number[];
  /** The expiry tags the index's rows of this expiry were recorded under. */
  tags(index: string, expiry: string): ReadonlySet<string>;
  /** The rows of (index, expiry) at instant `at`, by strike. */
  rowsAt(index: string, expiry: string, at: number): ReadonlyMap<number, RowRef> | undefined;
  /** The recorded value of `field` of the call (or put) side of row `ref`. */
  value(ref: RowRef, isCall: boolean, field: LegField): number;
  /**
   * The recorded columns of the call (or put) side of row `ref`'s file in `LEG_FIELDS` order,
   * indexed by `rowOf(ref)` (the provider's per-leg fill: an array, not a record by field name,
   * so the fill's loop reads typed arrays by position).
   */
  sideColumns(ref: RowRef, isCall: boolean): readonly Float64Array[];
  rowOf(ref: RowRef): number;
};

type Series = { tags: Set<string>; strikes: Set<number>; byAt: Map<number, Map<number, RowRef>> };

/** A file read and parsed elsewhere (g6 ingest's reading workers): the parsed file, or why it could not be read. */
export type ParsedFile = { path: string; csv: OptionCsv | OverviewCsv } | { path: string; error: string };

/**
 * Reads `files` of `date` (unreadable files are reported, not thrown). A file in `parsed` is
 * taken from there (parsed by the same reader elsewhere) instead of being read here.
 */
export function loadDay(date: string, files: DayFiles, parsed?: ReadonlyMap<string, ParsedFile>): RecordedDay {
  const report: DayReport = {
    date,
    files: 0,
    rows: 0,
    overviewRows: 0,
    optionRows: 0,
    instants: 0,
    crlfFiles: 0,
    rounded30sFiles: 0,
    extraColumnFiles: 0,
    zeroAsMissing: 0,
    duplicates: 0,
    fileDuplicates: 0,
    crossFileRows: 0,
    torn: [],
    badRows: 0,
    unreadable: [],
  };
  const read = (path: string) => {
    try {
      const done = parsed?.get(path);
      if (done && "error" in done) throw new Error(done.error);
      const csv = done ? done.csv : readG6Csv(readFileSync(path), { path });
      const q = csv.quirks;
      report.files++;
      report.rows += csv.rows;
      if (csv.kind === "overview") report.overviewRows += csv.rows;
      else report.optionRows += csv.rows;
      if (q.crlf) report.crlfFiles++;
      if (q.rounded30s) report.rounded30sFiles++;
      if (q.extraColumns.length) report.extraColumnFiles++;
      report.zeroAsMissing += q.zeroAsMissing;
      report.duplicates += q.duplicates;
      report.fileDuplicates += q.duplicates;
      if (q.tornLastLine) report.torn.push({ path, line: q.tornLastLine.line });
      report.badRows += q.badRows.count;
      return csv;
    } catch (err) {
      report.unreadable.push({ path, reason: err instanceof Error ? err.message : String(err) });
      return null;
    }
  };

  const instants = new Set<number>();
  const overviewSpot = new Map<string, Map<number, { last: number; dayChange: number; netChange: number; width: number }>>();
  for (const path of files.overview) {
    const csv = read(path);
    if (!csv) continue;
    if (csv.kind !== "overview") {
      report.unreadable.push({ path, reason: "an option file where an overview file belongs" });
      continue;
    }
    const o = csv as OverviewCsv;
    for (let r = 0; r < o.rows; r++) {
      const index = o.strings.index.values[o.strings.index.codes[r]!]!;
      const at = o.timestamp[r]!;
      instants.add(at);
      let m = overviewSpot.get(index);
      if (!m) overviewSpot.set(index, (m = new Map()));
      m.set(at, { last: o.columns.index_price[r]!, dayChange: o.columns.index_day_change[r]!, netChange: o.columns.index_net_change[r]!, width: o.columns.day_width[r]! });
    }
  }

  const optionFiles: OptionCsv[] = [];
  const series = new Map<string, Series>();
  const optionSpot = new Map<string, Map<number, number>>();
  const optionAtm = new Map<string, Map<number, number>>();
  for (const path of files.options) {
    const csv = read(path);
    if (!csv) continue;
    if (csv.kind !== "option") {
      report.unreadable.push({ path, reason: "an overview file where an option file belongs" });
      continue;
    }
    const f = optionFiles.length;
    optionFiles.push(csv);
    indexOptionFile(csv, f * ROW_BITS, { instants, series, optionSpot, optionAtm, report, optionFiles });
  }

  const sorted = Float64Array.from(instants).sort();
  report.instants = sorted.length;
  const spots = new Map<string, Map<number, RecordedSpot>>();
  for (const index of new Set([...overviewSpot.keys(), ...optionSpot.keys()])) {
    const ov = overviewSpot.get(index);
    const op = optionSpot.get(index);
    const out = new Map<number, RecordedSpot>();
    for (const at of sorted) {
      const o = ov?.get(at);
      const last = o && o.last === o.last ? o.last : (op?.get(at) ?? Number.NaN);
      if (!(last > 0)) continue;
      const open = o ? last - o.dayChange : Number.NaN;
      const prevClose = o ? last - o.netChange : Number.NaN;
      const width = o ? o.width : Number.NaN;
      // The lowest level the row proves was reached (spot, open), and the width above it.
      const low = width >= 0 ? Math.min(last, open === open ? open : last) : Number.NaN;
      out.set(at, { last, open: open > 0 ? open : Number.NaN, prevClose: prevClose > 0 ? prevClose : Number.NaN, high: low + width, low, atm: optionAtm.get(index)?.get(at) ?? Number.NaN });
    }
    spots.set(index, out);
  }

  const expiries = new Map<string, string[]>();
  for (const key of series.keys()) {
    const [index, expiry] = key.split("|") as [string, string];
    let list = expiries.get(index);
    if (!list) expiries.set(index, (list = []));
    list.push(expiry);
  }
  for (const list of expiries.values()) list.sort();
  const strikeLists = new Map([...series].map(([key, s]) => [key, [...s.strikes].sort((a, b) => a - b)]));

  const sideOf = (file: OptionCsv, side: "ce" | "pe") => LEG_FIELDS.map((field) => file.columns[SIDE_COLUMNS[side][field]]);
  const sides = optionFiles.map((file) => ({ ce: sideOf(file, "ce"), pe: sideOf(file, "pe") }));

  return {
    date,
    instants: sorted,
    report,
    spot: (index, at) => spots.get(index)?.get(at),
    expiries: (index) => expiries.get(index) ?? [],
    strikes: (index, expiry) => strikeLists.get(`${index}|${expiry}`) ?? [],
    tags: (index, expiry) => series.get(`${index}|${expiry}`)?.tags ?? new Set(),
    rowsAt: (index, expiry, at) => series.get(`${index}|${expiry}`)?.byAt.get(at),
    value(ref, isCall, field) {
      const file = optionFiles[Math.floor(ref / ROW_BITS)]!;
      return file.columns[SIDE_COLUMNS[isCall ? "ce" : "pe"][field]][ref % ROW_BITS]!;
    },
    sideColumns: (ref, isCall) => sides[Math.floor(ref / ROW_BITS)]![isCall ? "ce" : "pe"],
    rowOf: (ref) => ref % ROW_BITS,
  };
}

type DayIndex = {
  instants: Set<number>;
  series: Map<string, Series>;
  optionSpot: Map<string, Map<number, number>>;
  optionAtm: Map<string, Map<number, number>>;
  report: DayReport;
  optionFiles: readonly OptionCsv[];
};

/**
 * Indexes one option file's rows (refs from `base`). A file's index, expiry and tag change
 * rarely (one series a file as G6 writes them), so the series, its tag and the index's spot and
 * ATM maps are looked up when a row's codes differ from the previous row's, not per row.
 */
function indexOptionFile(csv: OptionCsv, base: number, d: DayIndex): void {
  const { instants, series, optionSpot, optionAtm, report } = d;
  const s = csv.strings;
  const strikes = csv.columns.strike;
  const prices = csv.columns.index_price;
  const atmColumn = csv.columns.atm;
  let lastIndex = -1;
  let lastExpiry = -1;
  let lastTag = -1;
  let index = "";
  let one: Series | undefined;
  let spotsFor = -1;
  let spots: Map<number, number> | undefined;
  let atms: Map<number, number> | undefined;
  for (let r = 0; r < csv.rows; r++) {
    const at = csv.timestamp[r]!;
    const strike = strikes[r]!;
    if (!(strike > 0)) {
      report.badRows++;
      continue;
    }
    instants.add(at);
    const ic = s.index.codes[r]!;
    const ec = s.expiry_date.codes[r]!;
    if (ic !== lastIndex || ec !== lastExpiry || one === undefined) {
      index = s.index.values[ic]!;
      const key = `${index}|${s.expiry_date.values[ec]!}`;
      one = series.get(key);
      if (!one) series.set(key, (one = { tags: new Set(), strikes: new Set(), byAt: new Map() }));
      lastIndex = ic;
      lastExpiry = ec;
      lastTag = -1;
    }
    const tc = s.expiry_tag.codes[r]!;
    if (tc !== lastTag) {
      one.tags.add(s.expiry_tag.values[tc]!);
      lastTag = tc;
    }
    one.strikes.add(strike);
    let at2 = one.byAt.get(at);
    if (!at2) one.byAt.set(at, (at2 = new Map()));
    // The same contract at the same instant in another file (the other layout, or a tag sharing the expiry): read once.
    if (at2.has(strike)) {
      report.crossFileRows++;
      if (!sameTagRow(d.optionFiles, at2.get(strike)!, csv, r)) report.duplicates++;
      continue;
    }
    at2.set(strike, base + r);
    if (spotsFor !== ic) {
      spots = optionSpot.get(index);
      if (!spots) optionSpot.set(index, (spots = new Map()));
      atms = optionAtm.get(index);
      if (!atms) optionAtm.set(index, (atms = new Map()));
      spotsFor = ic;
    }
    const price = prices[r]!;
    if (price === price && !spots!.has(at)) spots!.set(at, price);
    const atm = atmColumn[r]!;
    if (atm > 0 && !atms!.has(at)) atms!.set(at, atm);
  }
}

/**
 * Whether the row already read at `ref` is the same contract's row under another expiry tag
 * (this_week and this_month on a monthly expiry share their rows): that is no duplicate.
 */
function sameTagRow(files: readonly OptionCsv[], ref: RowRef, csv: OptionCsv, r: number): boolean {
  const first = files[Math.floor(ref / ROW_BITS)]!;
  const fr = ref % ROW_BITS;
  const tagOf = (c: OptionCsv, row: number) => c.strings.expiry_tag.values[c.strings.expiry_tag.codes[row]!]!;
  return tagOf(first, fr) !== tagOf(csv, r);
}
