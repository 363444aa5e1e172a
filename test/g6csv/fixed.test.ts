/**
 * The byte writers against the string reference, byte for byte: ByteWriter.fixed / writeFixed
 * against `fmt` (format.ts: half away from zero on x·10^d, toFixed where the scaled value is not
 * a safe integer, empty when not finite), the rendered CSV row bodies against rows joined from
 * `fmt`, and the InfluxDB option lines against lines built from `fmt` with trailing zeros dropped.
 * Randomized with a fixed seed; every edge the fast paths have (int32 and 2^53 boundaries, .5
 * ties, values rounding to zero, negative zero, subnormals, huge and non-finite values).
 */
import { describe, expect, test } from "bun:test";
import { createBatch } from "../../src/chain/batch.ts";
import { ByteWriter, DECIMALS, FIXED_MAX_BYTES, fmt, renderRowBodies, writeFixed } from "../../src/g6csv/index.ts";
import { optionLines } from "../../src/sinks/influx/lines.ts";

/** xorshift32: the same cases every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Values that stress one decimal count `d`. */
function casesFor(d: number, random: () => number): number[] {
  const p = 10 ** d;
  const out = [
    0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, -Number.MIN_VALUE,
    2.2250738585072014e-308, -2.225073858507201e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON,
    0.49999999999999994, -0.49999999999999994, 1e21, -1e21, 1.5e30, 123456789012345680000, 1e20, -1e20,
    2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER,
    2147483646.5, 2147483646.9999998, 2147483647.25, 2147483647.5, -2147483647.5, 2147483648.5, 4503599627370495.5,
  ];
  for (let k = 0; k < 20; k++) {
    // Rounding to zero from either side (no "-0.00"), and ties at this decimal count.
    out.push((random() * 0.5) / p, (-random() * 0.5) / p, 0.5 / p, -0.5 / p, (k + 0.5) / p, -(k + 0.5) / p);
    out.push((Math.floor(random() * 1e6) + 0.5) / p, -(Math.floor(random() * 1e9) + 0.5) / p);
    // Binary-exact ties (x·10^d lands on .5 exactly).
    out.push((Math.floor(random() * 1e5) * 2 + 1) / (2 * p));
  }
  // Around the int32 and 2^53 bounds of the scaled value, and every power of ten.
  for (const edge of [2 ** 31, 2 ** 53, 2 ** 52]) {
    for (let k = -3; k <= 3; k++) out.push((edge + k) / p, -(edge + k) / p, (edge + k + 0.5) / p);
  }
  for (let e = -12; e <= 25; e++) out.push(10 ** e, -(10 ** e), 10 ** e - 1, 10 ** e + 0.5, (10 ** e) / p, (10 ** e - 1) / p);
  // Random magnitudes over the whole range of doubles, and ordinary market values.
  for (let k = 0; k < 4000; k++) {
    const sign = random() < 0.5 ? -1 : 1;
    out.push(sign * random() * 10 ** (random() * 40 - 15));
    out.push(sign * Math.floor(random() * 2 ** 32) / p);
    out.push(sign * random() * 30000, sign * random(), sign * random() * 1e-3);
  }
  for (let k = 0; k < 200; k++) {
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    words[0] = Math.floor(random() * 2 ** 32);
    words[1] = Math.floor(random() * 2 ** 32);
    out.push(bits[0]!);
  }
  return out;
}

