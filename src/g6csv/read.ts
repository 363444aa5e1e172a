/**
 * Reading G6 CSV files (pure): whole files into columns, with the quirks of the file reported
 * rather than guessed away silently. Reads what G6 writes and what the Python G6 wrote
 * (DOMAIN §9): CRLF line ends, 0 written for a missing value, timestamps rounded to 30 s,
 * the later header with extra trailing columns, a torn last line, duplicate rows.
 *
 * Values: numbers in the units of format.ts; an empty field is NaN; timestamps are epoch ms
 * (the file's `DD-MM-YYYY HH:MM:SS` is IST). A 0 where 0 cannot be a real value is read as NaN
 * and counted (`quirks.zeroAsMissing`): prices (index_price, atm, strike, ce, pe, tp, avg_*,
 * VIX) and IV always; a Greek only when its leg's IV is missing too, because a Greek of a real
 * IV can round to 0 (a far strike's gamma at 8 decimals) while the Python G6 wrote 0 for every
 * Greek it could not compute. Volume, OI, offsets, changes, PCR and masks keep their 0.
 */
import { parseG6Timestamp } from "../market/ist.ts";
import { OPTION_COLUMNS, OVERVIEW_COLUMNS, parseG6Path, type G6Path } from "./format.ts";

/** How a numeric column's 0 is read: kept, always missing, or missing when the leg's IV is. */
type ZeroRule = "keep" | "missing" | "ce_iv" | "pe_iv";

const PRICE = new Set(["index_price", "atm", "strike", "ce", "pe", "tp", "avg_ce", "avg_pe", "avg_tp", "ce_iv", "pe_iv", "VIX"]);
const GREEKS = ["delta", "theta", "vega", "gamma", "rho"];
const zeroRule = (name: string): ZeroRule => {
  if (PRICE.has(name)) return "missing";
  const [leg, greek] = name.split("_");
  return greek !== undefined && GREEKS.includes(greek) && (leg === "ce" || leg === "pe") ? (`${leg}_iv` as ZeroRule) : "keep";
};

const OPTION_STRINGS = ["index", "expiry_tag", "expiry_date"] as const;
const OVERVIEW_STRINGS = ["index"] as const;
/** Leading fields that identify a row (timestamp through offset; timestamp and index): a repeat is a duplicate. */
const OPTION_KEY_FIELDS = 5;
const OVERVIEW_KEY_FIELDS = 2;
/** Rows with a wrong field count quoted in the quirks (the rest are only counted). */
const BAD_ROWS_KEPT = 5;
const QUOTE_CHARS = 80;

export type OptionStringColumn = (typeof OPTION_STRINGS)[number];
export type OptionNumericColumn = Exclude<(typeof OPTION_COLUMNS)[number], "timestamp" | OptionStringColumn>;
export type OverviewNumericColumn = Exclude<(typeof OVERVIEW_COLUMNS)[number], "timestamp" | "index">;

/** A string column as a small table: row r holds `values[codes[r]]`. */
export type StringColumn = { readonly values: readonly string[]; readonly codes: Uint32Array };

export type G6CsvQuirks = {
  /** Lines end "\r\n" (the Python G6's csv module). */
  crlf: boolean;
  /** Fields written 0 and read as missing (NaN), by the rules above. */
  zeroAsMissing: number;
  /** Every row's timestamp is on a :00 or :30 second (the Python G6 rounded to 30 s); false without rows. */
  rounded30s: boolean;
  /** Header columns after the known ones, in order (the Python G6's 34-column G-v1.0 header has two). */
  extraColumns: readonly string[];
  /** The last line had no line end (a write cut short): it is not read. */
  tornLastLine: { line: number; text: string } | null;
  /** Rows repeating an earlier row's key (timestamp and series): the first is kept, these are not read. */
  duplicates: number;
  /** Rows with the wrong number of fields or an unreadable timestamp: not read; the first few quoted (line numbers from 1, the header is line 1). */
  badRows: { count: number; first: readonly { line: number; fields: number; text: string }[] };
};

