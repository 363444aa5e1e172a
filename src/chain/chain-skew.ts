/**
 * The 25-delta risk reversal and butterfly over the whole chain (analytics.scope "chain").
 *
 * The ladder (ATM ± 10 strikes) spans the 25-delta points of near expiries only: a monthly
 * expiry's 25-delta strikes lie outside it, so its skew from the ladder alone is NaN. The chain
 * legs are never enriched (they are not recorded); here the out-of-the-money side of each chain
 * leg (calls at or above the forward, puts at or below) gets an IV and delta with the ladder
 * group's own forward, time and discount (the same solver, price rule and Greeks as
 * enrichment), and the smile is the ladder's legs as enriched plus those. Where the ladder
 * already brackets both 25-delta points the result equals the ladder's (the chain adds strikes
 * only outside it). A leg without a usable price stays NaN: nothing is filled.
 */
import { greeks, impliedVol, skew25, type Skew25 } from "../analytics/index.ts";
import type { ChainBatch } from "./batch.ts";
import { legPrice, type EnrichParams } from "./enrich.ts";

/** Skew of group `g` of `ladder` (enriched) with group `g` of `chain` (quoted only); `atmIv` as the ladder scored it. */
export function chainSkew25(ladder: ChainBatch, chain: ChainBatch, g: number, p: EnrichParams, atmIv: number): Skew25 {
  const a0 = ladder.start[g]!;
  const na = (ladder.end[g]! - a0) >> 1;
  const b0 = chain.start[g]!;
  const nb = (chain.end[g]! - b0) >> 1;
  const n = na + nb;
  const S = ladder.g_spot[g]!;
  const F = ladder.g_forward[g]!;
  const T = ladder.g_T[g]!;
  const df = ladder.g_df[g]!;
  const dc = new Float64Array(n).fill(Number.NaN);
  const vc = new Float64Array(n).fill(Number.NaN);
  const dp = new Float64Array(n).fill(Number.NaN);
  const vp = new Float64Array(n).fill(Number.NaN);
  // Greeks in out[0..4] (delta first), the leg's IV in out[5].
  const out = new Float64Array(6);
  /** Solves chain leg `leg` (strike K) into `out`; false without a usable price or IV. */
  const solveLeg = (leg: number, K: number, isCall: boolean): boolean => {
    const price = legPrice(chain.bid[leg]!, chain.ask[leg]!, chain.last[leg]!, p.maxSpreadFraction);
    const iv = price > 0 && F > 0 ? impliedVol(price, F, K, T, df, isCall, p.tick) : Number.NaN;
    if (!(iv > 0)) return false;
    greeks(S, F, K, T, iv, p.r, isCall, out);
    out[5] = iv;
    return true;
  };
  let i = 0;
  let j = 0;
  for (let k = 0; k < n && (i < na || j < nb); k++) {
    const ka = i < na ? ladder.strike[a0 + 2 * i]! : Number.POSITIVE_INFINITY;
    const kb = j < nb ? chain.strike[b0 + 2 * j]! : Number.POSITIVE_INFINITY;
    if (ka <= kb) {
      const c = a0 + 2 * i++;
      if (ka === kb) j++;
      dc[k] = ladder.delta[c]!;
      vc[k] = ladder.iv[c]!;
      dp[k] = ladder.delta[c + 1]!;
      vp[k] = ladder.iv[c + 1]!;
      continue;
    }
    const c = b0 + 2 * j++;
    // Out of the money only: the call at or above the forward, the put at or below.
    if (kb >= F && solveLeg(c, kb, true)) [dc[k], vc[k]] = [out[0]!, out[5]!];
    if (kb <= F && solveLeg(c + 1, kb, false)) [dp[k], vp[k]] = [out[0]!, out[5]!];
  }
  return skew25(dc, vc, dp, vp, atmIv);
}
