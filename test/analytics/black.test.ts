import { describe, expect, test } from "bun:test";
import { black76, bsm, greeks } from "../../src/analytics/index.ts";

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe("prices", () => {
  test("Hull: S=42, K=40, r=10%, sigma=20%, T=0.5", () => {
    expect(Math.abs(bsm(42, 40, 0.5, 0.1, 0, 0.2, true) - 4.7594)).toBeLessThan(1e-4);
    expect(Math.abs(bsm(42, 40, 0.5, 0.1, 0, 0.2, false) - 0.8086)).toBeLessThan(1e-4);
    const F = 42 * Math.exp(0.1 * 0.5);
    const df = Math.exp(-0.1 * 0.5);
    expect(Math.abs(black76(F, 40, 0.5, 0.2, df, true) - 4.7594)).toBeLessThan(1e-4);
    expect(Math.abs(black76(F, 40, 0.5, 0.2, df, false) - 0.8086)).toBeLessThan(1e-4);
  });

  test("put-call parity C - P = df (F - K)", () => {
    for (const K of [18000, 23000, 24000, 25000, 30000]) {
      const c = black76(24000, K, 0.1, 0.15, 0.99, true);
      const p = black76(24000, K, 0.1, 0.15, 0.99, false);
      expect(Math.abs(c - p - 0.99 * (24000 - K))).toBeLessThan(1e-9);
    }
  });

  test("expired or zero vol gives discounted intrinsic; NaN stays NaN", () => {
    expect(black76(24100, 24000, 0, 0.2, 0.98, true)).toBeCloseTo(98, 12);
    expect(black76(24100, 24000, 0.1, 0, 0.98, false)).toBe(0);
    expect(black76(23900, 24000, -1, 0.2, 1, false)).toBe(100);
    expect(Number.isNaN(black76(24000, 24000, 0.1, Number.NaN, 1, true))).toBe(true);
  });
});

describe("greeks", () => {
  test("Hull textbook: S=49, K=50, r=5%, sigma=20%, T=0.3846", () => {
    const out = new Float64Array(5);
    const S = 49;
    const r = 0.05;
    const T = 0.3846;
    greeks(S, S * Math.exp(r * T), 50, T, 0.2, r, true, out);
    expect(out[0]).toBeCloseTo(0.522, 3);
    expect(out[1]).toBeCloseTo(0.066, 3);
    expect(out[2]).toBeCloseTo(-4.31 / 365, 4);
    expect(out[3]).toBeCloseTo(0.121, 3);
    expect(out[4]).toBeCloseTo(0.0891, 4);
    expect(rel(out[0], 0.521601633971576)).toBeLessThan(1e-12);
    expect(rel(out[1], 0.0655453772524787)).toBeLessThan(1e-12);
    expect(rel(out[2], -0.0117955889439619)).toBeLessThan(1e-12);
    expect(rel(out[3], 0.121052427542438)).toBeLessThan(1e-12);
    expect(rel(out[4], 0.0890657409880095)).toBeLessThan(1e-12);
  });

  // Five-point central difference f'(x), error O(h^4).
  const diff = (f: (x: number) => number, x: number, h: number): number =>
    (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);

  // Price with the forward tied to spot by a fixed carry b = r - q: F = S e^{bT}, df = e^{-rT}.
  const price = (S: number, K: number, T: number, sigma: number, r: number, q: number, isCall: boolean): number =>
    black76(S * Math.exp((r - q) * T), K, T, sigma, Math.exp(-r * T), isCall);

  test("finite differences at index levels", () => {
    const out = new Float64Array(5);
    const S = 24000;
    const r = 0.065;
    const q = 0.012;
    for (const K of [21000, 23500, 24000, 24600, 27000]) {
      for (const T of [3 / 365, 30 / 365, 0.5]) {
        for (const sigma of [0.1, 0.25]) {
          for (const isCall of [true, false]) {
            const F = S * Math.exp((r - q) * T);
            greeks(S, F, K, T, sigma, r, isCall, out);
            const v = (s: number, t: number, vol: number, rate: number): number => price(s, K, t, vol, rate, q, isCall);
            const delta = diff((x) => v(x, T, sigma, r), S, 0.5);
            const g = (x: number): number => v(x, T, sigma, r);
            const hG = 2;
            const gamma = (-g(S + 2 * hG) + 16 * g(S + hG) - 30 * g(S) + 16 * g(S - hG) - g(S - 2 * hG)) / (12 * hG * hG);
            const theta = -diff((x) => v(S, x, sigma, r), T, 1e-6) / 365;
            const vega = diff((x) => v(S, T, x, r), sigma, 1e-4) / 100;
            const rho = diff((x) => v(S, T, sigma, x), r, 1e-5) / 100;
            const scale = v(S, T, sigma, r) + 1;
            expect(Math.abs(out[0] - delta)).toBeLessThan(1e-8);
            expect(Math.abs(out[1] - gamma)).toBeLessThan(1e-5 * Math.abs(out[1]) + 1e-10);
            expect(Math.abs(out[2] - theta)).toBeLessThan(1e-6 * Math.abs(out[2]) + 1e-9 * scale);
            expect(Math.abs(out[3] - vega)).toBeLessThan(1e-6 * Math.abs(out[3]) + 1e-9 * scale);
            expect(Math.abs(out[4] - rho)).toBeLessThan(1e-6 * Math.abs(out[4]) + 1e-9 * scale);
          }
        }
      }
    }
  });

  test("missing stays missing", () => {
    const out = new Float64Array(5);
    greeks(24000, 24100, 24000, 0.1, Number.NaN, 0.065, true, out);
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
    out.fill(1);
    greeks(24000, 24100, 24000, 0, 0.2, 0.065, false, out);
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
  });
});
