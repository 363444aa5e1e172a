/** Support/resistance around spot, IV rank and percentile, build-up classes: values worked by hand. */
import { describe, expect, test } from "bun:test";
import { BUILDUP_CLASSES, buildupCode, ivPercentile, ivRank, resistanceStrike, supportStrike } from "../../src/analytics/index.ts";

const K = Float64Array.from([23800, 23900, 24000, 24100, 24200]);

describe("support and resistance around spot", () => {
  const putOi = Float64Array.from([500, 900, 700, 2000, 100]);
  const callOi = Float64Array.from([3000, 100, 400, 800, 600]);
  test("support is the highest put OI at or below spot, never above it", () => {
    // The largest put OI (2000 at 24100) is above spot 24050: not support.
    expect(supportStrike(K, putOi, 24050)).toBe(23900);
    expect(supportStrike(K, putOi, 24100)).toBe(24100);
    expect(supportStrike(K, putOi, 23700)).toBeNaN();
  });
  test("resistance is the highest call OI at or above spot, never below it", () => {
    // The largest call OI (3000 at 23800) is below spot: not resistance.
    expect(resistanceStrike(K, callOi, 24050)).toBe(24100);
    expect(resistanceStrike(K, callOi, 24250)).toBeNaN();
  });
  test("missing OI is skipped; ties go to the strike nearer spot", () => {
    expect(supportStrike(K, Float64Array.from([700, Number.NaN, 700, 0, 0]), 24050)).toBe(24000);
    expect(resistanceStrike(K, Float64Array.from([0, 0, 0, 500, 500]), 24050)).toBe(24100);
    expect(supportStrike(K, new Float64Array(5).fill(Number.NaN), 24050)).toBeNaN();
  });
});

describe("IV rank and percentile", () => {
  const history = [0.1, 0.2, 0.15, 0.12, 0.18];
  test("rank = (current − min)/(max − min) in percent; percentile = share strictly below", () => {
    expect(ivRank(0.16, history)).toBeCloseTo(60, 12);
    expect(ivPercentile(0.16, history)).toBeCloseTo(60, 12); // 0.10, 0.12, 0.15 below: 3 of 5
    expect(ivRank(0.25, history)).toBe(100);
    expect(ivRank(0.05, history)).toBe(0);
    expect(ivPercentile(0.1, history)).toBe(0);
  });
  test("empty until enough history, never invented", () => {
    expect(ivRank(0.16, history, 6)).toBeNaN();
    expect(ivPercentile(0.16, history, 6)).toBeNaN();
    expect(ivRank(0.16, [])).toBeNaN();
    expect(ivRank(Number.NaN, history)).toBeNaN();
    expect(ivRank(0.16, [0.2, 0.2])).toBeNaN(); // no range
    expect(ivPercentile(0.16, [Number.NaN, 0.1], 2)).toBeNaN(); // one finite value
  });
});

describe("build-up classes", () => {
  const cls = (...a: Parameters<typeof buildupCode>) => BUILDUP_CLASSES[buildupCode(...a)];
  test("the four quadrants past the thresholds", () => {
    expect(cls(1000, 1100, 50, 55, 1, 1)).toBe("long_buildup");
    expect(cls(1000, 1100, 50, 45, 1, 1)).toBe("short_buildup");
    expect(cls(1000, 900, 50, 55, 1, 1)).toBe("short_covering");
    expect(cls(1000, 900, 50, 45, 1, 1)).toBe("long_unwinding");
  });
  test("below either threshold: neutral; missing or zero base: unknown", () => {
    expect(cls(1000, 1005, 50, 60, 1, 1)).toBe("neutral"); // OI +0.5 %
    expect(cls(1000, 1100, 50, 50.2, 1, 1)).toBe("neutral"); // price +0.4 %
    expect(cls(1000, 1100, 50, 50.2, 1, 0)).toBe("long_buildup");
    expect(cls(Number.NaN, 1100, 50, 55, 1, 1)).toBe("unknown");
    expect(cls(0, 1100, 50, 55, 1, 1)).toBe("unknown");
    expect(cls(1000, 1100, 50, Number.NaN, 1, 1)).toBe("unknown");
  });
});
