import { describe, expect, test } from "bun:test";
import { atmStrike, formatOffset, strikeLadder, strikeOffset } from "../../src/market/index.ts";

describe("atmStrike", () => {
  test("nearest multiple of each step, halves up", () => {
    expect(atmStrike(24012.3, 50)).toBe(24000);
    expect(atmStrike(24024.99, 50)).toBe(24000);
    expect(atmStrike(24025, 50)).toBe(24050);
    expect(atmStrike(24074.9, 50)).toBe(24050);
    expect(atmStrike(52049.99, 100)).toBe(52000);
    expect(atmStrike(52050, 100)).toBe(52100);
    expect(atmStrike(12012.4, 25)).toBe(12000);
    expect(atmStrike(12012.5, 25)).toBe(12025);
    expect(atmStrike(12037.6, 25)).toBe(12050);
    expect(atmStrike(80000, 100)).toBe(80000);
  });

  test("NaN spot gives NaN; a bad step throws", () => {
    expect(atmStrike(Number.NaN, 50)).toBeNaN();
    expect(() => atmStrike(24000, 0)).toThrow(/step 0/);
    expect(() => atmStrike(24000, Number.NaN)).toThrow(/step NaN/);
  });
});

describe("strikeLadder", () => {
  test("ascending, below + above + 1 strikes", () => {
    const ladder = strikeLadder(24000, 50, 2, 3);
    expect(ladder).toBeInstanceOf(Float64Array);
    expect(ladder.length).toBe(6);
    expect([...ladder]).toEqual([23900, 23950, 24000, 24050, 24100, 24150]);
    expect([...strikeLadder(12000, 25, 0, 0)]).toEqual([12000]);
    expect(strikeLadder(52000, 100, 10, 10).length).toBe(21);
  });

  test("bad counts throw", () => {
    expect(() => strikeLadder(24000, 50, -1, 2)).toThrow(/below -1/);
    expect(() => strikeLadder(24000, 50, 1, 1.5)).toThrow(/above 1.5/);
  });
});

describe("offsets", () => {
  test("offset from ATM in points and its directory name", () => {
    expect(strikeOffset(24050, 24000)).toBe(50);
    expect(strikeOffset(23900, 24000)).toBe(-100);
    expect(formatOffset(strikeOffset(24050, 24000))).toBe("+50");
    expect(formatOffset(strikeOffset(24000, 24000))).toBe("0");
    expect(formatOffset(strikeOffset(23900, 24000))).toBe("-100");
    expect(formatOffset(-0)).toBe("0");
    expect(formatOffset(25)).toBe("+25");
    expect(() => formatOffset(Number.NaN)).toThrow(/NaN/);
  });
});
