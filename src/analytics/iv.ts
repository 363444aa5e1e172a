// Implied volatility for G6: Black-76 inversion on the normalized out-of-the-money price.
//
// The in-the-money side is mapped to its out-of-the-money counterpart by put-call parity,
// so the solver only sees b(x, s) with x = −|ln(F/K)| <= 0. The starting value follows
// Jäckel, "Let's Be Rational" (Wilmott, 2015): four branches in beta separated by b_l < b_c < b_h,
// the values of b at s_l = s_c − b_c/v_c, the inflection point s_c = sqrt(2|x|) and
// s_h = s_c + (b_max − b_c)/v_c. The two middle branches interpolate s(beta) by a rational
// cubic; the lowest interpolates the map f = 2π/√27·|x|·N(−|x|/(√3·s))³ and the highest
// f = N(−s/2), both inverted in closed form. The iteration is Householder's third-order method
// on 1/ln b (lowest branch), on b (middle), or on ln(b_max − b) (highest), safeguarded by a
// bracket with bisection. The starting value is within about 1e-3 of s in the middle branches,
// so one step usually suffices there; the lowest branch usually takes two.

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
const SQRT_PI_OVER_2 = 1.2533141373155003;
const SQRT3 = 1.7320508075688772;
const INV_SQRT3 = 0.5773502691896258;
const PI_OVER_2 = 1.5707963267948966;
const PI_OVER_12 = 0.2617993877991494;
// 2π/√27 and 2π/√27/8: scale of the lower map and of its erfcx form.
const TWO_PI_OVER_SQRT27 = 1.2091995761561452;
const LOWER_MAP_F = 0.15114994701951815;
const MAX_ITER = 40;
// A Householder(3) step of relative size d leaves a relative error of about 0.15·d^4 (measured
// over x in [−3, 0], s in (0, 3]), so a step of at most 1e-3·s is accepted as the last one.
const REL_TOL = 1e-3;
const BRACKET_TOL = 1e-14;
// Rational cubic control parameter bounds: −(1 − sqrt(eps)) and 2/eps² (straight line).
const R_MIN = -(1 - 1.4901161193847656e-8);
const R_MAX = 2 / (2.220446049250313e-16 * 2.220446049250313e-16);
const TINY = 2.2250738585072014e-308;

const BRANCH_LOW = 0;
const BRANCH_MID = 1;
const BRANCH_HIGH = 2;

/** Vega ∂b/∂s of the last otmBlackVega call (module scratch to avoid an allocation). */
let lastVega = 0;

/** Normalized OTM Black price b(x, s) for x <= 0, s > 0, bmax = e^{x/2}; stores its vega in lastVega. */
function otmBlackVega(x: number, s: number, bmax: number): number {
  const h = x / s;
  const t = 0.5 * s;
  const u = h + t;
  const e = Math.exp(-0.5 * (h * h + t * t));
  const r2 = erfcx((t - h) * SQRT1_2);
  lastVega = INV_SQRT_2PI * e;
  if (u < 0) return 0.5 * e * (erfcx(-u * SQRT1_2) - r2);
  return bmax - 0.5 * e * (erfcx(u * SQRT1_2) + r2);
}

/**
 * Rational cubic interpolant (Delbourgo and Gregory) on [xl, xr] with values yl, yr, slopes dl,
 * dr and control parameter r; r >= R_MAX gives the straight line.
 */
function rationalCubic(v: number, xl: number, xr: number, yl: number, yr: number, dl: number, dr: number, r: number): number {
  const h = xr - xl;
  if (!(Math.abs(h) > 0)) return 0.5 * (yl + yr);
  const t = (v - xl) / h;
  if (!(r >= R_MAX)) {
    const omt = 1 - t;
    const t2 = t * t;
    const omt2 = omt * omt;
    return (yr * t2 * t + (r * yr - h * dr) * t2 * omt + (r * yl + h * dl) * t * omt2 + yl * omt2 * omt) /
      (1 + (r - 3) * t * omt);
  }
  return yr * t + yl * (1 - t);
}

