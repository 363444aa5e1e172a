import { describe, expect, test } from "bun:test";
import {
  IV_FAILURE_REASONS,
  black76,
  impliedVol,
  ivBatch,
  ivFailureReason,
  normalizedImpliedVol,
} from "../../src/analytics/index.ts";
import { normalizedOtmBlack } from "../../src/analytics/black.ts";

const HOUR = 1 / (24 * 365);
const DAY = 1 / 365;
const TIMES = [2 * HOUR, 6 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 60 * DAY, 90 * DAY];
const SIGMAS = Array.from({ length: 14 }, (_, i) => 0.05 + (1.45 * i) / 13);
const FORWARDS = [24000, 80000, 12000];
const RATE = 0.065;

interface Point {
  F: number;
  K: number;
  T: number;
  sigma: number;
  df: number;
  isCall: boolean;
}

function* grid(): Generator<Point> {
  for (const F of FORWARDS) {
    for (let m = 0; m <= 120; m++) {
      const K = F * (0.7 + (0.6 * m) / 120);
      for (const T of TIMES) {
        for (const sigma of SIGMAS) {
          for (const isCall of [true, false]) yield { F, K, T, sigma, df: Math.exp(-RATE * T), isCall };
        }
      }
    }
  }
}

const timeValue = (p: Point, price: number): number =>
  price - p.df * Math.max(p.isCall ? p.F - p.K : p.K - p.F, 0);
const bound = (p: Point): number => (p.isCall ? p.df * p.F : p.df * p.K);

describe("impliedVol round trip", () => {
  test("exact prices on a dense grid recover sigma to 1e-10", () => {
    let solved = 0;
    let failures = 0;
    let worst = 0;
    for (const p of grid()) {
      const price = black76(p.F, p.K, p.T, p.sigma, p.df, p.isCall);
      const iv = impliedVol(price, p.F, p.K, p.T, p.df, p.isCall);
      if (timeValue(p, price) >= 0.05 && price < bound(p)) {
        solved++;
        const err = Math.abs(iv - p.sigma);
        if (!(err <= 1e-10)) failures++;
        else if (err > worst) worst = err;
      } else {
        expect(Number.isNaN(iv)).toBe(true);
        expect(ivFailureReason(price, p.F, p.K, p.T, p.df, p.isCall)).toBe(price > 0 ? "below_intrinsic" : "no_price");
      }
    }
    expect(failures).toBe(0);
    expect(solved).toBeGreaterThan(50000);
    expect(worst).toBeLessThan(1e-10);
  });

  test("prices rounded to the 0.05 tick reprice within half a tick", () => {
    let solved = 0;
    for (const p of grid()) {
      const exact = black76(p.F, p.K, p.T, p.sigma, p.df, p.isCall);
      const quoted = Math.round(exact / 0.05) * 0.05;
      const iv = impliedVol(quoted, p.F, p.K, p.T, p.df, p.isCall);
      if (Number.isNaN(iv)) {
        expect(timeValue(p, quoted) < 0.05 || !(quoted > 0)).toBe(true);
        continue;
      }
      solved++;
      const repriced = black76(p.F, p.K, p.T, iv, p.df, p.isCall);
      expect(Math.abs(repriced - quoted)).toBeLessThan(1e-7);
      expect(Math.abs(repriced - exact)).toBeLessThanOrEqual(0.025 + 1e-7);
    }
    expect(solved).toBeGreaterThan(50000);
  });
});

describe("normalizedImpliedVol over all starting-value branches", () => {
  test("recovers s over x in [-3, 0] and s in (0, 3] to 1e-11 relative", () => {
    let solved = 0;
    let worst = 0;
    for (let i = 0; i <= 200; i++) {
      const x = -3 * (i / 200) ** 3;
      for (let j = 1; j <= 200; j++) {
        const s = 3 * (j / 200) ** 2;
        const beta = normalizedOtmBlack(x, s);
        if (!(beta > 1e-280) || !(beta < Math.exp(0.5 * x) * (1 - 1e-6))) continue;
        solved++;
        const err = Math.abs(normalizedImpliedVol(beta, x) / s - 1);
        worst = err > worst || err !== err ? err : worst;
      }
    }
    expect(solved).toBeGreaterThan(30000);
    expect(worst).toBeLessThan(1e-11);
  });

  test("outside (0, e^{x/2}) gives NaN", () => {
    expect(Number.isNaN(normalizedImpliedVol(0, -0.1))).toBe(true);
    expect(Number.isNaN(normalizedImpliedVol(Math.exp(-0.05), -0.1))).toBe(true);
    expect(Number.isNaN(normalizedImpliedVol(0.1, 0.1))).toBe(true);
  });
});