type Common = {
  rows: number;
  /** Epoch ms of each row. */
  timestamp: Float64Array;
  /** Extra trailing columns by name, as text (their meaning is not known here). */
  extra: Readonly<Record<string, readonly string[]>>;
  /** What the `path` option named, or null (not given, or not a G6 path). */
  path: G6Path | null;
  quirks: G6CsvQuirks;
};

export type OptionCsv = Common & {
  kind: "option";
  strings: Readonly<Record<OptionStringColumn, StringColumn>>;
  columns: Readonly<Record<OptionNumericColumn, Float64Array>>;
};

export type OverviewCsv = Common & {
  kind: "overview";
  strings: Readonly<Record<"index", StringColumn>>;
  columns: Readonly<Record<OverviewNumericColumn, Float64Array>>;
};

export type ReadOptions = { path?: string };

type Layout = { kind: "option" | "overview"; known: readonly string[]; strings: readonly string[]; keyFields: number };
const LAYOUTS: readonly Layout[] = [
  { kind: "option", known: OPTION_COLUMNS, strings: OPTION_STRINGS, keyFields: OPTION_KEY_FIELDS },
  { kind: "overview", known: OVERVIEW_COLUMNS, strings: OVERVIEW_STRINGS, keyFields: OVERVIEW_KEY_FIELDS },
];

const clip = (s: string) => (s.length > QUOTE_CHARS ? `${s.slice(0, QUOTE_CHARS)}…` : s);
const stripCr = (line: string) => (line.endsWith("\r") ? line.slice(0, -1) : line);

/** A field as a number: empty or not a number is NaN. */
function numberOf(field: string): number {
  if (field === "") return Number.NaN;
  const x = Number(field);
  return Number.isFinite(x) ? x : Number.NaN;
}

/** Epoch ms of a row's timestamp (its first field, `DD-MM-YYYY HH:MM:SS` IST); throws an Error naming a bad value. */
export function readRowTimestamp(line: string): number {
  const comma = line.indexOf(",");
  return parseG6Timestamp(stripCr(comma < 0 ? line : line.slice(0, comma)));
}

const OFFSET_AT = OPTION_COLUMNS.indexOf("offset");
const TP_AT = OPTION_COLUMNS.indexOf("tp");

/**
 * The offset (points) and straddle price tp (points) of one option row, or null when the line
 * does not have the option header's field count. tp is NaN when empty or 0 (a missing leg).
 */
export function readOptionRowTp(line: string): { offset: number; tp: number } | null {
  const fields = stripCr(line).split(",");
  if (fields.length !== OPTION_COLUMNS.length) return null;
  const tp = numberOf(fields[TP_AT]!);
  return { offset: numberOf(fields[OFFSET_AT]!), tp: tp === 0 ? Number.NaN : tp };
}

/** Decodes bytes (UTF-8, invalid sequences replaced) as the whole file's TextDecoder would; a BOM inside the file is text. */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const textOf = (b: Uint8Array, from: number, to: number) => utf8.decode(b.subarray(from, to));

/**
 * Interns one column's strings: the table and each row's code. A row whose bytes equal the
 * previous row's takes its code without building a string (a column is constant over long runs);
 * other bytes are decoded and looked up by their text, so two spellings decoding to one text
 * share a code as before.
 */
