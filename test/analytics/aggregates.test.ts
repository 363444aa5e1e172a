import { describe, expect, test } from "bun:test";
import { argMaxStrike, atmIndex, greeks, impliedMove, ivAtDelta, maxPain, pcr, skew25, straddle } from "../../src/analytics/index.ts";

/** Deterministic 32-bit LCG returning uniforms in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function bruteMaxPain(strikes: Float64Array, callOi: Float64Array, putOi: Float64Array): number {
  let best = Infinity;
  let at = Number.NaN;
  for (const s of strikes) {
    let pain = 0;
    for (let k = 0; k < strikes.length; k++) {
      const c = Number.isFinite(callOi[k]) ? callOi[k] : 0;
      const p = Number.isFinite(putOi[k]) ? putOi[k] : 0;
      pain += c * Math.max(s - strikes[k], 0) + p * Math.max(strikes[k] - s, 0);
    }
    if (pain < best) {
      best = pain;
      at = s;
    }
  }
  return at;
}

describe("pcr", () => {
  test("ratio of finite sums", () => {
    expect(pcr(Float64Array.from([10, Number.NaN, 30]), Float64Array.from([20, 20, Number.NaN]))).toBe(1);
    expect(pcr(Float64Array.from([5]), Float64Array.from([20]))).toBe(0.25);
  });
  test("NaN, never 0 or Infinity, when undefined", () => {
    expect(Number.isNaN(pcr(Float64Array.from([10]), Float64Array.from([0])))).toBe(true);
    expect(Number.isNaN(pcr(Float64Array.from([10]), Float64Array.from([Number.NaN])))).toBe(true);
    expect(Number.isNaN(pcr(Float64Array.from([Number.NaN]), Float64Array.from([3])))).toBe(true);
    expect(Number.isNaN(pcr(new Float64Array(0), new Float64Array(0)))).toBe(true);
  });
});

describe("maxPain", () => {
  test("matches the O(n^2) definition on random OI", () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 80);
      const strikes = Float64Array.from({ length: n }, (_, i) => 22000 + 50 * i);
      const oi = (): number => (rnd() < 0.1 ? Number.NaN : rnd() < 0.2 ? 0 : Math.floor(rnd() * 100000));
      const callOi = Float64Array.from({ length: n }, oi);
      const putOi = Float64Array.from({ length: n }, oi);
      const expected = bruteMaxPain(strikes, callOi, putOi);
      const allEmpty = [...callOi, ...putOi].every((v) => !(v > 0));
      if (allEmpty) expect(Number.isNaN(maxPain(strikes, callOi, putOi))).toBe(true);
      else expect(maxPain(strikes, callOi, putOi)).toBe(expected);
    }
  });
  test("ties go to the lowest strike; no OI gives NaN", () => {
    const strikes = Float64Array.from([100, 200, 300]);
    expect(maxPain(strikes, Float64Array.from([0, 0, 0]), Float64Array.from([0, 0, 0]))).toBeNaN();
    expect(maxPain(strikes, Float64Array.from([0, 0, 5]), Float64Array.from([0, 0, 0]))).toBe(100);
    expect(maxPain(strikes, Float64Array.from([10, 0, 0]), Float64Array.from([0, 0, 10]))).toBe(100);
    expect(maxPain(strikes, Float64Array.from([10, 0, 0]), Float64Array.from([0, 0, 30]))).toBe(300);
  });
});

describe("strike helpers", () => {
  const strikes = Float64Array.from([23900, 23950, 24000, 24050, 24100]);
  test("argMaxStrike", () => {
    expect(argMaxStrike(strikes, Float64Array.from([1, 9, Number.NaN, 9, 3]))).toBe(23950);
    expect(argMaxStrike(strikes, new Float64Array(5).fill(Number.NaN))).toBeNaN();
  });
  test("atmIndex", () => {
    expect(atmIndex(strikes, 24012)).toBe(2);
    expect(atmIndex(strikes, 24025)).toBe(2);
    expect(atmIndex(strikes, 30000)).toBe(4);
    expect(atmIndex(strikes, Number.NaN)).toBe(-1);
    expect(atmIndex(new Float64Array(0), 24000)).toBe(-1);
  });
  test("straddle and implied move", () => {
    expect(straddle(120, 130)).toBe(250);
    expect(straddle(120, Number.NaN)).toBeNaN();
    expect(impliedMove(240, 24000)).toBe(0.01);
    expect(impliedMove(240, 0)).toBeNaN();
  });
});

describe("skew25", () => {
  // Synthetic smile: sigma(K) = 0.14 - 0.10 ln(K/F) + 0.5 ln(K/F)^2, Greeks from greeks().
  const S = 24000;
  const r = 0.065;
  const T = 30 / 365;
  const F = S * Math.exp(r * T);
  const strikes = Float64Array.from({ length: 61 }, (_, i) => 21000 + 100 * i);
  const iv = strikes.map((K) => 0.14 - 0.1 * Math.log(K / F) + 0.5 * Math.log(K / F) ** 2);
  const out = new Float64Array(5);
  const deltaCall = strikes.map((K, i) => (greeks(S, F, K, T, iv[i], r, true, out), out[0]));
  const deltaPut = strikes.map((K, i) => (greeks(S, F, K, T, iv[i], r, false, out), out[0]));

  test("interpolates at +0.25 / -0.25 and computes rr25, bf25", () => {
    const c25 = ivAtDelta(deltaCall, iv, 0.25);
    const p25 = ivAtDelta(deltaPut, iv, -0.25);
    const i = deltaCall.findIndex((d) => d < 0.25);
    const w = (0.25 - deltaCall[i - 1]) / (deltaCall[i] - deltaCall[i - 1]);
    expect(c25).toBeCloseTo(iv[i - 1] + w * (iv[i] - iv[i - 1]), 14);
    expect(c25).toBeLessThan(0.14);
    expect(p25).toBeGreaterThan(0.14);
    const res = skew25(deltaCall, iv, deltaPut, iv, 0.14);
    expect(res.rr25).toBeCloseTo(c25 - p25, 15);
    expect(res.bf25).toBeCloseTo((c25 + p25) / 2 - 0.14, 15);
    expect(res.rr25).toBeLessThan(-0.005);
    expect(res.bf25).toBeGreaterThan(0);
    const dflt = skew25(deltaCall, iv, deltaPut, iv);
    expect(dflt.atmIv).toBeCloseTo(ivAtDelta(deltaCall, iv, 0.5), 15);
    expect(Math.abs(dflt.atmIv - 0.14)).toBeLessThan(0.003);
  });

  test("NaN when 25-delta is not bracketed", () => {
    const narrow = (a: Float64Array): Float64Array => a.slice(28, 33);
    const res = skew25(narrow(deltaCall), narrow(iv), narrow(deltaPut), narrow(iv), 0.14);
    expect(res.rr25).toBeNaN();
    expect(res.bf25).toBeNaN();
  });
});
