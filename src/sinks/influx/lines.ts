/**
 * InfluxDB line protocol for one cycle (pure), in the Python G6's schema so existing buckets and
 * dashboards keep working:
 *
 * - `option_data`, one line per leg with any value: tags `expiry` (YYYY-MM-DD), `index`,
 *   `strike`, `symbol`, `type` (CE/PE); the Python G6's fields `price` (last), `oi`, `volume`,
 *   `iv`, `delta`, `gamma`, `theta`, `vega`, `rho`, all floats as it wrote them (an integer `oi`
 *   into an existing bucket is a type conflict and the line is refused), and G6's additions under
 *   new names: `bid`, `ask`, `avg_price`, `quote_age_seconds`. No tag that changes over a
 *   contract's life (offset, expiry tag, ATM): a series stays one series.
 * - `options_overview`, one line per index (tag `index`): the overview CSV's columns
 *   (`pcr_this_week` … `pcr_next_month`, `day_width`, `index_price`, `index_net_change`,
 *   `index_day_change` floats; `expiries_expected`, `expiries_collected`, `expected_mask`,
 *   `collected_mask`, `missing_mask` integers). VIX is not collected: absent.
 * - `options_expiry`, one line per index and expiry (tags `expiry`, `index`): what G6 adds
 *   (forward, PCRs, max pain, ATM IV, straddle, implied move, 25Δ risk reversal and butterfly,
 *   support, resistance, coverage, legs, and `status` and the expiry `tag` as string fields).
 *
 * An expiry collected under two tags (this_week that is also this_month) is written once, under
 * its first tag: the same contracts at the same instant are the same points.
 *
 * A missing value (NaN) is an absent field, never 0; a line with no field is not written. Every
 * line of a cycle carries the cycle's snapshot instant in milliseconds (write with
 * precision=ms), so a cycle written twice overwrites itself: replay is safe. The escaper is ours
 * (the client's Point API costs 7–9 µs a point; these option lines about 1–1.5 µs once warm).
 *
 * `symbol` is the contract's name built from the index, the expiry (YYMMDD), the strike and the
 * side, e.g. NIFTY26112725000CE: the batch carries no exchange tradingsymbol, and this name is
 * the same for a contract every cycle of its life.
 */
import type { ChainBatch } from "../../chain/batch.ts";
import type { ExpirySummary, IndexSummary } from "../../chain/score.ts";
import type { CycleResult } from "../../contracts/index.ts";
import { ByteWriter, FIXED_MAX_BYTES, putAscii, putBytes, writeFixed } from "../../g6csv/bytes.ts";
import { DECIMALS } from "../../g6csv/format.ts";

export const MEASUREMENTS = { options: "option_data", overview: "options_overview", expiry: "options_expiry" } as const;

/** Escapes a tag key, tag value or field key (commas, equals signs, spaces). */
export function escapeKey(s: string): string {
  return /[,= \\\n]/.test(s) ? s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, "\\n") : s;
}

/** A string field value, quoted (backslashes and double quotes escaped). */
export function quoteString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}

/** Builds the field set of one line: only finite values are written. */
class Fields {
  text = "";
  float(name: string, x: number): void {
    if (!Number.isFinite(x)) return;
    this.text += (this.text ? "," : "") + name + "=" + String(x);
  }
  int(name: string, x: number): void {
    if (!Number.isFinite(x)) return;
    this.text += (this.text ? "," : "") + name + "=" + Math.trunc(x) + "i";
  }
  str(name: string, s: string): void {
    this.text += (this.text ? "," : "") + name + "=" + quoteString(s);
  }
}

/** YYMMDD of an ISO date. */
const compactDate = (iso: string) => iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);

const encoder = new TextEncoder();

/**
 * A finite float with at most `d` decimals at `pos`, as the CSV files round it (writeFixed),
 * trailing zeros dropped: 88 not 88.00, 0.5 not 0.500000. Returns the position after it; the
 * caller guarantees FIXED_MAX_BYTES of room.
 */
function putFloat(buf: Uint8Array, pos: number, x: number, d: number): number {
  let end = writeFixed(buf, pos, x, d);
  if (d === 0) return end;
  while (buf[end - 1] === 48) end--;
  if (buf[end - 1] === 46) end--;
  return end;
}