class StringTable {
  readonly values: string[] = [];
  readonly codes: Uint32Array;
  private readonly lookup = new Map<string, number>();
  private lastFrom = 0;
  private lastTo = -1;
  private lastCode = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly capacity: number,
  ) {
    this.codes = new Uint32Array(capacity);
  }
  /** The code of the field at bytes [from, to), set at row r. */
  set(r: number, from: number, to: number): number {
    if (!sameBytes(this.b, this.lastFrom, this.lastTo, from, to)) this.intern(from, to);
    return (this.codes[r] = this.lastCode);
  }
  private intern(from: number, to: number): void {
    const s = textOf(this.b, from, to);
    let code = this.lookup.get(s);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(s);
      this.lookup.set(s, code);
    }
    this.lastFrom = from;
    this.lastTo = to;
    this.lastCode = code;
  }
  done(rows: number): StringColumn {
    return { values: this.values, codes: rows === this.capacity ? this.codes : this.codes.subarray(0, rows) };
  }
}

function sameBytes(b: Uint8Array, a0: number, a1: number, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  for (let i = 0; i < a1 - a0; i++) if (b[a0 + i] !== b[b0 + i]) return false;
  return true;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const D0 = 48;

/**
 * The field at bytes [from, to) as `numberOf` reads its text, without building the text: a plain
 * decimal (`-`, digits, `.`, digits; at most 15 digits) is its digits over a power of ten, both
 * exact doubles, so the one rounding of the division is the correctly rounded value `Number`
 * gives. Anything else (an exponent, spaces, `+`, more digits) goes through `numberOf`.
 */
function numberAt(b: Uint8Array, from: number, to: number): number {
  if (from === to) return Number.NaN;
  let i = from;
  const neg = b[i] === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < to; i++) {
    const c = b[i]!;
    if (c >= D0 && c <= D0 + 9) {
      m = m * 10 + (c - D0);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0 && digits > 0) frac = 0;
    else return numberOf(textOf(b, from, to));
  }
  if (digits === 0 || digits > 15) return numberOf(textOf(b, from, to));
  const x = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -x : x;
}

const TS_LEN = 19;
const isDigit = (c: number) => c >= D0 && c <= D0 + 9;
const two = (b: Uint8Array, at: number) => (b[at]! - D0) * 10 + (b[at + 1]! - D0);

/**
 * Epoch ms of the timestamp at bytes [from, to), or NaN when `parseG6Timestamp` refuses it. The
 * time of day is read from the bytes when the date (and its separator) equals `prev`'s, whose
 * midnight is known; IST has no daylight saving, so the instant is that midnight plus the time.
 * Otherwise the text goes through `parseG6Timestamp`.
 */
function timestampAt(b: Uint8Array, from: number, to: number, prev: Stamp): number {
  if (to - from !== TS_LEN || prev.to - prev.from !== TS_LEN || !sameBytes(b, prev.from, prev.from + 11, from, from + 11)) return parseStamp(b, from, to, prev);
  const t = from + 11;
  if (!(isDigit(b[t]!) && isDigit(b[t + 1]!) && b[t + 2] === 58 && isDigit(b[t + 3]!) && isDigit(b[t + 4]!) && b[t + 5] === 58 && isDigit(b[t + 6]!) && isDigit(b[t + 7]!))) return Number.NaN;
  const h = two(b, t);
  const mi = two(b, t + 3);
  const s = two(b, t + 6);
  if (h > 23 || mi > 59 || s > 59) return Number.NaN;
  prev.from = from;
  prev.to = to;
  return prev.midnight + ((h * 60 + mi) * 60 + s) * 1000;
}

type Stamp = { from: number; to: number; midnight: number };

/** timestampAt of a new date: the text through `parseG6Timestamp`, and its midnight kept. */
function parseStamp(b: Uint8Array, from: number, to: number, prev: Stamp): number {
  let ms: number;
  try {
    ms = parseG6Timestamp(textOf(b, from, to));
  } catch {
    return Number.NaN;
  }
  // Valid, so the bytes are DD-MM-YYYY HH:MM:SS.
  const t = from + 11;
  prev.from = from;
  prev.to = to;
  prev.midnight = ms - ((two(b, t) * 60 + two(b, t + 3)) * 60 + two(b, t + 6)) * 1000;
  return ms;
}

