// Forward level implied by put-call parity for one G6 expiry.

/** Result of forwardFromParity: forward in index points, how it was obtained, strikes used. */
export interface ParityForward {
  forward: number;
  source: "parity" | "spot_carry";
  strikesUsed: number;
}

/**
 * Forward from put-call parity. strikes ascending (points); callPrice and putPrice aligned
 * with strikes (points, NaN = missing); spot in points; T years (365-day); r annual continuous
 * rate (fraction). Uses the `nearest` strikes closest to spot whose call and put are both finite
 * and > 0, F_k = K + e^{rT}·(C − P), and returns their median (mean of the middle two for an
 * even count). With no usable strike: F = spot·e^{rT}, source "spot_carry", strikesUsed 0.
 */
export function forwardFromParity(
  strikes: Float64Array,
  callPrice: Float64Array,
  putPrice: Float64Array,
  spot: number,
  T: number,
  r: number,
  nearest: number = 3,
): ParityForward {
  const growth = Math.exp(r * T);
  const picked: number[] = [];
  const n = strikes.length;
  let right = 0;
  while (right < n && strikes[right] < spot) right++;
  let left = right - 1;
  while (picked.length < nearest && (left >= 0 || right < n)) {
    const takeLeft = right >= n || (left >= 0 && spot - strikes[left] <= strikes[right] - spot);
    const i = takeLeft ? left-- : right++;
    const c = callPrice[i];
    const p = putPrice[i];
    if (c > 0 && p > 0 && Number.isFinite(c) && Number.isFinite(p) && Number.isFinite(strikes[i])) {
      picked.push(strikes[i] + growth * (c - p));
    }
  }
  if (picked.length === 0) return { forward: spot * growth, source: "spot_carry", strikesUsed: 0 };
  picked.sort((a, b) => a - b);
  const m = picked.length >> 1;
  const forward = picked.length % 2 === 1 ? picked[m] : 0.5 * (picked[m - 1] + picked[m]);
  return { forward, source: "parity", strikesUsed: picked.length };
}