/** The per-leg fields of option_data with their decimals (the CSV's): the Python G6's, then G6's additions. */
const OPTION_FIELDS = [
  ["price", "last", DECIMALS.price],
  ["oi", "oi", 0],
  ["volume", "volume", 0],
  ["iv", "iv", DECIMALS.iv],
  ["delta", "delta", DECIMALS.delta],
  ["gamma", "gamma", DECIMALS.gamma],
  ["theta", "theta", DECIMALS.theta],
  ["vega", "vega", DECIMALS.vega],
  ["rho", "rho", DECIMALS.rho],
  ["bid", "bid", DECIMALS.price],
  ["ask", "ask", DECIMALS.price],
  ["avg_price", "avg", DECIMALS.price],
] as const;
const FIELD_KEYS = OPTION_FIELDS.map(([name]) => [encoder.encode(`${name}=`), encoder.encode(`,${name}=`)] as const);
const AGE_KEY = [encoder.encode("quote_age_seconds="), encoder.encode(",quote_age_seconds=")] as const;

/** Longest `String(strike)` a line has room for (a double's shortest text is at most 24 characters). */
const STRIKE_MAX = 32;
const TYPE_TAGS = [encoder.encode("PE,type=PE "), encoder.encode("CE,type=CE ")] as const;
const FIELDS_MAX = FIELD_KEYS.reduce((n, [, key]) => n + key.length + FIXED_MAX_BYTES, AGE_KEY[1].length + FIXED_MAX_BYTES);

/**
 * Writes the option_data lines of `b` into `w` (one per leg with any value); returns how many.
 * Bytes are written straight into the buffer (a group's tag prefix encoded once, a strike's
 * text made once for its two legs, each line's room reserved once): at 100,000 legs a cycle,
 * building each line as a string and joining them costs several times more.
 */
export function writeOptionLines(b: ChainBatch, at: number, w: ByteWriter): number {
  const ts = encoder.encode(` ${Math.trunc(at)}\n`);
  let n = 0;
  const seen = new Set<string>();
  const columns = OPTION_FIELDS.map(([, field]) => b[field]);
  const decimals = OPTION_FIELDS.map(([, , d]) => d);
  const fieldCount = columns.length;
  const { strike, isCall, quoteTime } = b;
  let strikeValue = Number.NaN;
  let strikeText = "NaN";
  for (let g = 0; g < b.groups; g++) {
    const index = escapeKey(b.labels.index[g]!);
    const expiry = b.labels.expiry[g]!;
    // Two tags naming one expiry (this_week is also this_month) are one set of contracts: written once.
    if (seen.has(`${index} ${expiry}`)) continue;
    seen.add(`${index} ${expiry}`);
    const head = encoder.encode(`${MEASUREMENTS.options},expiry=${escapeKey(expiry)},index=${index},strike=`);
    const symbolHead = encoder.encode(`,symbol=${index}${compactDate(expiry)}`);
    const bound = head.length + symbolHead.length + 2 * STRIKE_MAX + TYPE_TAGS[0].length + FIELDS_MAX + ts.length;
    let buf = w.buf;
    let pos = w.pos;
    for (let i = b.start[g]!, end = b.end[g]!; i < end; i++) {
      if (buf.length - pos < bound) {
        w.pos = pos;
        buf = w.reserve(bound);
      }
      const mark = pos;
      const k = strike[i]!;
      if (k !== strikeValue) {
        strikeValue = k;
        strikeText = String(k);
      }
      pos = putBytes(buf, pos, head);
      pos = putAscii(buf, pos, strikeText);
      pos = putBytes(buf, pos, symbolHead);
      pos = putAscii(buf, pos, strikeText);
      pos = putBytes(buf, pos, TYPE_TAGS[isCall[i] === 1 ? 1 : 0]);
      let any = 0;
      for (let f = 0; f < fieldCount; f++) {
        const x = columns[f]![i]!;
        if (x - x !== 0) continue; // not finite: no field
        pos = putBytes(buf, pos, FIELD_KEYS[f]![any]);
        pos = putFloat(buf, pos, x, decimals[f]!);
        any = 1;
      }
      const qt = quoteTime[i]!;
      if (qt - qt === 0) {
        pos = putBytes(buf, pos, AGE_KEY[any]);
        pos = putFloat(buf, pos, (at - qt) / 1000, 3);
        any = 1;
      }
      if (any === 0) {
        // Nothing known of this leg: no line.
        pos = mark;
        continue;
      }
      pos = putBytes(buf, pos, ts);
      n++;
    }
    w.pos = pos;
  }
  return n;
}

/** The option_data lines of `b` as strings (tests, tools); appends to `out`, returns how many. */
export function optionLines(b: ChainBatch, at: number, out: string[]): number {
  const w = new ByteWriter(1 << 16);
  const n = writeOptionLines(b, at, w);
  const text = new TextDecoder().decode(w.view());
  if (n) out.push(...text.slice(0, -1).split("\n"));
  return n;
}