/**
 * Finds the line starting at `from` (it ends with "\n"): returns the "\n"'s position; cut[f] is
 * where field f starts (f <= width; a CR before the "\n" is not in the last field) and
 * cut[width + 1] the line's field count. Small and apart from `decode` so that it is compiled
 * early: it runs for every byte.
 */
function scanLine(b: Uint8Array, from: number, cut: Int32Array, width: number): number {
  let fields = 0;
  cut[0] = from;
  let nl = from;
  for (; b[nl] !== 10; nl++) if (b[nl] === 44 && ++fields <= width) cut[fields] = nl + 1;
  fields++;
  const lineEnd = nl > from && b[nl - 1] === 13 ? nl - 1 : nl;
  if (fields <= width) cut[fields] = lineEnd + 1;
  cut[width + 1] = fields;
  return nl;
}

/** A row's numeric fields into row r of their columns, with the zero rules; returns the zeros read as missing. */
function readNumbers(b: Uint8Array, cut: Int32Array, r: number, numAt: Int32Array, values: Float64Array[], always: Uint8Array, ivColumn: (Float64Array | null)[]): number {
  let zeros = 0;
  for (let k = 0; k < numAt.length; k++) {
    const at = numAt[k]!;
    let x = numberAt(b, cut[at]!, cut[at + 1]! - 1);
    if (x === 0) {
      const iv = ivColumn[k]!;
      if (always[k] === 1 || (iv !== null && iv[r] !== iv[r])) {
        x = Number.NaN;
        zeros++;
      }
    }
    values[k]![r] = x;
  }
  return zeros;
}

/** Either result before its columns are known by name (the wrappers narrow it by `kind`). */
type Decoded = Common & {
  kind: Layout["kind"];
  strings: Readonly<Record<string, StringColumn>>;
  columns: Readonly<Record<string, Float64Array>>;
};

/** Counts "\n" bytes in [from, to). */
function countNewlines(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (b[i] === 10) n++;
  return n;
}

/** What the row loop reads into and counts; built once per file by `decode`. */
type Rows = {
  b: Uint8Array;
  width: number;
  timestamp: Float64Array;
  numAt: Int32Array;
  numValues: Float64Array[];
  always: Uint8Array;
  ivColumn: (Float64Array | null)[];
  /** The key fields after the timestamp (string columns; the offset by its text) and their codes on the last row. */
  keyColumn: StringTable[];
  keyCodes: Int32Array;
  /** Any string columns outside the key (none in the known layouts). */
  otherStrings: { at: number; column: StringTable }[];
  extra: string[][];
  knownWidth: number;
  /** Rows seen, by series (the key fields' codes) and instant; the current series' set at hand. */
  seen: Map<string, Set<number>>;
  seenHere: Set<number>;
  bad: { line: number; fields: number; text: string }[];
  badCount: number;
  duplicates: number;
  zeroAsMissing: number;
  on30s: boolean;
  stamp: Stamp;
  cut: Int32Array;
};

/**
 * Reads the rows of [p, bodyEnd) (whole lines; the header is line 1, so the first is line 2);
 * returns the rows kept. Kept small, its rare paths in functions of their own: a file's loop is
 * compiled by every reading thread, and the compiler's time grows with what the loop holds.
 */
