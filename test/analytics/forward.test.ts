import { describe, expect, test } from "bun:test";
import { black76, forwardFromParity } from "../../src/analytics/index.ts";

describe("forwardFromParity", () => {
  const spot = 24012.35;
  const T = 9 / 365;
  const r = 0.065;
  const forward = 24071.8;
  const df = Math.exp(-r * T);
  const strikes = Float64Array.from({ length: 41 }, (_, i) => 23000 + 50 * i);
  const calls = strikes.map((K) => black76(forward, K, T, 0.13 + 0.000002 * (K - 24000) ** 2 / 1000, df, true));
  const puts = strikes.map((K) => black76(forward, K, T, 0.13 + 0.000002 * (K - 24000) ** 2 / 1000, df, false));

  test("recovers a known forward from parity", () => {
    const res = forwardFromParity(strikes, calls, puts, spot, T, r);
    expect(res.source).toBe("parity");
    expect(res.strikesUsed).toBe(3);
    expect(Math.abs(res.forward - forward)).toBeLessThan(1e-9);
  });

  test("skips strikes with a missing or zero leg and uses the next nearest", () => {
    const c = calls.slice();
    const p = puts.slice();
    c[20] = Number.NaN;
    p[21] = 0;
    const res = forwardFromParity(strikes, c, p, spot, T, r, 5);
    expect(res.source).toBe("parity");
    expect(res.strikesUsed).toBe(5);
    expect(Math.abs(res.forward - forward)).toBeLessThan(1e-9);
  });

  test("median resists one bad quote", () => {
    const c = calls.slice();
    c[20] += 40;
    const res = forwardFromParity(strikes, c, puts, spot, T, r);
    expect(Math.abs(res.forward - forward)).toBeLessThan(1e-9);
  });

  test("falls back to spot carry when no strike has both legs", () => {
    const nan = new Float64Array(strikes.length).fill(Number.NaN);
    const res = forwardFromParity(strikes, calls, nan, spot, T, r);
    expect(res).toEqual({ forward: spot * Math.exp(r * T), source: "spot_carry", strikesUsed: 0 });
    const empty = new Float64Array(0);
    expect(forwardFromParity(empty, empty, empty, spot, T, r).source).toBe("spot_carry");
  });
});
