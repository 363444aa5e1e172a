/**
 * A file as the Python G6 wrote it (test/fixtures/g6csv/python): CRLF line ends, 0 for every
 * value it could not get, timestamps on the 30 s grid, a row written twice, and a last row cut
 * short by a crash. Each quirk is reported and the values are read as what they mean.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readG6Csv, readOptionCsv } from "../../src/g6csv/index.ts";
import { istEpoch } from "../../src/market/index.ts";

const REL = "g6_data/NIFTY/this_week/+50/2025-03-04.csv";
const path = join(import.meta.dir, "../fixtures/g6csv/python", REL);
const bytes = new Uint8Array(readFileSync(path));
const csv = readOptionCsv(bytes, { path });
const col = (name: keyof typeof csv.columns) => Array.from(csv.columns[name]);

describe("reading the Python G6's option file", () => {
  test("the fixture is as the Python G6 leaves it: CRLF, no line end after the torn row", () => {
    const text = new TextDecoder().decode(bytes);
    expect(text.split("\r\n")).toHaveLength(8);
    expect(text.endsWith("225")).toBe(true);
  });

  test("quirks: CRLF, 30 s grid, one duplicate, a torn last line, 16 zeros read as missing", () => {
    expect(csv.quirks).toEqual({
      crlf: true,
      zeroAsMissing: 16,
      rounded30s: true,
      extraColumns: [],
      tornLastLine: { line: 8, text: "04-03-2025 09:17:30,NIFTY,this_week,2025-03-06,50,22518.1,22500,225" },
      duplicates: 1,
      badRows: { count: 0, first: [] },
    });
  });

  test("rows: five distinct snapshots, IST timestamps as epoch ms", () => {
    expect(csv.rows).toBe(5);
    expect(Array.from(csv.timestamp)).toEqual(["09:15:00", "09:15:30", "09:16:00", "09:16:30", "09:17:00"].map((t) => istEpoch("2025-03-04", t)));
    expect(csv.timestamp[0]).toBe(Date.UTC(2025, 2, 4, 3, 45, 0));
    expect(csv.strings.index).toEqual({ values: ["NIFTY"], codes: new Uint32Array(5) });
    expect(csv.strings.expiry_date.values).toEqual(["2025-03-06"]);
    expect(col("offset")).toEqual([50, 50, 50, 50, 50]);
    expect(col("strike")).toEqual([22550, 22550, 22550, 22550, 22550]);
  });

  test("a 0 price, IV or Greek without IV is missing; volume, OI and changes of 0 are real", () => {
    expect(col("ce")).toEqual([61.4, 68.05, 71.3, Number.NaN, 66.1]);
    expect(col("pe")).toEqual([98.25, 91.1, 88, 89.4, 93.35]);
    expect(col("tp")).toEqual([159.65, 159.15, 159.3, Number.NaN, 159.45]);
    expect(col("avg_tp")).toEqual([158.7, 158.7, 158.7, Number.NaN, 158.4]);
    expect(col("pe_iv")).toEqual([0.1511, Number.NaN, 0.1508, 0.151, 0.1512]);
    expect(col("pe_delta")).toEqual([-0.5694, Number.NaN, -0.5421, -0.5287, -0.5599]);
    expect(col("pe_gamma")).toEqual([0.00078412, Number.NaN, 0.00078977, 0.0007882, 0.00078655]);
    expect(col("ce_iv")).toEqual([0.1432, 0.1429, 0.1431, Number.NaN, 0.1434]);
    expect(col("ce_rho")).toEqual([0.6123, 0.6391, 0.6502, Number.NaN, 0.6242]);
    expect(col("ce_vol")).toEqual([125400, 131050, 0, 0, 139900]);
    expect(col("ce_oi")).toEqual([1843200, 1851000, 1851000, 1851000, 1849800]);
    expect(col("tp_day_change")).toEqual([0, -0.5, -0.35, 0, -0.2]);
  });

  test("the path names the series", () => {
    expect(csv.path).toEqual({ kind: "option", layout: "g6", base: path.slice(0, -REL.length) + "g6_data", index: "NIFTY", tag: "this_week", offset: 50, date: "2025-03-04" });
    expect(readG6Csv(bytes).kind).toBe("option");
  });
});
