// G6 analytics kernel benchmark: implied volatility and Greeks on a realistic index chain.
// Run directly: `bun bench/kernels/analytics.bench.ts [n]`.

import { black76, greeks } from "../../src/analytics/black.ts";
import { impliedVol } from "../../src/analytics/iv.ts";

interface Chain {
  F: Float64Array;
  K: Float64Array;
  T: Float64Array;
  df: Float64Array;
  sigma: Float64Array;
  isCall: Uint8Array;
  price: Float64Array;
}

/** Deterministic 32-bit linear congruential generator returning uniforms in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/**
 * A deterministic chain of n options: forward ~24,000 points, strikes on a 50-point grid within
 * ±15 % of the forward, T from 1 to 90 calendar days, sigma 8 %–60 %, calls and puts, rate 6.5 %.
 * Only options whose time value is at least one 0.05 tick are kept, as a live chain would quote.
 */
function buildChain(n: number): Chain {
  const rnd = lcg(20240601);
  const chain: Chain = {
    F: new Float64Array(n),
    K: new Float64Array(n),
    T: new Float64Array(n),
    df: new Float64Array(n),
    sigma: new Float64Array(n),
    isCall: new Uint8Array(n),
    price: new Float64Array(n),
  };
  let i = 0;
  while (i < n) {
    const F = 23000 + 2000 * rnd();
    const K = 50 * Math.round((F * (0.85 + 0.3 * rnd())) / 50);
    const T = (1 + 89 * rnd()) / 365;
    const sigma = 0.08 + 0.52 * rnd();
    const isCall = rnd() < 0.5;
    const df = Math.exp(-0.065 * T);
    const price = black76(F, K, T, sigma, df, isCall);
    if (!(price - df * Math.max(isCall ? F - K : K - F, 0) >= 0.05)) continue;
    chain.F[i] = F;
    chain.K[i] = K;
    chain.T[i] = T;
    chain.df[i] = df;
    chain.sigma[i] = sigma;
    chain.isCall[i] = isCall ? 1 : 0;
    chain.price[i] = price;
    i++;
  }
  return chain;
}

/** Times impliedVol over a deterministic chain of n options (best of 15 passes after warm-up). */
export function benchIv(n: number): { solvesPerSecond: number; maxAbsError: number } {
  const c = buildChain(n);
  const out = new Float64Array(n);
  let best = Infinity;
  for (let pass = 0; pass < 16; pass++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < n; i++) out[i] = impliedVol(c.price[i], c.F[i], c.K[i], c.T[i], c.df[i], c.isCall[i] === 1);
    const dt = Bun.nanoseconds() - t0;
    if (pass > 0 && dt < best) best = dt;
  }
  let maxAbsError = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(out[i] - c.sigma[i]);
    maxAbsError = e > maxAbsError || e !== e ? e : maxAbsError;
  }
  return { solvesPerSecond: (n * 1e9) / best, maxAbsError };
}

/** Times greeks (five Greeks per option) over a deterministic chain of n options. */
export function benchGreeks(n: number): { evaluationsPerSecond: number; checksum: number } {
  const c = buildChain(n);
  const out = new Float64Array(5);
  let best = Infinity;
  let checksum = 0;
  for (let pass = 0; pass < 16; pass++) {
    checksum = 0;
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < n; i++) {
      const S = c.F[i] * c.df[i];
      greeks(S, c.F[i], c.K[i], c.T[i], c.sigma[i], 0.065, c.isCall[i] === 1, out);
      checksum += out[0];
    }
    const dt = Bun.nanoseconds() - t0;
    if (pass > 0 && dt < best) best = dt;
  }
  return { evaluationsPerSecond: (n * 1e9) / best, checksum };
}

if (import.meta.main) {
  const n = Number(Bun.argv[2] ?? 200000);
  const iv = benchIv(n);
  const g = benchGreeks(n);
  console.log(`impliedVol: ${(iv.solvesPerSecond / 1e6).toFixed(2)} M solves/s, max |iv - sigma| = ${iv.maxAbsError.toExponential(2)} (n = ${n})`);
  console.log(`greeks:     ${(g.evaluationsPerSecond / 1e6).toFixed(2)} M evaluations/s (n = ${n})`);
}