describe("writeFixed", () => {
  test("every byte equals fmt's text, at every decimal count, across the edges", () => {
    const random = rng(20261126);
    const decoder = new TextDecoder();
    const mismatches: string[] = [];
    let checked = 0;
    for (let d = 0; d <= 9; d++) {
      const w = new ByteWriter(16);
      const expected: string[] = [];
      for (const x of casesFor(d, random)) {
        const before = w.pos;
        w.fixed(x, d);
        const got = decoder.decode(w.view(before));
        const want = fmt(x, d);
        if (got !== want && mismatches.length < 10) mismatches.push(`fmt(${x}, ${d}) = "${want}", written "${got}"`);
        expect(w.pos - before).toBeLessThanOrEqual(FIXED_MAX_BYTES);
        w.comma();
        expected.push(want);
        checked++;
      }
      // The whole buffer too: nothing written outside a field.
      expect(decoder.decode(w.view())).toBe(`${expected.join(",")},`);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(100_000);
  });

  test("hand-checked texts: signs, zeros, ties, non-finite, huge", () => {
    const cases: [number, number, string][] = [
      [-0, 2, "0.00"],
      [-0, 0, "0"],
      [-0.004, 2, "0.00"],
      [-0.005, 2, "-0.01"],
      [0.125, 2, "0.13"],
      [-0.125, 2, "-0.13"],
      [2.5, 0, "3"],
      [-2.5, 0, "-3"],
      [1.0005, 3, "1.001"], // 1.000499999… in binary, but 1.0005 · 1000 is 1000.5 exactly (toFixed says 1.000)
      [0.00000001, 8, "0.00000001"],
      [-0.000000005, 8, "-0.00000001"],
      [0.0000000049, 8, "0.00000000"],
      [Number.MIN_VALUE, 9, "0.000000000"],
      [24010.5, 2, "24010.50"],
      [21474836.47, 2, "21474836.47"],
      [21474836.48, 2, "21474836.48"],
      [9007199254740991, 0, "9007199254740991"],
      [90071992547409.91, 2, "90071992547409.91"],
      [-9007199.254740991, 9, "-9007199.254740991"],
      [1e20, 2, "100000000000000000000.00"],
      [1e21, 2, "1e+21"],
      [-1.5e300, 4, "-1.5e+300"],
    ];
    const buf = new Uint8Array(64);
    for (const [x, d, s] of cases) {
      expect(fmt(x, d)).toBe(s);
      expect(new TextDecoder().decode(buf.subarray(0, writeFixed(buf, 0, x, d)))).toBe(s);
    }
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(writeFixed(buf, 7, x, 2)).toBe(7);
  });
});

/** A batch of `groups` × `strikes` strike pairs with random values, some missing and some legs wholly unquoted. */
function randomBatch(seed: number, groups: number, strikes: number) {
  const random = rng(seed);
  const b = createBatch(
    Array.from({ length: groups }, (_, g) => ({
      index: g % 2 ? "BANKNIFTY" : "NIFTY",
      tag: "this_week",
      expiry: `2026-12-${String(1 + g).padStart(2, "0")}`,
      spot: 24000 + random() * 100,
      atm: 24000,
      T: 0.02,
      df: 1,
      strikes: Float64Array.from({ length: strikes }, (_, k) => 23000 + 50 * k + (k % 7 === 3 ? 0.5 : 0)),
    })),
  );
  const pick = (scale: number, d: number) => {
    const r = random();
    if (r < 0.08) return Number.NaN;
    if (r < 0.1) return (random() - 0.5) * 10 ** -d; // rounds to zero
    if (r < 0.12) return (Math.floor(random() * 1e4) + 0.5) / 10 ** d; // a tie
    if (r < 0.13) return (random() - 0.5) * 1e17; // beyond 2^53 once scaled
    return (random() - 0.3) * scale;
  };
  for (let i = 0; i < b.legs; i++) {
    const unquoted = random() < 0.1;
    b.last[i] = unquoted ? Number.NaN : pick(500, 2);
    b.avg[i] = pick(500, 2);
    b.bid[i] = pick(500, 2);
    b.ask[i] = pick(500, 2);
    b.volume[i] = Math.round(pick(1e7, 0));
    b.oi[i] = pick(1e7, 0);
    b.iv[i] = pick(1, 6);
    b.delta[i] = pick(1, 6);
    b.gamma[i] = pick(1e-3, 8);
    b.theta[i] = pick(30, 4);
    b.vega[i] = pick(20, 4);
    b.rho[i] = pick(5, 4);
    b.quoteTime[i] = random() < 0.2 ? Number.NaN : Date.UTC(2026, 10, 20, 5, 0, 0) - random() * 60_000;
    if (random() < 0.03) for (const f of [b.last, b.avg, b.bid, b.ask, b.volume, b.oi, b.iv, b.delta, b.gamma, b.theta, b.vega, b.rho, b.quoteTime]) f[i] = Number.NaN;
  }
  b.g_spot[groups - 1] = Number.NaN;
  return b;
}

describe("rendered bytes against rows and lines built from fmt", () => {
  test("CSV row bodies", () => {
    const b = randomBatch(7, 6, 60);
    const stamp = "20-11-2026 10:30:00";
    const P = DECIMALS.price;
    const sum = (x: number, y: number) => (Number.isFinite(x) && Number.isFinite(y) ? x + y : Number.NaN);
    const expected: string[] = [];
    for (let g = 0; g < b.groups; g++) {
      for (let c = b.start[g]!; c < b.end[g]!; c += 2) {
        const p = c + 1;
        if (!Number.isFinite(b.last[c]!) && !Number.isFinite(b.last[p]!)) continue;
        const two = (f: Float64Array, d: number) => [fmt(f[c]!, d), fmt(f[p]!, d)];
        expected.push(
          [
            stamp, b.labels.index[g], b.labels.tag[g], b.labels.expiry[g], fmt(b.strike[c]! - b.g_atm[g]!, 0), fmt(b.g_spot[g]!, P),
            fmt(b.g_atm[g]!, 0), fmt(b.strike[c]!, 0), ...two(b.last, P), fmt(sum(b.last[c]!, b.last[p]!), P), ...two(b.avg, P),
            fmt(sum(b.avg[c]!, b.avg[p]!), P), ...two(b.volume, 0), ...two(b.oi, 0), ...two(b.iv, DECIMALS.iv), ...two(b.delta, DECIMALS.delta),
            ...two(b.theta, DECIMALS.theta), ...two(b.vega, DECIMALS.vega), ...two(b.gamma, DECIMALS.gamma), ...two(b.rho, DECIMALS.rho),
          ].join(","),
        );
      }
    }
    const r = renderRowBodies(b, 0, b.groups, stamp);
    const text = new TextDecoder().decode(r.bytes);
    const rows: string[] = [];
    for (let i = 0; i < r.pairEnd.length; i++) {
      const start = i === 0 ? 0 : r.pairEnd[i - 1]!;
      if (r.pairEnd[i]! > start) rows.push(text.slice(start, r.pairEnd[i]!));
    }
    expect(expected.length).toBeGreaterThan(200);
    expect(rows).toEqual(expected);
  });

  test("InfluxDB option_data lines", () => {
    const b = randomBatch(11, 4, 40);
    const at = Date.UTC(2026, 10, 20, 5, 0, 0) + 0.7;
    const float = (x: number, d: number) => (d === 0 ? fmt(x, d) : fmt(x, d).replace(/0+$/, "").replace(/\.$/, ""));
    const fields: [string, Float64Array, number][] = [
      ["price", b.last, DECIMALS.price], ["oi", b.oi, 0], ["volume", b.volume, 0], ["iv", b.iv, DECIMALS.iv], ["delta", b.delta, DECIMALS.delta],
      ["gamma", b.gamma, DECIMALS.gamma], ["theta", b.theta, DECIMALS.theta], ["vega", b.vega, DECIMALS.vega], ["rho", b.rho, DECIMALS.rho],
      ["bid", b.bid, DECIMALS.price], ["ask", b.ask, DECIMALS.price], ["avg_price", b.avg, DECIMALS.price],
    ];
    const expected: string[] = [];
    for (let g = 0; g < b.groups; g++) {
      const expiry = b.labels.expiry[g]!;
      for (let i = b.start[g]!; i < b.end[g]!; i++) {
        const set = fields.filter(([, f]) => Number.isFinite(f[i]!)).map(([name, f, d]) => `${name}=${float(f[i]!, d)}`);
        if (Number.isFinite(b.quoteTime[i]!)) set.push(`quote_age_seconds=${float((at - b.quoteTime[i]!) / 1000, 3)}`);
        if (set.length === 0) continue;
        const type = b.isCall[i] === 1 ? "CE" : "PE";
        const strike = String(b.strike[i]!);
        const symbol = `${b.labels.index[g]}${expiry.slice(2, 4)}${expiry.slice(5, 7)}${expiry.slice(8, 10)}${strike}${type}`;
        expected.push(`option_data,expiry=${expiry},index=${b.labels.index[g]},strike=${strike},symbol=${symbol},type=${type} ${set.join(",")} ${Math.trunc(at)}`);
      }
    }
    const lines: string[] = [];
    expect(optionLines(b, at, lines)).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(200);
    expect(lines).toEqual(expected);
  });
});
