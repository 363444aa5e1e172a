/**
 * The G6 CSV format (pure): paths, headers and rows exactly as existing G6 tooling reads them.
 *
 * Per option series: `<base>/<INDEX>/<expiry_tag>/<offset>/<YYYY-MM-DD>.csv`, one row per strike
 * per snapshot with CE and PE side by side. Overview: `<base>/overview/<INDEX>/<YYYY-MM-DD>.csv`.
 * One deliberate difference from the Python G6: the timestamp is the snapshot instant to the
 * second (it rounded to 30 s and dropped every cycle that landed in the same 30 s).
 *
 * Units: prices in points (2 decimals), volume and OI as reported, iv as a fraction (0.143),
 * delta per point, gamma per point², theta per calendar day, vega per vol point, rho per 1 %
 * of rate. A missing value is an empty field, never a made-up number.
 */
import type { ChainBatch } from "../../chain/batch.ts";
import type { ExpirySummary, IndexSummary } from "../../chain/score.ts";
import { EXPIRY_TAG_BITS, formatG6Timestamp, formatOffset } from "../../market/index.ts";

export const OPTION_HEADER =
  "timestamp,index,expiry_tag,expiry_date,offset,index_price,atm,strike,ce,pe,tp,avg_ce,avg_pe,avg_tp,ce_vol,pe_vol,ce_oi,pe_oi,ce_iv,pe_iv,ce_delta,pe_delta,ce_theta,pe_theta,ce_vega,pe_vega,ce_gamma,pe_gamma,ce_rho,pe_rho,tp_net_change,tp_day_change";
export const OVERVIEW_HEADER =
  "timestamp,index,pcr_this_week,pcr_next_week,pcr_this_month,pcr_next_month,day_width,index_price,index_net_change,index_day_change,VIX,expiries_expected,expiries_collected,expected_mask,collected_mask,missing_mask";

/** Fixed decimals per column kind. */
export const DECIMALS = { price: 2, iv: 6, delta: 6, gamma: 8, theta: 4, vega: 4, rho: 4, pcr: 4 } as const;

/** A finite number with `d` decimals, else empty (missing stays missing). */
export function fmt(x: number, d: number): string {
  if (!Number.isFinite(x)) return "";
  const s = x.toFixed(d);
  return s.startsWith("-") && Number(s) === 0 ? s.slice(1) : s;
}

const int = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : "");

export function optionPath(base: string, index: string, tag: string, offset: number, date: string): string {
  return `${base}/${index}/${tag}/${formatOffset(offset)}/${date}.csv`;
}

export function overviewPath(base: string, index: string, date: string): string {
  return `${base}/overview/${index}/${date}.csv`;
}

/** Straddle price tp = ce + pe for the strike pair starting at call leg `c` (NaN if a side is missing). */
export function straddleAt(b: ChainBatch, c: number): number {
  const ce = b.last[c]!;
  const pe = b.last[c + 1]!;
  return Number.isFinite(ce) && Number.isFinite(pe) ? ce + pe : Number.NaN;
}

/** True when neither leg of the strike pair has a quote: no row is written for it. */
export function pairMissing(b: ChainBatch, c: number): boolean {
  return !Number.isFinite(b.last[c]!) && !Number.isFinite(b.last[c + 1]!);
}

/**
 * One option row for the strike pair at call leg `c`. `netChange` and `dayChange` are the
 * tp changes against the previous trading day's last tp and the day's first tp (NaN if unknown).
 */
export function optionRow(b: ChainBatch, e: ExpirySummary, c: number, at: number, netChange: number, dayChange: number): string {
  const p = c + 1;
  const P = DECIMALS.price;
  const avgTp = Number.isFinite(b.avg[c]!) && Number.isFinite(b.avg[p]!) ? b.avg[c]! + b.avg[p]! : Number.NaN;
  const strike = b.strike[c]!;
  return [
    formatG6Timestamp(at),
    e.index,
    e.tag,
    e.expiry,
    int(strike - e.atm),
    fmt(e.spot, P),
    int(e.atm),
    int(strike),
    fmt(b.last[c]!, P),
    fmt(b.last[p]!, P),
    fmt(straddleAt(b, c), P),
    fmt(b.avg[c]!, P),
    fmt(b.avg[p]!, P),
    fmt(avgTp, P),
    int(b.volume[c]!),
    int(b.volume[p]!),
    int(b.oi[c]!),
    int(b.oi[p]!),
    fmt(b.iv[c]!, DECIMALS.iv),
    fmt(b.iv[p]!, DECIMALS.iv),
    fmt(b.delta[c]!, DECIMALS.delta),
    fmt(b.delta[p]!, DECIMALS.delta),
    fmt(b.theta[c]!, DECIMALS.theta),
    fmt(b.theta[p]!, DECIMALS.theta),
    fmt(b.vega[c]!, DECIMALS.vega),
    fmt(b.vega[p]!, DECIMALS.vega),
    fmt(b.gamma[c]!, DECIMALS.gamma),
    fmt(b.gamma[p]!, DECIMALS.gamma),
    fmt(b.rho[c]!, DECIMALS.rho),
    fmt(b.rho[p]!, DECIMALS.rho),
    fmt(netChange, P),
    fmt(dayChange, P),
  ].join(",");
}

/** The overview row of one index: PCR (OI) per tag, day width, changes, expiry masks. VIX is not collected: empty. */
export function overviewRow(s: IndexSummary, expiries: readonly ExpirySummary[], at: number): string {
  const pcrByTag = new Map<string, number>();
  for (const e of expiries) if (e.index === s.index && e.tag in EXPIRY_TAG_BITS) pcrByTag.set(e.tag, e.pcrOi);
  const pcrOf = (tag: string) => fmt(pcrByTag.get(tag) ?? Number.NaN, DECIMALS.pcr);
  const P = DECIMALS.price;
  return [
    formatG6Timestamp(at),
    s.index,
    pcrOf("this_week"),
    pcrOf("next_week"),
    pcrOf("this_month"),
    pcrOf("next_month"),
    fmt(s.high - s.low, P),
    fmt(s.spot, P),
    fmt(s.spot - s.prevClose, P),
    fmt(s.spot - s.open, P),
    "",
    String(s.expiriesExpected),
    String(s.expiriesCollected),
    String(s.expectedMask),
    String(s.collectedMask),
    String(s.missingMask),
  ].join(",");
}

/** Column index of `tp` in the option header (for reading back first/last tp). */
export const TP_COLUMN = OPTION_HEADER.split(",").indexOf("tp");