/** Smallest control parameter that keeps the rational cubic monotone and convex or concave. */
function minimumControl(dl: number, dr: number, slope: number, preferShape: boolean): number {
  const monotonic = dl * slope >= 0 && dr * slope >= 0;
  const convex = dl <= slope && slope <= dr;
  const concave = dl >= slope && slope >= dr;
  if (!monotonic && !convex && !concave) return R_MIN;
  let r1 = -Number.MAX_VALUE;
  let r2 = -Number.MAX_VALUE;
  if (monotonic) {
    if (Math.abs(slope) >= TINY) r1 = (dr + dl) / slope;
    else if (preferShape) r1 = R_MAX;
  }
  if (convex || concave) {
    const sml = slope - dl;
    const drms = dr - slope;
    if (Math.abs(sml) >= TINY && Math.abs(drms) >= TINY) {
      const drmdl = dr - dl;
      const a = Math.abs(drmdl / drms);
      const b = Math.abs(drmdl / sml);
      r2 = a > b ? a : b;
    } else if (preferShape) r2 = R_MAX;
  } else if (monotonic && preferShape) r2 = R_MAX;
  const r = r1 > r2 ? r1 : r2;
  return r > R_MIN ? r : R_MIN;
}

/**
 * Control parameter matching the second derivative d2 at one end (left when `atLeft`), made
 * shape preserving. The two ends differ only in the denominator.
 */
function controlAtEnd(xl: number, xr: number, yl: number, yr: number, dl: number, dr: number, d2: number, preferShape: boolean, atLeft: boolean): number {
  const h = xr - xl;
  const slope = (yr - yl) / h;
  const num = 0.5 * h * d2 + (dr - dl);
  const den = atLeft ? slope - dl : dr - slope;
  let r = 0;
  if (Math.abs(num) >= TINY) r = Math.abs(den) >= TINY ? num / den : num > 0 ? R_MAX : R_MIN;
  const rMin = minimumControl(dl, dr, slope, preferShape);
  return r > rMin ? r : rMin;
}

/**
 * Total implied volatility s = sigma·sqrt(T) (dimensionless) for a normalized out-of-the-money
 * Black price beta (undiscounted price / sqrt(F·K)) at log-moneyness x <= 0.
 * Returns NaN when beta is outside (0, e^{x/2}) or the iteration fails.
 */
export function normalizedImpliedVol(beta: number, x: number): number {
  const bmax = Math.exp(0.5 * x);
  if (!(beta > 0) || !(beta < bmax) || !(x <= 0)) return Number.NaN;
  return solveOtm(beta, x, bmax);
}

