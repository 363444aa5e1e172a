// Standard normal distribution for G6 analytics.
//
// erf/erfc follow W. J. Cody's rational Chebyshev approximations (Math. Comp. 1969; the
// CALERF routine of SPECFUN, ACM TOMS Algorithm 715, 1993). Three intervals on |u|:
// [0, 0.46875] erf directly, (0.46875, 4] and (4, inf) erfc as exp(-u^2) times a rational.
// The Gaussian factor exp(-x^2/2) is evaluated with Cody's split x = xs + (x - xs),
// xs = trunc(16 x)/16, so that far tails keep full relative accuracy.

const THRESH = 0.46875;
const XHUGE = 6.71e7;
const SQRT1_2 = 0.7071067811865476;
const INV_SQRT_PI = 0.5641895835477563;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2PI = 2.5066282746310002;

const A0 = 3.1611237438705656;
const A1 = 113.864154151050156;
const A2 = 377.485237685302021;
const A3 = 3209.37758913846947;
const A4 = 0.185777706184603153;
const B0 = 23.6012909523441209;
const B1 = 244.024637934444173;
const B2 = 1282.61652607737228;
const B3 = 2844.23683343917062;

const C0 = 0.564188496988670089;
const C1 = 8.88314979438837594;
const C2 = 66.1191906371416295;
const C3 = 298.635138197400131;
const C4 = 881.95222124176909;
const C5 = 1712.04761263407058;
const C6 = 2051.07837782607147;
const C7 = 1230.33935479799725;
const C8 = 2.15311535474403846e-8;
const D0 = 15.7449261107098347;
const D1 = 117.693950891312499;
const D2 = 537.181101862009858;
const D3 = 1621.38957456669019;
const D4 = 3290.79923573345963;
const D5 = 4362.61909014324716;
const D6 = 3439.36767414372164;
const D7 = 1230.33935480374942;

const P0 = 0.305326634961232344;
const P1 = 0.360344899949804439;
const P2 = 0.125781726111229246;
const P3 = 0.0160837851487422766;
const P4 = 6.58749161529837803e-4;
const P5 = 0.0163153871373020978;
const Q0 = 2.56852019228982242;
const Q1 = 1.87295284992346047;
const Q2 = 0.527905102951428412;
const Q3 = 0.0605183413124413191;
const Q4 = 0.00233520497626869185;

/** erf(u) for |u| <= 0.46875 (Cody's first interval). Dimensionless. */
function erfSmall(u: number): number {
  const z = u * u;
  const num = (((A4 * z + A0) * z + A1) * z + A2) * z + A3;
  const den = (((z + B0) * z + B1) * z + B2) * z + B3;
  return (u * num) / den;
}

