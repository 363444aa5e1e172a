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
import { parseG6Timestamp } from "../market/index.ts";
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

/** Interns strings of one column: the table and each row's code. */
function stringColumn(capacity: number) {
  const values: string[] = [];
  const lookup = new Map<string, number>();
  const codes = new Uint32Array(capacity);
  return {
    set(r: number, s: string) {
      let code = lookup.get(s);
      if (code === undefined) {
        code = values.length;
        values.push(s);
        lookup.set(s, code);
      }
      codes[r] = code;
    },
    done: (rows: number): StringColumn => ({ values, codes: codes.slice(0, rows) }),
  };
}

/** Either result before its columns are known by name (the wrappers narrow it by `kind`). */
type Decoded = Common & {
  kind: Layout["kind"];
  strings: Readonly<Record<string, StringColumn>>;
  columns: Readonly<Record<string, Float64Array>>;
};

function decode(input: string | Uint8Array, opts: ReadOptions, want?: Layout["kind"]): Decoded {
  const text = typeof input === "string" ? input : new TextDecoder().decode(input);
  const lines = text.split("\n");
  const headerLine = lines[0] ?? "";
  const crlf = headerLine.endsWith("\r");
  const header = stripCr(headerLine).split(",");
  const layout = LAYOUTS.find((l) => l.known.every((c, i) => header[i] === c));
  if (!layout) throw new Error(`not a G6 CSV header: "${clip(stripCr(headerLine))}"`);
  if (want && layout.kind !== want) throw new Error(`a G6 ${layout.kind} file, not ${want}`);
  const extraColumns = header.slice(layout.known.length);
  // The element after the last "\n" is "" or a line cut short.
  const tail = lines.length > 1 ? lines.pop()! : "";
  const tornLastLine = tail === "" ? null : { line: lines.length + 1, text: clip(tail) };
  const capacity = Math.max(0, lines.length - 1);

  const timestamp = new Float64Array(capacity);
  const strings = new Map(layout.strings.map((name) => [name, stringColumn(capacity)]));
  const numeric = layout.known
    .map((name, at) => ({ name, at, rule: zeroRule(name), values: new Float64Array(capacity) }))
    .filter((c) => c.name !== "timestamp" && !layout.strings.includes(c.name));
  // A Greek's 0 is missing when its leg's IV (decoded earlier in the row) is.
  const ivOf = new Map(numeric.map((c) => [c.name, c.values]));
  const zeroTest = numeric.map((c) => ({ always: c.rule === "missing", iv: c.rule === "ce_iv" || c.rule === "pe_iv" ? ivOf.get(c.rule)! : null }));
  const stringAt = layout.strings.map((name) => ({ at: layout.known.indexOf(name), column: strings.get(name)! }));
  const extra = extraColumns.map(() => [] as string[]);
  const seen = new Set<string>();
  const bad: { line: number; fields: number; text: string }[] = [];
  let badCount = 0;
  let duplicates = 0;
  let zeroAsMissing = 0;
  let on30s = true;
  let lastStamp = "";
  let lastMs = Number.NaN;
  let r = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = stripCr(lines[i]!);
    const fields = line.split(",");
    let ms = Number.NaN;
    if (fields.length === header.length) {
      if (fields[0] === lastStamp) ms = lastMs;
      else {
        try {
          ms = parseG6Timestamp(fields[0]!);
          lastStamp = fields[0]!;
          lastMs = ms;
        } catch {
          // counted below as a bad row
        }
      }
    }
    if (ms !== ms) {
      if (bad.length < BAD_ROWS_KEPT) bad.push({ line: i + 1, fields: fields.length, text: clip(line) });
      badCount++;
      continue;
    }
    const key = fields.slice(0, layout.keyFields).join(",");
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    timestamp[r] = ms;
    if ((ms / 1000) % 30 !== 0) on30s = false;
    for (const s of stringAt) s.column.set(r, fields[s.at]!);
    for (let k = 0; k < numeric.length; k++) {
      const c = numeric[k]!;
      let x = numberOf(fields[c.at]!);
      if (x === 0) {
        const z = zeroTest[k]!;
        if (z.always || (z.iv !== null && Number.isNaN(z.iv[r]!))) {
          x = Number.NaN;
          zeroAsMissing++;
        }
      }
      c.values[r] = x;
    }
    for (let e = 0; e < extra.length; e++) extra[e]!.push(fields[layout.known.length + e]!);
    r++;
  }
  const rows = r;
  const quirks: G6CsvQuirks = {
    crlf,
    zeroAsMissing,
    rounded30s: rows > 0 && on30s,
    extraColumns,
    tornLastLine,
    duplicates,
    badRows: { count: badCount, first: bad },
  };
  return {
    kind: layout.kind,
    rows,
    timestamp: timestamp.slice(0, rows),
    strings: Object.fromEntries([...strings].map(([name, c]) => [name, c.done(rows)])),
    columns: Object.fromEntries(numeric.map((c) => [c.name, c.values.slice(0, rows)])),
    extra: Object.fromEntries(extraColumns.map((name, e) => [name, extra[e]!])),
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
