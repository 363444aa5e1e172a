import { describe, expect, test } from "bun:test";
import { erf, erfc, normCdf, normInv, normPdf } from "../../src/analytics/index.ts";

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe("normCdf", () => {
  test("known values", () => {
    expect(normCdf(0)).toBe(0.5);
    expect(rel(normCdf(1), 0.8413447460685429)).toBeLessThan(1e-15);
    expect(rel(normCdf(-1), 0.15865525393145705)).toBeLessThan(1e-15);
    expect(rel(normCdf(3), 0.9986501019683699)).toBeLessThan(1e-15);
    expect(rel(normCdf(-3), 0.0013498980316300945)).toBeLessThan(1e-15);
    expect(rel(normCdf(-5), 2.866515718791939e-7)).toBeLessThan(1e-15);
    expect(rel(normCdf(-8), 6.2209605742717841e-16)).toBeLessThan(1e-14);
    expect(rel(normCdf(-20), 2.753624118606233e-89)).toBeLessThan(1e-13);
    expect(rel(normCdf(-37.5), 4.605353009581955e-308)).toBeLessThan(1e-13);
    expect(normCdf(-50)).toBe(0);
    expect(normCdf(50)).toBe(1);
    expect(normCdf(-Infinity)).toBe(0);
    expect(normCdf(Infinity)).toBe(1);
    expect(Number.isNaN(normCdf(Number.NaN))).toBe(true);
  });

  test("symmetry N(x) + N(-x) = 1", () => {
    for (let x = -9; x <= 9; x += 0.0137) {
      expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThanOrEqual(1e-15);
    }
  });

  test("monotone across the interval joins", () => {
    let prev = 0;
    for (let x = -30; x <= 8; x += 0.001) {
      const v = normCdf(x);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  });
});

describe("erf, erfc, normPdf, normInv", () => {
  test("erf and erfc", () => {
    expect(rel(erf(0.5), 0.5204998778130465)).toBeLessThan(1e-15);
    expect(rel(erf(-2), -0.9953222650189527)).toBeLessThan(1e-15);
    expect(rel(erfc(3), 2.209049699858544e-5)).toBeLessThan(1e-14);
    expect(rel(erfc(-1), 1.8427007929497148)).toBeLessThan(1e-15);
  });

  test("normPdf", () => {
    expect(rel(normPdf(0), 0.3989422804014327)).toBeLessThan(1e-15);
    expect(rel(normPdf(-1), 0.24197072451914337)).toBeLessThan(1e-15);
    expect(rel(normPdf(10), 7.69459862670642e-23)).toBeLessThan(1e-14);
  });

  test("normInv inverts normCdf", () => {
    for (const x of [-37, -20, -8, -3, -1, -0.3, 0, 0.3, 1, 2]) {
      const p = normCdf(x);
      expect(Math.abs(normInv(p) - x)).toBeLessThan(1e-13 * Math.max(1, Math.abs(x)));
    }
    expect(normInv(0.5)).toBe(0);
    expect(normInv(0)).toBe(-Infinity);
    expect(normInv(1)).toBe(Infinity);
    expect(Number.isNaN(normInv(1.5))).toBe(true);
  });
});
