// Per-expiry aggregates over one G6 chain: arrays aligned by strike, strikes ascending,
// NaN marks a missing value.

/**
 * Put-call ratio Σ put / Σ call, each side summed over its finite entries (OI, volume or
 * premium: any non-negative quantity). NaN when either side has no finite entry or the call
 * sum is 0; never 0-for-missing or Infinity.
 */
export function pcr(putValues: Float64Array, callValues: Float64Array): number {
  let puts = 0;
  let calls = 0;
  let nPut = 0;
  let nCall = 0;
  for (let i = 0; i < putValues.length; i++) {
    const v = putValues[i];
    if (Number.isFinite(v)) {
      puts += v;
      nPut++;
    }
  }
  for (let i = 0; i < callValues.length; i++) {
    const v = callValues[i];
    if (Number.isFinite(v)) {
      calls += v;
      nCall++;
    }
  }
  if (nPut === 0 || nCall === 0 || calls === 0) return Number.NaN;
  return puts / calls;
}

/**
 * Max-pain strike (points): the strike K* minimising the option writers' payout
 * Σ_k callOi(k)·max(K*−k, 0) + putOi(k)·max(k−K*, 0) over the given strikes (ascending).
 * Non-finite OI counts as 0; NaN when all OI is missing or zero. Ties go to the lowest strike.
 * O(n) with prefix sums.
 */
export function maxPain(strikes: Float64Array, callOi: Float64Array, putOi: Float64Array): number {
  const n = strikes.length;
  let putTotal = 0;
  let putMoment = 0;
  let any = false;
  for (let i = 0; i < n; i++) {
    const p = putOi[i];
    const c = callOi[i];
    if (Number.isFinite(p) && p !== 0) {
      putTotal += p;
      putMoment += p * strikes[i];
      any = true;
    }
    if (Number.isFinite(c) && c !== 0) any = true;
  }
  if (!any) return Number.NaN;
  let callBelow = 0;
  let callMomentBelow = 0;
  let putAbove = putTotal;
  let putMomentAbove = putMoment;
  let best = Infinity;
  let bestStrike = Number.NaN;
  for (let j = 0; j < n; j++) {
    const k = strikes[j];
    const c = callOi[j];
    const p = putOi[j];
    if (Number.isFinite(c)) {
      callBelow += c;
      callMomentBelow += c * k;
    }
    const pain = k * callBelow - callMomentBelow + (putMomentAbove - k * putAbove);
    if (pain < best) {
      best = pain;
      bestStrike = k;
    }
    if (Number.isFinite(p) && p !== 0) {
      putAbove -= p;
      putMomentAbove -= p * k;
    }
  }
  return bestStrike;
}

/**
 * Strike (points) of the largest finite value, e.g. support = put OI, resistance = call OI.
 * Ties go to the lowest strike; NaN when no value is finite.
 */
export function argMaxStrike(strikes: Float64Array, values: Float64Array): number {
  let best = -Infinity;
  let strike = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && (v > best || Number.isNaN(strike))) {
      best = v;
      strike = strikes[i];
    }
  }
  return strike;
}

/**
 * Index of the strike nearest reference (points); ties go to the lower strike.
 * −1 when strikes is empty or reference is not finite.
 */
export function atmIndex(strikes: Float64Array, reference: number): number {
  if (!Number.isFinite(reference)) return -1;
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < strikes.length; i++) {
    const d = Math.abs(strikes[i] - reference);
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return best;
}

/** Straddle premium call + put (points); NaN when either leg is not finite. */
export function straddle(callMid: number, putMid: number): number {
  return Number.isFinite(callMid) && Number.isFinite(putMid) ? callMid + putMid : Number.NaN;
}

/** Implied move as a fraction of spot: straddle (points) / spot (points); NaN if not finite or spot <= 0. */
export function impliedMove(straddlePremium: number, spot: number): number {
  if (!Number.isFinite(straddlePremium) || !(spot > 0) || !Number.isFinite(spot)) return Number.NaN;
  return straddlePremium / spot;
}

/**
 * IV (fraction) interpolated linearly in delta at targetDelta between the adjacent pair of
 * finite (delta, iv) points that brackets it; NaN when no pair brackets the target.
 */
export function ivAtDelta(delta: Float64Array, iv: Float64Array, targetDelta: number): number {
  let prev = -1;
  for (let i = 0; i < delta.length; i++) {
    if (!Number.isFinite(delta[i]) || !Number.isFinite(iv[i])) continue;
    if (delta[i] === targetDelta) return iv[i];
    if (prev >= 0) {
      const d0 = delta[prev];
      const d1 = delta[i];
      if ((d0 - targetDelta) * (d1 - targetDelta) < 0) {
        const w = (targetDelta - d0) / (d1 - d0);
        return iv[prev] + w * (iv[i] - iv[prev]);
      }
    }
    prev = i;
  }
  return Number.NaN;
}

/** 25-delta risk reversal, butterfly and the ATM IV they used (all IV fractions). */
export interface Skew25 {
  rr25: number;
  bf25: number;
  atmIv: number;
}