function readRows(c: Rows, p: number, bodyEnd: number): number {
  const { b, width, cut, timestamp, keyColumn, keyCodes } = c;
  let r = 0;
  for (let line = 2; p < bodyEnd; line++) {
    const from = p;
    const nl = scanLine(b, from, cut, width);
    p = nl + 1;
    const ms = cut[width + 1] === width ? timestampAt(b, from, cut[1]! - 1, c.stamp) : Number.NaN;
    if (ms !== ms) {
      badRow(c, from, nl, line);
      continue;
    }
    let changed = false;
    for (let k = 0; k < keyColumn.length; k++) {
      const code = keyColumn[k]!.set(r, cut[k + 1]!, cut[k + 2]! - 1);
      if (code !== keyCodes[k]) {
        keyCodes[k] = code;
        changed = true;
      }
    }
    if (changed) newSeries(c);
    if (c.seenHere.has(ms)) {
      c.duplicates++;
      continue;
    }
    c.seenHere.add(ms);
    timestamp[r] = ms;
    if ((ms / 1000) % 30 !== 0) c.on30s = false;
    if (c.otherStrings.length || c.extra.length) otherFields(c, r);
    c.zeroAsMissing += readNumbers(b, cut, r, c.numAt, c.numValues, c.always, c.ivColumn);
    r++;
  }
  return r;
}

function badRow(c: Rows, from: number, nl: number, line: number): void {
  const lineEnd = nl > from && c.b[nl - 1] === 13 ? nl - 1 : nl;
  if (c.bad.length < BAD_ROWS_KEPT) c.bad.push({ line, fields: c.cut[c.width + 1]!, text: clip(textOf(c.b, from, lineEnd)) });
  c.badCount++;
}

function newSeries(c: Rows): void {
  const series = c.keyCodes.join(",");
  let set = c.seen.get(series);
  if (!set) c.seen.set(series, (set = new Set()));
  c.seenHere = set;
}

function otherFields(c: Rows, r: number): void {
  for (const s of c.otherStrings) s.column.set(r, c.cut[s.at]!, c.cut[s.at + 1]! - 1);
  for (let e = 0; e < c.extra.length; e++) {
    const at = c.knownWidth + e;
    c.extra[e]!.push(textOf(c.b, c.cut[at]!, c.cut[at + 1]! - 1));
  }
}

/**
 * Reads the bytes without building a string per line or field: fields are byte ranges, numbers
 * are read from the bytes (`numberAt`), strings are decoded only where a column changes, and a
 * row's duplicate key is its instant and the codes of its key fields (a valid timestamp's text
 * and its instant determine each other). The rules are those of reading the decoded text split
 * at "\n" and "," (the tests read text and bytes alike).
 */