/** The options_overview line of one index, as the overview CSV has it. */
export function overviewLine(s: IndexSummary, expiries: readonly ExpirySummary[], at: number): string | null {
  const f = new Fields();
  for (const tag of ["this_week", "next_week", "this_month", "next_month"]) {
    const e = expiries.find((x) => x.index === s.index && x.tag === tag);
    f.float(`pcr_${tag}`, e ? e.pcrOi : Number.NaN);
  }
  f.float("day_width", s.high - s.low);
  f.float("index_price", s.spot);
  f.float("index_net_change", s.spot - s.prevClose);
  f.float("index_day_change", s.spot - s.open);
  f.int("expiries_expected", s.expiriesExpected);
  f.int("expiries_collected", s.expiriesCollected);
  f.int("expected_mask", s.expectedMask);
  f.int("collected_mask", s.collectedMask);
  f.int("missing_mask", s.missingMask);
  return f.text ? `${MEASUREMENTS.overview},index=${escapeKey(s.index)} ${f.text} ${Math.trunc(at)}` : null;
}

/** The options_expiry line of one index and expiry: what G6 adds to the Python G6's schema. */
export function expiryLine(e: ExpirySummary, at: number): string {
  const f = new Fields();
  f.float("forward", e.forward);
  f.float("pcr_oi", e.pcrOi);
  f.float("pcr_volume", e.pcrVolume);
  f.float("max_pain", e.maxPain);
  f.float("atm_iv", e.atmIv);
  f.float("straddle", e.straddle);
  f.float("implied_move", e.impliedMove);
  f.float("rr25", e.rr25);
  f.float("bf25", e.bf25);
  f.float("support", e.support);
  f.float("resistance", e.resistance);
  f.float("strike_coverage", e.strikeCoverage);
  f.float("field_coverage", e.fieldCoverage);
  f.int("legs_requested", e.legsRequested);
  f.int("legs_collected", e.legsCollected);
  // Trader figures (docs/ARCHITECTURE.md, "Trader analytics"): what the aggregates covered, OI change, build-up, IV rank.
  f.str("scope", e.scope);
  f.int("aggregate_strikes", e.aggregateStrikes);
  f.float("aggregate_coverage", e.aggregateCoverage);
  f.float("pcr_oi_window", e.pcrOiWindow);
  f.float("oi_change_session_ce", e.callOiChangeSession);
  f.float("oi_change_session_pe", e.putOiChangeSession);
  f.float("oi_change_lookback_ce", e.callOiChangeLookback);
  f.float("oi_change_lookback_pe", e.putOiChangeLookback);
  f.str("buildup_ce", e.callBuildup);
  f.str("buildup_pe", e.putBuildup);
  f.float("iv_rank", e.ivRank);
  f.float("iv_percentile", e.ivPercentile);
  f.int("iv_sessions", e.ivSessions);
  f.str("status", e.status);
  f.str("tag", e.tag);
  return `${MEASUREMENTS.expiry},expiry=${escapeKey(e.expiry)},index=${escapeKey(e.index)} ${f.text} ${Math.trunc(at)}`;
}

/** The summary lines of a cycle: one per distinct expiry, then one per index. */
function summaryLines(result: CycleResult): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of result.expiries) {
    if (seen.has(`${e.index} ${e.expiry}`)) continue;
    seen.add(`${e.index} ${e.expiry}`);
    out.push(expiryLine(e, result.at));
  }
  for (const s of result.indices) {
    const line = overviewLine(s, result.expiries, result.at);
    if (line) out.push(line);
  }
  return out;
}

/** The cycle as one payload: its lines in order (options, then per expiry, then per index), each ending in a newline. */
export function encodeCycle(result: CycleResult): Uint8Array {
  const w = new ByteWriter(Math.max(1 << 12, result.batch.legs * 360));
  writeCycle(result, w);
  return w.view();
}

/**
 * Appends the cycle's payload (encodeCycle's bytes) to `w`; returns its line count. g6 ingest
 * writes many cycles into one buffer this way, so its spool records are the sink's bytes.
 */
export function writeCycle(result: CycleResult, w: ByteWriter): number {
  let n = writeOptionLines(result.batch, result.at, w);
  for (const line of summaryLines(result)) {
    w.ascii(line);
    w.newline();
    n++;
  }
  return n;
}

/** Every line of a cycle as strings, in payload order (tests, tools). */
export function cycleLines(result: CycleResult): string[] {
  const text = new TextDecoder().decode(encodeCycle(result));
  return text ? text.slice(0, -1).split("\n") : [];
}