/**
 * 25-delta skew of one expiry. deltaCall/ivCall and deltaPut/ivPut aligned by strike (delta
 * per point, IV fraction, NaN = missing). iv(25Δc) and iv(25Δp) are interpolated linearly in
 * delta at call delta +0.25 and put delta −0.25 (ivAtDelta). rr25 = iv(25Δc) − iv(25Δp);
 * bf25 = (iv(25Δc) + iv(25Δp))/2 − atmIv. atmIv defaults to the call IV interpolated at call
 * delta 0.5. Any unbracketed leg gives NaN for the figures that need it.
 */
export function skew25(
  deltaCall: Float64Array,
  ivCall: Float64Array,
  deltaPut: Float64Array,
  ivPut: Float64Array,
  atmIv: number = ivAtDelta(deltaCall, ivCall, 0.5),
): Skew25 {
  const c25 = ivAtDelta(deltaCall, ivCall, 0.25);
  const p25 = ivAtDelta(deltaPut, ivPut, -0.25);
  return { rr25: c25 - p25, bf25: 0.5 * (c25 + p25) - atmIv, atmIv };
}

/**
 * Support (points): the strike at or below `spot` with the highest finite put OI; ties go to the
 * higher strike (the nearer one). NaN when no strike at or below spot has a finite put OI.
 */
export function supportStrike(strikes: Float64Array, putOi: Float64Array, spot: number): number {
  let best = -Infinity;
  let strike = Number.NaN;
  for (let i = 0; i < strikes.length; i++) {
    const v = putOi[i]!;
    if (strikes[i]! <= spot && Number.isFinite(v) && v >= best) {
      best = v;
      strike = strikes[i]!;
    }
  }
  return strike;
}

/**
 * Resistance (points): the strike at or above `spot` with the highest finite call OI; ties go to
 * the lower strike (the nearer one). NaN when no strike at or above spot has a finite call OI.
 */
export function resistanceStrike(strikes: Float64Array, callOi: Float64Array, spot: number): number {
  let best = -Infinity;
  let strike = Number.NaN;
  for (let i = strikes.length - 1; i >= 0; i--) {
    const v = callOi[i]!;
    if (strikes[i]! >= spot && Number.isFinite(v) && v >= best) {
      best = v;
      strike = strikes[i]!;
    }
  }
  return strike;
}

/**
 * IV rank, percent: where `current` sits in the range of `history` (earlier sessions' values),
 * 100·(current − min)/(max − min), clipped to [0, 100]. NaN when current is not finite, fewer
 * than `minCount` finite history values exist, or the history has no range.
 */
export function ivRank(current: number, history: ArrayLike<number>, minCount = 1): number {
  if (!Number.isFinite(current)) return Number.NaN;
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < history.length; i++) {
    const v = history[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n < minCount || n === 0 || !(hi > lo)) return Number.NaN;
  return Math.min(100, Math.max(0, (100 * (current - lo)) / (hi - lo)));
}

/**
 * IV percentile, percent: the share of finite `history` values strictly below `current`.
 * NaN when current is not finite or fewer than `minCount` (at least 1) finite values exist.
 */
export function ivPercentile(current: number, history: ArrayLike<number>, minCount = 1): number {
  if (!Number.isFinite(current)) return Number.NaN;
  let n = 0;
  let below = 0;
  for (let i = 0; i < history.length; i++) {
    const v = history[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < current) below++;
  }
  if (n < Math.max(1, minCount)) return Number.NaN;
  return (100 * below) / n;
}

/** Build-up classes; code 0 is "unknown" (a change is missing). */
export const BUILDUP_CLASSES = ["unknown", "neutral", "long_buildup", "short_buildup", "short_covering", "long_unwinding"] as const;
export type Buildup = (typeof BUILDUP_CLASSES)[number];

/**
 * Build-up class code (index into BUILDUP_CLASSES) of one leg from its OI and price over a
 * lookback: OI up and price up = long build-up, OI up and price down = short build-up, OI down
 * and price up = short covering, OI down and price down = long unwinding. A relative change
 * smaller than its threshold (percent; |Δ|/base·100 < threshold) makes it neutral. Unknown (0)
 * when any input is not finite or a base is not positive.
 */
export function buildupCode(oiBase: number, oiNow: number, priceBase: number, priceNow: number, oiThresholdPct: number, priceThresholdPct: number): number {
  if (!(oiBase > 0) || !(priceBase > 0) || !Number.isFinite(oiNow) || !Number.isFinite(priceNow) || !Number.isFinite(oiBase) || !Number.isFinite(priceBase)) return 0;
  const dOi = oiNow - oiBase;
  const dPrice = priceNow - priceBase;
  if (dOi === 0 || dPrice === 0 || (100 * Math.abs(dOi)) / oiBase < oiThresholdPct || (100 * Math.abs(dPrice)) / priceBase < priceThresholdPct) return 1;
  if (dOi > 0) return dPrice > 0 ? 2 : 3;
  return dPrice > 0 ? 4 : 5;
}