function decode(input: string | Uint8Array, opts: ReadOptions, want?: Layout["kind"]): Decoded {
  // Text is read as its UTF-8 bytes; a byte input's BOM is dropped, as TextDecoder drops it.
  const b = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const begin = typeof input !== "string" && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const end = b.length;
  const lineCount = countNewlines(b, begin, end) + 1;
  const firstNl = b.indexOf(10, begin);
  const headerEnd = firstNl < 0 ? end : firstNl;
  const headerLine = textOf(b, begin, headerEnd);
  const crlf = headerLine.endsWith("\r");
  const header = stripCr(headerLine).split(",");
  const layout = LAYOUTS.find((l) => l.known.every((c, i) => header[i] === c));
  if (!layout) throw new Error(`not a G6 CSV header: "${clip(stripCr(headerLine))}"`);
  if (want && layout.kind !== want) throw new Error(`a G6 ${layout.kind} file, not ${want}`);
  const extraColumns = header.slice(layout.known.length);
  // The bytes after the last "\n" are nothing or a line cut short.
  const lastNl = lineCount > 1 ? b.lastIndexOf(10) : -1;
  const bodyEnd = lineCount > 1 ? lastNl + 1 : begin;
  const tornLastLine = lineCount > 1 && bodyEnd < end ? { line: lineCount, text: clip(textOf(b, bodyEnd, end)) } : null;
  const capacity = Math.max(0, lineCount - 2);

  const width = header.length;
  const strings = new Map(layout.strings.map((name) => [name, new StringTable(b, capacity)]));
  const numericNames = layout.known.filter((name) => name !== "timestamp" && !layout.strings.includes(name));
  // The timestamps and numeric columns are views of one block: one allocation a file (a fresh
  // typed array each cost more than reading its values), and one buffer to hand between threads.
  const block = new Float64Array(capacity * (numericNames.length + 1));
  const timestamp = block.subarray(0, capacity);
  const numeric = numericNames.map((name, k) => ({ name, at: layout.known.indexOf(name), rule: zeroRule(name), values: block.subarray((k + 1) * capacity, (k + 2) * capacity) }));
  // A Greek's 0 is missing when its leg's IV (decoded earlier in the row) is.
  const ivOf = new Map(numeric.map((c) => [c.name, c.values]));
  const stringAt = layout.strings.map((name) => ({ at: layout.known.indexOf(name), column: strings.get(name)! }));
  // The key fields after the timestamp, in order (1 .. keyFields - 1): string columns by their codes, a numeric one (the offset) by its text's.
  const keyColumn = Array.from({ length: layout.keyFields - 1 }, (_, k) => stringAt.find((s) => s.at === k + 1)?.column ?? new StringTable(b, capacity));
  const c: Rows = {
    b,
    width,
    timestamp,
    numAt: Int32Array.from(numeric, (n) => n.at),
    numValues: numeric.map((n) => n.values),
    always: Uint8Array.from(numeric, (n) => (n.rule === "missing" ? 1 : 0)),
    ivColumn: numeric.map((n) => (n.rule === "ce_iv" || n.rule === "pe_iv" ? ivOf.get(n.rule)! : null)),
    keyColumn,
    keyCodes: new Int32Array(keyColumn.length).fill(-1),
    otherStrings: stringAt.filter((s) => s.at >= layout.keyFields),
    extra: extraColumns.map(() => [] as string[]),
    knownWidth: layout.known.length,
    seen: new Map(),
    seenHere: new Set(),
    bad: [],
    badCount: 0,
    duplicates: 0,
    zeroAsMissing: 0,
    on30s: true,
    stamp: { from: 0, to: 0, midnight: 0 },
    // Field f of the line in hand spans [cut[f], cut[f + 1] - 1); cut[width + 1] is its field count.
    cut: new Int32Array(width + 2),
  };
  const rows = readRows(c, headerEnd + 1, bodyEnd);
  const quirks: G6CsvQuirks = {
    crlf,
    zeroAsMissing: c.zeroAsMissing,
    rounded30s: rows > 0 && c.on30s,
    extraColumns,
    tornLastLine,
    duplicates: c.duplicates,
    badRows: { count: c.badCount, first: c.bad },
  };
  const sized = (a: Float64Array) => (rows === capacity ? a : a.subarray(0, rows));
  return {
    kind: layout.kind,
    rows,
    timestamp: sized(timestamp),
    strings: Object.fromEntries([...strings].map(([name, t]) => [name, t.done(rows)])),
    columns: Object.fromEntries(numeric.map((n) => [n.name, sized(n.values)])),
    extra: Object.fromEntries(extraColumns.map((name, e) => [name, c.extra[e]!])),
    path: opts.path === undefined ? null : parseG6Path(opts.path),
    quirks,
  };
}

/**
 * A G6 option or overview file (the kind is its header's), from its text or bytes (UTF-8).
 * Throws an Error when the first line is not a G6 header (the known columns, then any extra
 * columns); every other problem is a quirk, and the rows around it are read.
 */
export function readG6Csv(input: string | Uint8Array, opts: ReadOptions = {}): OptionCsv | OverviewCsv {
  return decode(input, opts) as OptionCsv | OverviewCsv;
}

/** readG6Csv for an option file (either layout); throws on an overview file. */
export function readOptionCsv(input: string | Uint8Array, opts: ReadOptions = {}): OptionCsv {
  return decode(input, opts, "option") as OptionCsv;
}

/** readG6Csv for an overview file; throws on an option file. */
export function readOverviewCsv(input: string | Uint8Array, opts: ReadOptions = {}): OverviewCsv {
  return decode(input, opts, "overview") as OverviewCsv;
}
