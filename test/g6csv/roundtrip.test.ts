/**
 * Round trip: the real engine writes a few cycles on a simulated market with missing and
 * zero-priced quotes (both layouts); every row read back holds the cycle's own numbers to the
 * written decimals, and NaN exactly where the cycle had no value.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainBatch } from "../../src/chain/batch.ts";
import { DECIMALS, expiryPath, optionPath, overviewPath, pairMissing, readOptionCsv, readOverviewCsv, type OptionCsv } from "../../src/g6csv/index.ts";
import { listFiles, runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import type { CycleResult } from "../../src/contracts/index.ts";

const CYCLES = 3;
const P = DECIMALS.price;
/** Column, decimals written, and the cycle's value for call leg c of group g. */
type Check = [keyof OptionCsv["columns"], number, (b: ChainBatch, g: number, c: number) => number];
const sum = (x: number, y: number) => (Number.isFinite(x) && Number.isFinite(y) ? x + y : Number.NaN);
const legs = (name: string, field: keyof ChainBatch, d: number): Check[] => [
  [`ce_${name}` as Check[0], d, (b, _g, c) => (b[field] as Float64Array)[c]!],
  [`pe_${name}` as Check[0], d, (b, _g, c) => (b[field] as Float64Array)[c + 1]!],
];
const CHECKS: Check[] = [
  ["index_price", P, (b, g) => b.g_spot[g]!],
  ["atm", 0, (b, g) => b.g_atm[g]!],
  ["strike", 0, (b, _g, c) => b.strike[c]!],
  ["offset", 0, (b, g, c) => b.strike[c]! - b.g_atm[g]!],
  ["ce", P, (b, _g, c) => b.last[c]!],
  ["pe", P, (b, _g, c) => b.last[c + 1]!],
  ["tp", P, (b, _g, c) => sum(b.last[c]!, b.last[c + 1]!)],
  ["avg_ce", P, (b, _g, c) => b.avg[c]!],
  ["avg_pe", P, (b, _g, c) => b.avg[c + 1]!],
  ["avg_tp", P, (b, _g, c) => sum(b.avg[c]!, b.avg[c + 1]!)],
  ...legs("vol", "volume", 0),
  ...legs("oi", "oi", 0),
  ...legs("iv", "iv", DECIMALS.iv),
  ...legs("delta", "delta", DECIMALS.delta),
  ...legs("theta", "theta", DECIMALS.theta),
  ...legs("vega", "vega", DECIMALS.vega),
  ...legs("gamma", "gamma", DECIMALS.gamma),
  ...legs("rho", "rho", DECIMALS.rho),
];

async function run(layout: "g6" | "expiry_v1") {
  const dataDir = tempDir();
  const config = testConfig({
    interval: 60,
    storage: { data_dir: dataDir, csv: { layout } },
    provider: { sim: { seed: 11, start: "2026-11-19T09:15", faults: { missing_rate: 0.05, zero_price_rate: 0.03 } } },
  });
  return { results: await runEngine(config, CYCLES), base: join(dataDir, "g6_data") };
}

/** Compares every row the cycles should have written with what the files read back; returns [rows, NaN fields] checked. */
function compare(results: CycleResult[], fileOf: (index: string, tag: string, offset: number, date: string) => string): [number, number] {
  const files = new Map<string, Map<string, number> & { csv?: OptionCsv }>();
  const open = (path: string) => {
    let f = files.get(path);
    if (!f) {
      const csv = readOptionCsv(readFileSync(path), { path });
      expect(csv.quirks).toEqual({ crlf: false, zeroAsMissing: 0, rounded30s: true, extraColumns: [], tornLastLine: null, duplicates: 0, badRows: { count: 0, first: [] } });
      expect(csv.rows).toBeGreaterThan(0);
      f = Object.assign(new Map<string, number>(), { csv });
      for (let r = 0; r < csv.rows; r++) f.set(`${csv.timestamp[r]}|${csv.columns.offset[r]}`, r);
      files.set(path, f);
    }
    return f;
  };
  let rows = 0;
  let nans = 0;
  for (const { batch: b, at, date, expiries } of results) {
    for (const e of expiries) {
      const g = e.group;
      for (let c = b.start[g]!; c < b.end[g]!; c += 2) {
        if (pairMissing(b, c)) continue;
        const offset = b.strike[c]! - b.g_atm[g]!;
        const f = open(fileOf(e.index, e.tag, offset, date));
        const csv = f.csv!;
        const r = f.get(`${at}|${offset}`);
        expect(r).toBeDefined();
        expect(csv.strings.index.values[csv.strings.index.codes[r!]!]).toBe(e.index);
        expect(csv.strings.expiry_tag.values[csv.strings.expiry_tag.codes[r!]!]).toBe(e.tag);
        expect(csv.strings.expiry_date.values[csv.strings.expiry_date.codes[r!]!]).toBe(b.labels.expiry[g]);
        for (const [name, d, want] of CHECKS) {
          const expected = want(b, g, c);
          const got = csv.columns[name][r!]!;
          if (!Number.isFinite(expected)) {
            nans++;
            expect({ name, got }).toEqual({ name, got: Number.NaN });
          } else if (Math.abs(got - expected) > 0.5 * 10 ** -d + 1e-9 * Math.abs(expected)) {
            expect({ name, got }).toEqual({ name, got: expected });
          }
        }
        rows++;
      }
    }
  }
  return [rows, nans];
}

describe("written by the sink, read back by readOptionCsv", () => {
  test("g6 layout: every row and every value of 3 cycles", async () => {
    const { results, base } = await run("g6");
    expect(results).toHaveLength(CYCLES);
    const [rows, nans] = compare(results, (i, t, o, d) => optionPath(base, i, t, o, d));
    // 14 expiries × 21 strikes a cycle, less pairs with no quote at all.
    expect(rows).toBeGreaterThan(CYCLES * 14 * 21 * 0.95);
    expect(rows).toBeLessThanOrEqual(CYCLES * 14 * 21);
    expect(nans).toBeGreaterThan(100);
    const ov = readOverviewCsv(readFileSync(overviewPath(base, "NIFTY", "2026-11-19")));
    const nifty = results.map((r) => r.indices.find((s) => s.index === "NIFTY")!);
    expect(ov.rows).toBe(CYCLES);
    expect(Array.from(ov.timestamp)).toEqual(results.map((r) => r.at));
    expect(Array.from(ov.columns.index_price)).toEqual(nifty.map((s) => Math.round(s.spot * 100) / 100));
    expect(Array.from(ov.columns.expiries_collected)).toEqual(nifty.map((s) => s.expiriesCollected));
    expect(Array.from(ov.columns.missing_mask)).toEqual(nifty.map((s) => s.missingMask));
  });

  test("expiry_v1 layout: every row and every value of 3 cycles", async () => {
    const { results, base } = await run("expiry_v1");
    const [rows] = compare(results, (i, t, _o, d) => expiryPath(base, i, t, d));
    expect(rows).toBeGreaterThan(CYCLES * 14 * 21 * 0.95);
    expect(listFiles(join(base, "expiry_v1"))).toHaveLength(14);
  });
});
