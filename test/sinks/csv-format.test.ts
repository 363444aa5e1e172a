import { describe, expect, test } from "bun:test";
import { ByteWriter, fmt } from "../../src/g6csv/index.ts";

describe("fmt", () => {
  test("fixed decimals like toFixed on ordinary values; missing is empty", () => {
    const cases: [number, number, string][] = [
      [0, 2, "0.00"],
      [-0, 2, "0.00"],
      [-0.001, 2, "0.00"],
      [0.05, 2, "0.05"],
      [123.456, 2, "123.46"],
      [-123.456, 2, "-123.46"],
      [24010.5, 2, "24010.50"],
      [0.1432, 6, "0.143200"],
      [-0.00001234, 8, "-0.00001234"],
      [7, 0, "7"],
      [-7.5, 0, "-8"],
      [1e20, 2, "100000000000000000000.00"],
    ];
    for (const [x, d, s] of cases) expect(fmt(x, d)).toBe(s);
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(fmt(x, 2)).toBe("");
  });

  test("agrees with toFixed on a grid of prices and greeks", () => {
    let mismatches = 0;
    for (let i = 0; i < 20000; i++) {
      const x = (i * 7.31) / 3 - 5000;
      for (const d of [2, 4, 6]) if (fmt(x, d) !== x.toFixed(d) && !(Math.abs(x) < 0.5 * 10 ** -d)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe("ByteWriter", () => {
  test("writes exactly what fmt writes", () => {
    const w = new ByteWriter(8);
    const expected: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = i % 97 === 0 ? Number.NaN : ((i * 7.31) / 3 - 5000) * (i % 3 === 0 ? 1e-5 : 1);
      for (const d of [0, 2, 4, 6, 8]) {
        w.fixed(x, d);
        w.comma();
        expected.push(fmt(x, d));
      }
    }
    w.ascii("end");
    w.newline();
    expect(new TextDecoder().decode(w.view())).toBe(`${expected.join(",")},end\n`);
  });
});