/** normalizedImpliedVol for 0 < beta < bmax = e^{x/2}, x <= 0 (arguments already checked). */
function solveOtm(beta: number, x: number, bmax: number): number {
  const ax = -x;
  const sc = Math.sqrt(2 * ax);
  const bc = 0.5 * bmax * (1 - erfcx(Math.sqrt(ax)));
  const vc = INV_SQRT_2PI * bmax;
  let s: number;
  let branch: number;
  if (beta < bc) {
    const sl = sc - bc / vc;
    const bl = otmBlackVega(x, sl, bmax);
    if (beta < bl) {
      const z = (INV_SQRT3 * ax) / sl;
      const y = z * z;
      const s2 = sl * sl;
      const rz = erfcx(z * SQRT1_2);
      const e15 = Math.exp(1.5 * y);
      const es = Math.exp(0.125 * s2);
      const fl = (LOWER_MAP_F * ax * rz * rz * rz) / e15;
      const fpl = PI_OVER_2 * y * rz * rz * es;
      const fppl = ((PI_OVER_12 * y) / (s2 * sl)) * rz * e15 * es * es *
        (8 * SQRT3 * sl * ax + (3 * s2 * (s2 - 8) - 8 * x * x) * SQRT_PI_OVER_2 * rz);
      const r = controlAtEnd(0, bl, 0, fl, 1, fpl, fppl, true, false);
      let f = rationalCubic(beta, 0, bl, 0, fl, 1, fpl, r);
      if (!(f > 0)) {
        const t = beta / bl;
        f = (fl * t + bl * (1 - t)) * t;
      }
      const q = Math.cbrt(f / (TWO_PI_OVER_SQRT27 * ax));
      s = ax / (SQRT3 * -normInvFast(q));
      branch = BRANCH_LOW;
    } else {
      const vl = lastVega;
      const r = controlAtEnd(bl, bc, sl, sc, 1 / vl, 1 / vc, 0, false, false);
      s = rationalCubic(beta, bl, bc, sl, sc, 1 / vl, 1 / vc, r);
      branch = BRANCH_MID;
    }
  } else {
    const sh = vc > TINY ? sc + (bmax - bc) / vc : sc;
    const bh = otmBlackVega(x, sh, bmax);
    if (beta <= bh) {
      const vh = lastVega;
      const r = controlAtEnd(bc, bh, sc, sh, 1 / vc, 1 / vh, 0, false, true);
      s = rationalCubic(beta, bc, bh, sc, sh, 1 / vc, 1 / vh, r);
      branch = BRANCH_MID;
    } else {
      const fh = normCdf(-0.5 * sh);
      const w = (x / sh) * (x / sh);
      const fph = -0.5 * Math.exp(0.5 * w);
      const fpph = (SQRT_PI_OVER_2 * Math.exp(w + 0.125 * sh * sh) * w) / sh;
      let f = Number.NaN;
      if (Number.isFinite(fpph)) {
        const r = controlAtEnd(bh, bmax, fh, 0, fph, -0.5, fpph, true, true);
        f = rationalCubic(beta, bh, bmax, fh, 0, fph, -0.5, r);
      }
      if (!(f > 0)) {
        const hh = bmax - bh;
        const t = (beta - bh) / hh;
        f = (fh * (1 - t) + 0.5 * hh * t) * (1 - t);
      }
      s = -2 * normInvFast(f);
      branch = beta > 0.5 * bmax ? BRANCH_HIGH : BRANCH_MID;
    }
  }
  if (!(s > 0) || !Number.isFinite(s)) s = sc > 0 ? sc : 1;
  const target = branch === BRANCH_LOW ? Math.log(beta) : branch === BRANCH_HIGH ? Math.log(bmax - beta) : beta;
  let lo = 0;
  let hi = Infinity;
  for (let i = 0; i < MAX_ITER; i++) {
    const h = x / s;
    const t = 0.5 * s;
    const u = h + t;
    const lnE = -0.5 * (h * h + t * t);
    const r2 = erfcx((t - h) * SQRT1_2);
    const bh = (h * h) / s - 0.25 * s;
    const bhh3 = bh * bh - (3 * h * h) / (s * s) - 0.25;
    let g: number;
    let nu: number;
    let halley: number;
    let hh3: number;
    if (branch === BRANCH_LOW) {
      // g = 1/ln b − 1/ln beta
      let lnb: number;
      let q: number;
      if (u < 0) {
        const d = erfcx(-u * SQRT1_2) - r2;
        lnb = lnE + Math.log(0.5 * d);
        q = SQRT_2_OVER_PI / d;
      } else {
        const e = Math.exp(lnE);
        const b = bmax - 0.5 * e * (erfcx(u * SQRT1_2) + r2);
        lnb = Math.log(b);
        q = (e * INV_SQRT_2PI) / b;
      }
      if (Number.isNaN(lnb)) lnb = -Infinity;
      g = lnb - target;
      const c = 1 + 2 / lnb;
      nu = (((target - lnb) * lnb) / target) / q;
      halley = bh - q * c;
      hh3 = bhh3 + 2 * q * q * (1 + (3 / lnb) * (1 + 1 / lnb)) - 3 * bh * q * c;
    } else if (branch === BRANCH_HIGH) {
      // g = ln(bmax − beta) − ln(bmax − b)
      let q: number;
      if (u >= 0) {
        const d = erfcx(u * SQRT1_2) + r2;
        g = target - lnE - Math.log(0.5 * d);
        q = SQRT_2_OVER_PI / d;
      } else {
        const e = Math.exp(lnE);
        const gap = bmax - 0.5 * e * (erfcx(-u * SQRT1_2) - r2);
        g = target - Math.log(gap);
        q = (e * INV_SQRT_2PI) / gap;
      }
      if (Number.isNaN(g)) g = Infinity;
      nu = -g / q;
      halley = bh + q;
      hh3 = bhh3 + q * (2 * q + 3 * bh);
    } else {
      // g = b − beta
      const e = Math.exp(lnE);
      const b = u < 0 ? 0.5 * e * (erfcx(-u * SQRT1_2) - r2) : bmax - 0.5 * e * (erfcx(u * SQRT1_2) + r2);
      g = b - target;
      nu = -g / (e * INV_SQRT_2PI);
      halley = bh;
      hh3 = bhh3;
    }
    if (g > 0) hi = s;
    else if (g < 0) lo = s;
    else return s;
    let step = (nu * (1 + 0.5 * halley * nu)) / (1 + nu * (halley + (hh3 * nu) / 6));
    if (step < -0.5 * s) step = -0.5 * s;
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
  const beta = timeValue / (df * Math.sqrt(F * K));
  const bmax = F < K ? Math.sqrt(F / K) : Math.sqrt(K / F);
  if (!(beta < bmax)) return Number.NaN;
  return solveOtm(beta, x < 0 ? x : -x, bmax) / Math.sqrt(T);
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
