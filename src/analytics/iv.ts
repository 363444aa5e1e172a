// Implied volatility for G6: Black-76 inversion on the normalized out-of-the-money price.
//
// The in-the-money side is mapped to its out-of-the-money counterpart by put-call parity,
// so the solver only sees b(x, s) with x = −|ln(F/K)| <= 0. The starting value is the
// two-branch closed form of Jäckel ("By Implication", 2006) around the inflection point
// s_c = sqrt(2|x|); the iteration is Householder's third-order method on ln b (below the
// inflection) or on −ln(b_max − b) (above it), safeguarded by a bracket with bisection.

import { erfcx, normCdf, normInvFast } from "./normal.ts";

/** Reason codes for an implied volatility that is NaN. */
export const IV_FAILURE_REASONS = ["no_price", "expired", "below_intrinsic", "above_bound", "no_convergence"] as const;

/** One of IV_FAILURE_REASONS. */
export type IvFailure = (typeof IV_FAILURE_REASONS)[number];

/** Minimum time value in index points for an identifiable option price. */
export const DEFAULT_TICK = 0.05;

const SQRT1_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2_OVER_PI = 0.7978845608028654;
const MAX_ITER = 40;
const REL_TOL = 1e-7;
const BRACKET_TOL = 1e-14;

/**
 * Total implied volatility s = sigma·sqrt(T) (dimensionless) for a normalized out-of-the-money
 * Black price beta (undiscounted price / sqrt(F·K)) at log-moneyness x <= 0.
 * Returns NaN when beta is outside (0, e^{x/2}) or the iteration fails.
 */
export function normalizedImpliedVol(beta: number, x: number): number {
  const bmax = Math.exp(0.5 * x);
  if (!(beta > 0) || !(beta < bmax) || !(x <= 0)) return Number.NaN;
  const sc = Math.sqrt(-2 * x);
  const rc = erfcx(Math.sqrt(-x));
  const bc = 0.5 * bmax * (1 - rc);
  const lower = beta < bc;
  let target: number;
  let s: number;
  if (lower) {
    target = Math.log(beta);
    s = Math.sqrt((2 * x * x) / (-x - 4 * (target - Math.log(bc))));
  } else {
    target = Math.log(bmax - beta);
    const p = ((bmax - beta) / (0.5 * bmax * (1 + rc))) * normCdf(-0.5 * sc);
    s = -2 * normInvFast(p);
  }
  if (!(s > 0) || !Number.isFinite(s)) s = sc > 0 ? sc : 1;
  let lo = 0;
  let hi = Infinity;
  for (let i = 0; i < MAX_ITER; i++) {
    const h = x / s;
    const t = 0.5 * s;
    const u = h + t;
    const lnE = -0.5 * (h * h + t * t);
    const r2 = erfcx((t - h) * SQRT1_2);
    let f: number;
    let fp: number;
    if (lower) {
      // f = ln b(s) − ln beta, fp = b'/b
      if (u < 0) {
        const d = erfcx(-u * SQRT1_2) - r2;
        f = lnE + Math.log(0.5 * d) - target;
        fp = SQRT_2_OVER_PI / d;
      } else {
        const e = Math.exp(lnE);
        const b = bmax - 0.5 * e * (erfcx(u * SQRT1_2) + r2);
        f = Math.log(b) - target;
        fp = (e * INV_SQRT_2PI) / b;
      }
      if (Number.isNaN(f)) f = -Infinity;
    } else {
      // f = ln(bmax − beta) − ln(bmax − b(s)), fp = b'/(bmax − b)
      if (u >= 0) {
        const g = erfcx(u * SQRT1_2) + r2;
        f = target - lnE - Math.log(0.5 * g);
        fp = SQRT_2_OVER_PI / g;
      } else {
        const e = Math.exp(lnE);
        const gap = bmax - 0.5 * e * (erfcx(-u * SQRT1_2) - r2);
        f = target - Math.log(gap);
        fp = (e * INV_SQRT_2PI) / gap;
      }
      if (Number.isNaN(f)) f = Infinity;
    }
    if (f > 0) hi = s;
    else if (f < 0) lo = s;
    else return s;
    const h2s = (h * h) / s;
    const r1 = h2s - 0.25 * s;
    const r3 = r1 * r1 - (3 * h2s) / s - 0.25;
    const h2 = lower ? r1 - fp : r1 + fp;
    const h3 = lower ? r3 - 3 * fp * r1 + 2 * fp * fp : r3 + 3 * fp * r1 + 2 * fp * fp;
    const nu = -f / fp;
    const step = (nu * (1 + 0.5 * h2 * nu)) / (1 + nu * (h2 + (h3 * nu) / 6));
    if (Math.abs(step) <= REL_TOL * s) return s + step;
    const next = s + step;
    s = next > lo && next < hi ? next : hi === Infinity ? 2 * s : lo + 0.5 * (hi - lo);
    if (hi - lo <= BRACKET_TOL * lo) return s;
  }
  return Number.NaN;
}