/** exp(u^2)·erfc(u) for u > 0.46875 (Cody's second and third intervals). */
function erfcxLarge(y: number): number {
  if (y <= 4) {
    const num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
    const den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
    return num / den;
  }
  if (y >= XHUGE) return INV_SQRT_PI / y;
  const z = 1 / (y * y);
  const num = ((((P5 * z + P0) * z + P1) * z + P2) * z + P3) * z + P4;
  const den = ((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4;
  return (INV_SQRT_PI - (z * num) / den) / y;
}

/** exp(-x^2/2) for x >= 0 with Cody's exact split of x^2 (relative error ~2 ulp). */
function gaussFactor(ax: number): number {
  const xs = Math.trunc(ax * 16) / 16;
  const del = (ax - xs) * (ax + xs);
  return Math.exp(-0.5 * xs * xs) * Math.exp(-0.5 * del);
}

/**
 * Scaled complementary error function exp(u^2)·erfc(u). Dimensionless; finite for u >= 0
 * (tends to 1/(u·sqrt(pi))), overflows to Infinity for u < about -26.6.
 */
export function erfcx(u: number): number {
  if (u > THRESH) return erfcxLarge(u);
  if (u >= -THRESH) return Math.exp(u * u) * (1 - erfSmall(u));
  return 2 * Math.exp(u * u) - erfcxLarge(-u);
}

/** Error function erf(u). Dimensionless, in [-1, 1]. */
export function erf(u: number): number {
  const y = Math.abs(u);
  if (y <= THRESH) return erfSmall(u);
  const tail = y > 27 ? 0 : Math.exp(-y * y) * erfcxLarge(y);
  return u < 0 ? tail - 1 : 1 - tail;
}

/** Complementary error function erfc(u) = 1 - erf(u), full relative accuracy for u > 0. */
export function erfc(u: number): number {
  const y = Math.abs(u);
  if (y <= THRESH) return 1 - erfSmall(u);
  const tail = y > 27 ? 0 : Math.exp(-y * y) * erfcxLarge(y);
  return u < 0 ? 2 - tail : tail;
}

/**
 * Standard normal CDF N(x) = P(Z <= x). x in standard deviations; result a probability.
 * Relative error about 1e-16 over the whole range, including the far lower tail
 * (N(-37) ~ 5.7e-300); NaN propagates.
 */
export function normCdf(x: number): number {
  const ax = Math.abs(x);
  const y = ax * SQRT1_2;
  if (y <= THRESH) return 0.5 + 0.5 * erfSmall(x * SQRT1_2);
  const tail = ax > 40 ? 0 : 0.5 * gaussFactor(ax) * erfcxLarge(y);
  return x < 0 ? tail : 1 - tail;
}

/** Standard normal density n(x) = exp(-x^2/2)/sqrt(2·pi). x in standard deviations. */
export function normPdf(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 2) return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  return ax > 40 ? 0 : INV_SQRT_2PI * gaussFactor(ax);
}

const LA0 = -39.69683028665376;
const LA1 = 220.9460984245205;
const LA2 = -275.9285104469687;
const LA3 = 138.357751867269;
const LA4 = -30.66479806614716;
const LA5 = 2.506628277459239;
const LB0 = -54.47609879822406;
const LB1 = 161.5858368580409;
const LB2 = -155.6989798598866;
const LB3 = 66.80131188771972;
const LB4 = -13.28068155288572;
const LC0 = -0.007784894002430293;
const LC1 = -0.3223964580411365;
const LC2 = -2.400758277161838;
const LC3 = -2.549732539343734;
const LC4 = 4.374664141464968;
const LC5 = 2.938163982698783;
const LD0 = 0.007784695709041462;
const LD1 = 0.3224671290700398;
const LD2 = 2.445134137142996;
const LD3 = 3.754408661907416;
const P_LOW = 0.02425;

/**
 * Acklam's rational approximation of the normal quantile for 0 < p <= 0.5 (relative error
 * below 1.2e-9). Used directly as a starting value by the implied-volatility solver.
 */
export function normInvFast(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((LC0 * q + LC1) * q + LC2) * q + LC3) * q + LC4) * q + LC5) /
      ((((LD0 * q + LD1) * q + LD2) * q + LD3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((LA0 * r + LA1) * r + LA2) * r + LA3) * r + LA4) * r + LA5) * q) /
    (((((LB0 * r + LB1) * r + LB2) * r + LB3) * r + LB4) * r + 1);
}

/**
 * Normal quantile N^-1(p), p a probability in (0, 1); returns x in standard deviations.
 * Acklam's approximation refined by one Halley step on N(x) - p (relative error ~1e-15).
 * p <= 0 gives -Infinity, p >= 1 gives +Infinity, NaN gives NaN.
 */
export function normInv(p: number): number {
  if (!(p > 0)) return p === 0 ? -Infinity : Number.NaN;
  if (p >= 1) return p === 1 ? Infinity : Number.NaN;
  if (p > 0.5) return -normInv(1 - p);
  const x = normInvFast(p);
  const e = normCdf(x) - p;
  const u = e * SQRT_2PI / gaussFactor(Math.abs(x));
  return x - u / (1 + 0.5 * x * u);
}
