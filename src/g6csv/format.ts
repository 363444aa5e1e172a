/**
 * The G6 CSV format (pure): headers, number formatting and paths exactly as existing G6 tooling
 * reads them. Rows are rendered in rows.ts and read back in read.ts.
 *
 * Layouts: `g6` (the Python G6's) has one file per option series,
 * `<base>/<INDEX>/<expiry_tag>/<offset>/<YYYY-MM-DD>.csv`, one row per strike per snapshot with
 * CE and PE side by side; `expiry_v1` has one file per index / expiry tag / day,
 * `<base>/expiry_v1/<INDEX>/<expiry_tag>/<YYYY-MM-DD>.csv`, same header and rows. Overview (both
 * layouts): `<base>/overview/<INDEX>/<YYYY-MM-DD>.csv`. One deliberate difference from the
 * Python G6: the timestamp is the snapshot instant to the second (it rounded to 30 s and dropped
 * every cycle that landed in the same 30 s).
 *
 * Units: prices in points (2 decimals), volume and OI as reported, iv as a fraction (0.143),
 * delta per point, gamma per point², theta per calendar day, vega per vol point, rho per 1 %
 * of rate. A missing value is an empty field, never a made-up number.
 */
import { formatOffset, isValidIsoDate } from "../market/index.ts";

/** The option file's 32 columns, in order (DOMAIN §6). */
export const OPTION_COLUMNS = Object.freeze([
  "timestamp", "index", "expiry_tag", "expiry_date", "offset", "index_price", "atm", "strike", "ce", "pe",
  "tp", "avg_ce", "avg_pe", "avg_tp", "ce_vol", "pe_vol", "ce_oi", "pe_oi", "ce_iv", "pe_iv", "ce_delta",
  "pe_delta", "ce_theta", "pe_theta", "ce_vega", "pe_vega", "ce_gamma", "pe_gamma", "ce_rho", "pe_rho",
  "tp_net_change", "tp_day_change",
] as const);
/** The overview file's 16 columns, in order. */
export const OVERVIEW_COLUMNS = Object.freeze([
  "timestamp", "index", "pcr_this_week", "pcr_next_week", "pcr_this_month", "pcr_next_month", "day_width",
  "index_price", "index_net_change", "index_day_change", "VIX", "expiries_expected", "expiries_collected",
  "expected_mask", "collected_mask", "missing_mask",
] as const);
export const OPTION_HEADER: string = OPTION_COLUMNS.join(",");
export const OVERVIEW_HEADER: string = OVERVIEW_COLUMNS.join(",");

/** Fixed decimals per column kind. */
export const DECIMALS = { price: 2, iv: 6, delta: 6, gamma: 8, theta: 4, vega: 4, rho: 4, pcr: 4 } as const;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * A finite number with `d` decimals (0–9), else empty: missing stays missing. Rounds half away
 * from zero on the binary value scaled by 10^d; about 4× faster than toFixed, which matters at
 * 100,000 legs a cycle. Falls back to toFixed where the scaled value is not a safe integer.
 */
export function fmt(x: number, d: number): string {
  if (!Number.isFinite(x)) return "";
  const scaled = Math.round(Math.abs(x) * POW10[d]!);
  if (scaled > Number.MAX_SAFE_INTEGER) return x.toFixed(d);
  if (scaled === 0) return d === 0 ? "0" : `0.${"0".repeat(d)}`;
  const sign = x < 0 ? "-" : "";
  if (d === 0) return sign + scaled;
  let digits = String(scaled);
  if (digits.length <= d) digits = "0".repeat(d - digits.length + 1) + digits;
  return `${sign}${digits.slice(0, -d)}.${digits.slice(-d)}`;
}


/** Path of a `g6` layout option file: `<base>/<INDEX>/<tag>/<offset>/<date>.csv` (offset in points, `+50`, `0`, `-100`). */
export function optionPath(base: string, index: string, tag: string, offset: number, date: string): string {
  return `${base}/${index}/${tag}/${formatOffset(offset)}/${date}.csv`;
}

/** Path of an overview file (both layouts): `<base>/overview/<INDEX>/<date>.csv`. */
export function overviewPath(base: string, index: string, date: string): string {
  return `${base}/overview/${index}/${date}.csv`;
}

/** Path of an `expiry_v1` layout option file: `<base>/expiry_v1/<INDEX>/<tag>/<date>.csv`. */
export function expiryPath(base: string, index: string, tag: string, date: string): string {
  return `${base}/expiry_v1/${index}/${tag}/${date}.csv`;
}

/** What a G6 CSV path names; `base` is everything before the layout's own segments. */
export type G6Path =
  | { kind: "option"; layout: "g6"; base: string; index: string; tag: string; offset: number; date: string }
  | { kind: "option"; layout: "expiry_v1"; base: string; index: string; tag: string; date: string }
  | { kind: "overview"; base: string; index: string; date: string };

const OFFSET_DIR = /^(0|[+-][1-9]\d*)$/;
/** Index and tag directory names: no separators, no dots (G6 writes NIFTY, this_week). */
const NAME_DIR = /^[A-Za-z0-9_]+$/;

/**
 * The inverse of optionPath / expiryPath / overviewPath: the path (with `/` or backslash
 * separators) parsed from its end, or null when it is none of them. An option path under a
 * directory named `overview` or `expiry_v1` is read as that layout, as G6 would have written it.
 */
export function parseG6Path(path: string): G6Path | null {
  const parts = path.split(/[\\/]/);
  const file = parts.at(-1) ?? "";
  if (!file.endsWith(".csv")) return null;
  const date = file.slice(0, -4);
  if (!isValidIsoDate(date)) return null;
  const n = parts.length;
  const seg = (k: number) => parts[n - 1 - k] ?? "";
  const baseOf = (k: number) => parts.slice(0, n - 1 - k).join("/");
  if (seg(2) === "overview" && NAME_DIR.test(seg(1))) return { kind: "overview", base: baseOf(2), index: seg(1), date };
  if (seg(3) === "expiry_v1" && NAME_DIR.test(seg(2)) && NAME_DIR.test(seg(1))) {
    return { kind: "option", layout: "expiry_v1", base: baseOf(3), index: seg(2), tag: seg(1), date };
  }
  if (OFFSET_DIR.test(seg(1)) && NAME_DIR.test(seg(2)) && NAME_DIR.test(seg(3)) && n >= 4) {
    return { kind: "option", layout: "g6", base: baseOf(3), index: seg(3), tag: seg(2), offset: Number(seg(1)), date };
  }
  return null;
}