/**
 * Implied Black-76 volatility (annual, fraction) of an option price in index points.
 * F forward and K strike in points, T years (365-day), df discount factor e^{−rT}, isCall true
 * for a call, tick minimum time value in points (default 0.05). Returns NaN, never a default,
 * unless T > 0, price is finite and > 0, time value price − df·max(±(F−K), 0) >= tick and
 * price is below its bound (df·F for a call, df·K for a put); ivFailureReason tells why.
 * Otherwise accurate to about 1e-12 in sigma.
 */
export function impliedVol(
  price: number,
  F: number,
  K: number,
  T: number,
  df: number,
  isCall: boolean,
  tick: number = DEFAULT_TICK,
): number {
  if (!(price > 0) || !(T > 0) || !(F > 0) || !(K > 0) || !(df > 0)) return Number.NaN;
  const intrinsic = isCall ? (F > K ? F - K : 0) : K > F ? K - F : 0;
  const timeValue = price - df * intrinsic;
  if (!(timeValue >= tick) || !(price < (isCall ? df * F : df * K))) return Number.NaN;
  const x = Math.log(F / K);
  const s = normalizedImpliedVol(timeValue / (df * Math.sqrt(F * K)), x < 0 ? x : -x);
  return s / Math.sqrt(T);
}

/**
 * Reason code for an impliedVol that returned NaN with the same arguments (units as in
 * impliedVol). Missing or non-positive price, forward, strike or discount factor is "no_price".
 */
export function ivFailureReason(
  price: number,
  F: number,
  K: number,
  T: number,
  df: number,
  isCall: boolean,
  tick: number = DEFAULT_TICK,
): IvFailure {
  if (!(price > 0) || !(F > 0) || !(K > 0) || !(df > 0)) return "no_price";
  if (!(T > 0)) return "expired";
  const intrinsic = isCall ? (F > K ? F - K : 0) : K > F ? K - F : 0;
  if (!(price - df * intrinsic >= tick)) return "below_intrinsic";
  if (!(price < (isCall ? df * F : df * K))) return "above_bound";
  return "no_convergence";
}

/**
 * Batch impliedVol over aligned typed arrays (prices and F, K in points, T years, df
 * discount factors, isCall 1 for a call and 0 for a put). Writes sigma (fraction) or NaN to
 * out[i] for i < price.length and returns the number of NaN results.
 */
export function ivBatch(
  price: Float64Array,
  F: Float64Array,
  K: Float64Array,
  T: Float64Array,
  df: Float64Array,
  isCall: Uint8Array,
  out: Float64Array,
  tick: number = DEFAULT_TICK,
): number {
  let nan = 0;
  const n = price.length;
  for (let i = 0; i < n; i++) {
    const v = impliedVol(price[i], F[i], K[i], T[i], df[i], isCall[i] === 1, tick);
    out[i] = v;
    if (v !== v) nan++;
  }
  return nan;
}
