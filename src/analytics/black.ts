// Black-76 pricing and G6 Greeks on the forward.

import { erfcx, normCdf, normPdf } from "./normal.ts";

const SQRT1_2 = 0.7071067811865476;

/**
 * Normalized out-of-the-money Black price b(x, s) = e^{x/2}·N(x/s + s/2) − e^{−x/2}·N(x/s − s/2)
 * for log-moneyness x = ln(F/K) <= 0 and total volatility s = sigma·sqrt(T) > 0: the
 * undiscounted price of the OTM option divided by sqrt(F·K). Dimensionless, in [0, e^{x/2}).
 * Written as exp(−(h²+t²)/2)·(erfcx difference), h = x/s, t = s/2, which keeps full relative
 * accuracy in the deep out-of-the-money wing.
 */
export function normalizedOtmBlack(x: number, s: number): number {
  const h = x / s;
  const t = 0.5 * s;
  const u = h + t;
  const e = Math.exp(-0.5 * (h * h + t * t));
  const r2 = erfcx((t - h) * SQRT1_2);
  if (u < 0) return 0.5 * e * (erfcx(-u * SQRT1_2) - r2);
  return Math.exp(0.5 * x) - 0.5 * e * (erfcx(u * SQRT1_2) + r2);
}

/**
 * Black-76 option price in index points. F forward and K strike in points, T years
 * (365-day calendar time), sigma annual volatility as a fraction, df discount factor e^{−rT},
 * isCall true for a call. T <= 0 or sigma <= 0 gives the discounted intrinsic value
 * df·max(±(F−K), 0); NaN inputs give NaN. The out-of-the-money leg is priced directly and the
 * in-the-money one by put-call parity, so both carry full relative accuracy.
 */
export function black76(F: number, K: number, T: number, sigma: number, df: number, isCall: boolean): number {
  if (Number.isNaN(sigma) || Number.isNaN(T) || Number.isNaN(F) || Number.isNaN(K) || Number.isNaN(df)) return Number.NaN;
  const intrinsic = isCall ? Math.max(F - K, 0) : Math.max(K - F, 0);
  if (!(T > 0) || !(sigma > 0)) return df * intrinsic;
  const x = Math.log(F / K);
  const otm = Math.sqrt(F * K) * normalizedOtmBlack(-Math.abs(x), sigma * Math.sqrt(T));
  return df * (intrinsic + otm);
}

/**
 * Black-Scholes-Merton price in the units of S and K: spot S, strike K, T years, r and q
 * continuously compounded annual rate and dividend yield (fractions), sigma annual volatility
 * (fraction). Equal to black76 with F = S·e^{(r−q)T} and df = e^{−rT}.
 */
export function bsm(S: number, K: number, T: number, r: number, q: number, sigma: number, isCall: boolean): number {
  return black76(S * Math.exp((r - q) * T), K, T, sigma, Math.exp(-r * T), isCall);
}

/**
 * G6 Greeks by the generalized Black-Scholes with cost of carry b = ln(F/S)/T (F ∝ S).
 * S spot and F forward and K strike in points, T years (365-day), sigma annual vol (fraction),
 * r annual rate (fraction, continuous). Writes into out[0..4]:
 *   delta per 1 point of spot; gamma per point of spot squared; theta in points per calendar
 *   day (annual theta / 365); vega in points per 1 vol point (0.01 of sigma); rho in points
 *   per 1 % of rate.
 * sigma not finite and > 0, T <= 0 or any NaN input writes NaN to all five.
 */
export function greeks(
  S: number,
  F: number,
  K: number,
  T: number,
  sigma: number,
  r: number,
  isCall: boolean,
  out: Float64Array,
): void {
  if (!(T > 0) || !(sigma > 0) || !(S > 0) || !(F > 0) || !(K > 0) || !Number.isFinite(sigma) || Number.isNaN(r)) {
    out[0] = Number.NaN;
    out[1] = Number.NaN;
    out[2] = Number.NaN;
    out[3] = Number.NaN;
    out[4] = Number.NaN;
    return;
  }
  const sqrtT = Math.sqrt(T);
  const sst = sigma * sqrtT;
  const d1 = (Math.log(F / K) + 0.5 * sst * sst) / sst;
  const d2 = d1 - sst;
  const df = Math.exp(-r * T);
  const dfF = df * F;
  const c = dfF / S;
  const carryMinusR = Math.log(F / S) / T - r;
  const pdf1 = normPdf(d1);
  const decay = (-dfF * pdf1 * sigma) / (2 * sqrtT);
  out[1] = (c * pdf1) / (S * sst);
  out[3] = (dfF * pdf1 * sqrtT) / 100;
  if (isCall) {
    const n1 = normCdf(d1);
    const n2 = normCdf(d2);
    out[0] = c * n1;
    out[2] = (decay - carryMinusR * dfF * n1 - r * K * df * n2) / 365;
    out[4] = (K * T * df * n2) / 100;
  } else {
    const n1 = normCdf(-d1);
    const n2 = normCdf(-d2);
    out[0] = -c * n1;
    out[2] = (decay + carryMinusR * dfF * n1 + r * K * df * n2) / 365;
    out[4] = (-K * T * df * n2) / 100;
  }
}