describe("impliedVol in the wings and near expiry", () => {
  const F = 24000;
  test("deep OTM, deep ITM by parity, 1 day and expiry day to 1e-10", () => {
    const cases: [number, number, number][] = [
      [F * 0.9, DAY, 0.6],
      [F * 1.08, DAY, 0.5],
      [F * 0.95, 2 * HOUR, 1.2],
      [F * 1.6, 90 * DAY, 0.3],
      [F * 0.5, 30 * DAY, 0.9],
      [F, HOUR, 0.08],
    ];
    for (const [K, T, sigma] of cases) {
      const df = Math.exp(-RATE * T);
      for (const isCall of [true, false]) {
        const price = black76(F, K, T, sigma, df, isCall);
        expect(price - df * Math.max(isCall ? F - K : K - F, 0)).toBeGreaterThanOrEqual(0.05);
        expect(Math.abs(impliedVol(price, F, K, T, df, isCall) - sigma)).toBeLessThan(1e-10);
      }
    }
  });

  test("tiny time values far in the wing with a tiny tick", () => {
    const T = 7 * DAY;
    const df = Math.exp(-RATE * T);
    for (const K of [28000, 30000, 20000, 18000]) {
      const isCall = K > F;
      const price = black76(F, K, T, 0.15, df, isCall);
      expect(price).toBeLessThan(1e-3);
      expect(Math.abs(impliedVol(price, F, K, T, df, isCall, 1e-300) - 0.15)).toBeLessThan(1e-10);
    }
  });
});

describe("unidentifiable prices give NaN with a reason", () => {
  const F = 24000;
  const T = 7 * DAY;
  const df = Math.exp(-RATE * T);
  const cases: [number, number, number, boolean, string][] = [
    [Number.NaN, 24000, T, true, "no_price"],
    [0, 24000, T, true, "no_price"],
    [-1, 24000, T, false, "no_price"],
    [150, 24000, 0, true, "expired"],
    [150, 24000, -DAY, false, "expired"],
    [df * 1000 + 0.04, 23000, T, true, "below_intrinsic"],
    [df * 1000 - 5, 25000, T, false, "below_intrinsic"],
    [0.04, 30000, T, true, "below_intrinsic"],
    [df * F, 24000, T, true, "above_bound"],
    [df * F + 10, 23000, T, true, "above_bound"],
    [df * 24500, 24500, T, false, "above_bound"],
    [Infinity, 24000, T, true, "above_bound"],
  ];
  test.each(cases)("price %p strike %p T %p call %p -> %s", (price, K, t, isCall, reason) => {
    expect(Number.isNaN(impliedVol(price, F, K, t, df, isCall))).toBe(true);
    expect(ivFailureReason(price, F, K, t, df, isCall)).toBe(reason as (typeof IV_FAILURE_REASONS)[number]);
  });

  test("tick is configurable", () => {
    const price = black76(F, 25500, T, 0.1, df, true);
    expect(price).toBeLessThan(0.05);
    expect(price).toBeGreaterThan(1e-6);
    expect(Number.isNaN(impliedVol(price, F, 25500, T, df, true))).toBe(true);
    expect(Math.abs(impliedVol(price, F, 25500, T, df, true, 1e-9) - 0.1)).toBeLessThan(1e-10);
  });

  test("reason list", () => {
    expect([...IV_FAILURE_REASONS]).toEqual(["no_price", "expired", "below_intrinsic", "above_bound", "no_convergence"]);
  });
});

describe("ivBatch", () => {
  test("solves aligned arrays and counts NaN", () => {
    const n = 5;
    const F = new Float64Array(n).fill(24000);
    const K = Float64Array.from([23000, 24000, 25000, 24000, 24000]);
    const T = new Float64Array(n).fill(10 * DAY);
    const df = T.map((t) => Math.exp(-RATE * t));
    const isCall = Uint8Array.from([1, 0, 1, 1, 0]);
    const sigma = [0.12, 0.14, 0.16, 0.2, 0.2];
    const price = Float64Array.from(sigma, (s, i) => black76(F[i], K[i], T[i], s, df[i], isCall[i] === 1));
    price[3] = Number.NaN;
    price[4] = 0.01;
    const out = new Float64Array(n);
    expect(ivBatch(price, F, K, T, df, isCall, out)).toBe(2);
    for (let i = 0; i < 3; i++) expect(Math.abs(out[i] - sigma[i])).toBeLessThan(1e-12);
    expect(Number.isNaN(out[3]) && Number.isNaN(out[4])).toBe(true);
  });
});
