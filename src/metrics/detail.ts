/**
 * Per-strike option detail: which strikes a detail level exposes, how many series that makes,
 * and filling the option_detail gauges from a batch (done at scrape time, not in the cycle).
 */
import type { ChainBatch } from "../chain/batch.ts";
import type { OPTION_DETAIL_METRICS } from "./groups/option-detail.ts";
import { SERIES_PER_LEG } from "./groups/option-detail.ts";
import type { DetailLevel } from "./guard.ts";
import type { GroupHandles } from "./types.ts";

/** Strike positions [from, to) of group g exposed at `level` (band: ATM ± band strikes). */
export function detailRange(b: ChainBatch, g: number, level: DetailLevel, band: number): [number, number] {
  const n = (b.end[g]! - b.start[g]!) >> 1;
  if (level === 0 || n === 0) return [0, 0];
  if (level === 2) return [0, n];
  const start = b.start[g]!;
  const atm = b.g_atm[g]!;
  // Strikes ascend: find the first strike ≥ ATM (the ATM strike itself when it is listed).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b.strike[start + 2 * mid]! < atm) lo = mid + 1;
    else hi = mid;
  }
  const k0 = Math.min(lo, n - 1);
  return [Math.max(0, k0 - band), Math.min(n, k0 + band + 1)];
}

/** Option detail series at each level [none, band, all] for a batch. */
export function detailSeries(b: ChainBatch, band: number): [number, number, number] {
  let bandLegs = 0;
  for (let g = 0; g < b.groups; g++) {
    const [from, to] = detailRange(b, g, 1, band);
    bandLegs += 2 * (to - from);
  }
  return [0, bandLegs * SERIES_PER_LEG, b.legs * SERIES_PER_LEG];
}

/**
 * Replaces the option_detail series with the legs `level` exposes. Missing values stay NaN.
 * Cost: linear in the exposed legs (bounded by the guard), paid on scrape.
 */
export function fillDetail(h: GroupHandles<typeof OPTION_DETAIL_METRICS>, b: ChainBatch | null, level: DetailLevel, band: number): void {
  h.price.reset();
  h.iv.reset();
  h.oi.reset();
  if (!b || level === 0) return;
  for (let g = 0; g < b.groups; g++) {
    const [from, to] = detailRange(b, g, level, band);
    const index = b.labels.index[g]!;
    const expiry = b.labels.tag[g]!;
    for (let k = from; k < to; k++) {
      for (const i of [b.start[g]! + 2 * k, b.start[g]! + 2 * k + 1]) {
        const labels = { index, expiry, strike: String(b.strike[i]), side: b.isCall[i] ? "CE" : "PE" };
        h.price.set(labels, b.last[i]!);
        h.iv.set(labels, b.iv[i]!);
        h.oi.set(labels, b.oi[i]!);
      }
    }
  }
}
