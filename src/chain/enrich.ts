/**
 * Enrichment: forward, IV and Greeks for a range of groups of a ChainBatch, in place.
 *
 * Pure (no clock, no I/O): the same function runs inline or inside a worker, and gives
 * bit-identical results either way because each group is computed from its own legs only.
 */
import { forwardFromParity, greeks, impliedVol, ivFailureReason, IV_FAILURE_REASONS } from "../analytics/index.ts";
import { FORWARD_SOURCE, IV_SOURCE, type ChainBatch } from "./batch.ts";

export type EnrichParams = {
  /** Risk-free rate, continuously compounded, per year. */
  r: number;
  /** Price tick in points: IV needs at least this much time value. */
  tick: number;
  /** Use the mid when (ask − bid) / mid ≤ this; else the last price. */
  maxSpreadFraction: number;
  /** Strikes nearest spot used for the parity forward. */
  parityStrikes: number;
  /**
   * Keep the IV and Greeks the provider wrote (a recording's own values; see
   * ProviderCapabilities.suppliesAnalytics): only the forward, the IV source and, for a leg
   * without an IV, its failure reason are derived. Default false: derive everything.
   */
  keepAnalytics?: boolean;
};

/** IV failure code stored in `ivFail`: 1-based index into IV_FAILURE_REASONS (0 = none). */
export function ivFailCode(reason: (typeof IV_FAILURE_REASONS)[number]): number {
  return IV_FAILURE_REASONS.indexOf(reason) + 1;
}

/**
 * Where the price IV is solved from: the mid when bid and ask are set and the spread is within
 * `maxSpread` of the mid, else the last price when positive, else none (IV_SOURCE codes).
 */
export function priceSource(bid: number, ask: number, last: number, maxSpread: number): number {
  if (bid > 0 && ask >= bid && (ask - bid) / ((bid + ask) / 2) <= maxSpread) return IV_SOURCE.mid;
  return last > 0 ? IV_SOURCE.last : IV_SOURCE.none;
}

/** The price of a leg from `source` (priceSource's): the mid, the last price, or NaN. */
function priceOf(source: number, bid: number, ask: number, last: number): number {
  return source === IV_SOURCE.mid ? (bid + ask) / 2 : source === IV_SOURCE.last ? last : Number.NaN;
}

/** The price IV is solved from (see priceSource); NaN when there is none. */
export function legPrice(bid: number, ask: number, last: number, maxSpread: number): number {
  return priceOf(priceSource(bid, ask, last, maxSpread), bid, ask, last);
}

/** The price IV is solved from, writing the source code; NaN when there is none. */
function solvePrice(b: ChainBatch, i: number, maxSpread: number): number {
  const bid = b.bid[i]!;
  const ask = b.ask[i]!;
  const last = b.last[i]!;
  const source = priceSource(bid, ask, last, maxSpread);
  b.ivSource[i] = source;
  return priceOf(source, bid, ask, last);
}

/** Enriches groups [g0, g1) of the batch in place: forward per group, then IV and Greeks per leg. */
export function enrichGroups(b: ChainBatch, g0: number, g1: number, p: EnrichParams): void {
  const out = new Float64Array(5);
  const noPrice = ivFailCode("no_price");
  for (let g = g0; g < g1; g++) {
    const start = b.start[g]!;
    const end = b.end[g]!;
    const strikes = (end - start) >> 1;
    const S = b.g_spot[g]!;
    const T = b.g_T[g]!;
    const df = b.g_df[g]!;
    const K = new Float64Array(strikes);
    const call = new Float64Array(strikes);
    const put = new Float64Array(strikes);
    for (let k = 0; k < strikes; k++) {
      const c = start + 2 * k;
      K[k] = b.strike[c]!;
      call[k] = solvePrice(b, c, p.maxSpreadFraction);
      put[k] = solvePrice(b, c + 1, p.maxSpreadFraction);
    }
    const fwd = forwardFromParity(K, call, put, S, T, p.r, p.parityStrikes);
    const F = fwd.forward;
    b.g_forward[g] = F;
    b.forwardSource[g] = FORWARD_SOURCE[fwd.source];
    for (let i = start; i < end; i++) {
      const k = (i - start) >> 1;
      const isCall = b.isCall[i] === 1;
      const price = isCall ? call[k]! : put[k]!;
      const strike = K[k]!;
      if (p.keepAnalytics) {
        // The recorded IV and Greeks stand as written; a leg without an IV gets its reason.
        const kept = b.iv[i]!;
        b.ivFail[i] = kept === kept ? 0 : price > 0 && F > 0 ? ivFailCode(ivFailureReason(price, F, strike, T, df, isCall, p.tick)) : noPrice;
        continue;
      }
      let iv = Number.NaN;
      if (price > 0 && F > 0) iv = impliedVol(price, F, strike, T, df, isCall, p.tick);
      b.iv[i] = iv;
      if (Number.isNaN(iv)) {
        b.ivFail[i] = price > 0 ? ivFailCode(ivFailureReason(price, F, strike, T, df, isCall, p.tick)) : noPrice;
      } else {
        b.ivFail[i] = 0;
      }
      greeks(S, F, strike, T, iv, p.r, isCall, out);
      b.delta[i] = out[0]!;
      b.gamma[i] = out[1]!;
      b.theta[i] = out[2]!;
      b.vega[i] = out[3]!;
      b.rho[i] = out[4]!;
    }
  }
}
