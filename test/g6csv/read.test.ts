/**
 * The reader's contract on small texts: the 34-column header, rows with the wrong field count,
 * empty fields, overview files, and headers that are not G6's.
 */
import { describe, expect, test } from "bun:test";
import { OPTION_HEADER, OVERVIEW_HEADER, readG6Csv, readOptionCsv, readOverviewCsv, readOptionRowTp, readRowTimestamp } from "../../src/g6csv/index.ts";
import { istEpoch } from "../../src/market/index.ts";

/** An option row of the 32 known columns at IST `time` on 2026-11-19, `over` replacing fields by name. */
function optionRow(time: string, over: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    timestamp: `19-11-2026 ${time}`, index: "BANKNIFTY", expiry_tag: "this_month", expiry_date: "2026-11-25", offset: "-100",
    index_price: "52010.50", atm: "52000", strike: "51900", ce: "310.25", pe: "190.75", tp: "501.00", avg_ce: "309.00", avg_pe: "191.00", avg_tp: "500.00",
    ce_vol: "1200", pe_vol: "0", ce_oi: "0", pe_oi: "88000", ce_iv: "0.143000", pe_iv: "0.150000",
    ce_delta: "0.560000", pe_delta: "-0.440000", ce_theta: "-12.5000", pe_theta: "-11.2500", ce_vega: "30.1000", pe_vega: "30.0500",
    ce_gamma: "0.00012345", pe_gamma: "0.00012000", ce_rho: "5.1000", pe_rho: "-4.9000", tp_net_change: "", tp_day_change: "0.00",
  };
  return OPTION_HEADER.split(",").map((c) => over[c] ?? values[c]!).join(",");
}

describe("readOptionCsv", () => {
  test("G6's own file: LF, empty fields NaN, seconds off the 30 s grid, no quirks", () => {
    const csv = readOptionCsv(`${OPTION_HEADER}\n${optionRow("09:15:07")}\n${optionRow("09:16:07", { pe: "", tp: "", pe_iv: "", pe_delta: "" })}\n`);
    expect(csv.rows).toBe(2);
    expect(csv.quirks).toEqual({ crlf: false, zeroAsMissing: 0, rounded30s: false, extraColumns: [], tornLastLine: null, duplicates: 0, badRows: { count: 0, first: [] } });
    expect(Array.from(csv.columns.pe)).toEqual([190.75, Number.NaN]);
    expect(Array.from(csv.columns.tp_net_change)).toEqual([Number.NaN, Number.NaN]);
    expect(Array.from(csv.columns.pe_vol)).toEqual([0, 0]);
    expect(Array.from(csv.columns.ce_oi)).toEqual([0, 0]);
    expect(Array.from(csv.columns.offset)).toEqual([-100, -100]);
    expect(Array.from(csv.timestamp)).toEqual([istEpoch("2026-11-19", "09:15:07"), istEpoch("2026-11-19", "09:16:07")]);
    expect(csv.path).toBeNull();
  });

  test("a Greek that rounds to 0 beside a real IV stays 0", () => {
    const csv = readOptionCsv(`${OPTION_HEADER}\n${optionRow("09:15:00", { ce_gamma: "0.00000000", ce_theta: "0.0000" })}\n`);
    expect(csv.columns.ce_gamma[0]).toBe(0);
    expect(csv.columns.ce_theta[0]).toBe(0);
    expect(csv.quirks.zeroAsMissing).toBe(0);
  });

  test("the Python G6's 34-column header: the 32 known columns read, the two extra kept as text", () => {
    const header = `${OPTION_HEADER},extra_1,extra_2`;
    const csv = readOptionCsv(`${header}\r\n${optionRow("09:15:00")},1.5,\r\n${optionRow("09:15:30")},2.5,x\r\n`);
    expect(csv.quirks.extraColumns).toEqual(["extra_1", "extra_2"]);
    expect(csv.quirks.crlf).toBe(true);
    expect(csv.quirks.rounded30s).toBe(true);
    expect(csv.rows).toBe(2);
    expect(csv.extra).toEqual({ extra_1: ["1.5", "2.5"], extra_2: ["", "x"] });
    expect(Array.from(csv.columns.ce)).toEqual([310.25, 310.25]);
    expect(Array.from(csv.columns.tp_day_change)).toEqual([0, 0]);
    // A 32-field row in a 34-column file is the wrong field count.
    expect(readOptionCsv(`${header}\n${optionRow("09:15:00")}\n`).quirks.badRows).toEqual({ count: 1, first: [{ line: 2, fields: 32, text: optionRow("09:15:00").slice(0, 80) + "…" }] });
  });

  test("rows with the wrong field count or an unreadable timestamp are skipped, counted, the first five quoted", () => {
    const lines = [OPTION_HEADER, optionRow("09:15:00")];
    for (let i = 0; i < 6; i++) lines.push(`junk,${i}`);
    lines.push("", optionRow("31-02-2026 09:16:00".slice(11), { timestamp: "31-02-2026 09:16:00" }), optionRow("09:17:00"));
    const csv = readOptionCsv(`${lines.join("\n")}\n`);
    expect(csv.rows).toBe(2);
    expect(csv.quirks.badRows.count).toBe(8);
    expect(csv.quirks.badRows.first).toEqual([3, 4, 5, 6, 7].map((line, i) => ({ line, fields: 2, text: `junk,${i}` })));
    expect(Array.from(csv.timestamp)).toEqual([istEpoch("2026-11-19", "09:15:00"), istEpoch("2026-11-19", "09:17:00")]);
  });

  test("duplicates are the same timestamp and series; the first is kept", () => {
    const csv = readOptionCsv(`${OPTION_HEADER}\n${optionRow("09:15:00")}\n${optionRow("09:15:00", { ce: "1.00", offset: "0" })}\n${optionRow("09:15:00", { ce: "2.00" })}\n`);
    expect(csv.quirks.duplicates).toBe(1);
    expect(Array.from(csv.columns.ce)).toEqual([310.25, 1]);
  });

  test("bytes and text read the same; a header only is no rows", () => {
    const text = `${OPTION_HEADER}\n${optionRow("09:15:00")}\n`;
    const [fromBytes, fromText] = [readOptionCsv(new TextEncoder().encode(text)), readOptionCsv(text)];
    for (const name of Object.keys(fromText.columns) as (keyof typeof fromText.columns)[]) {
      expect(Array.from(fromBytes.columns[name])).toEqual(Array.from(fromText.columns[name]));
    }
    expect(fromBytes.columns.strike[0]).toBe(51900);
    expect(Array.from(fromBytes.timestamp)).toEqual(Array.from(fromText.timestamp));
    expect(fromBytes.quirks).toEqual(fromText.quirks);
    const empty = readOptionCsv(`${OPTION_HEADER}\n`);
    expect(empty.rows).toBe(0);
    expect(empty.quirks.rounded30s).toBe(false);
  });
});

describe("reading the bytes: the text's rules", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  test("numbers read from the bytes equal Number of their text; other spellings go through Number", () => {
    const values = ["310.25", "0.00012345", "-4.9000", "-0", "-0.00", "5.", ".5", "-.5", "1e2", "+7", " 8", "0x10", "Infinity", "-", ".", "1.2.3", "123456789012345", "1234567890.123456", "9007199254740993", "0.1", "22518.1"];
    for (const v of values) {
      const csv = readOptionCsv(bytes(`${OPTION_HEADER}\n${optionRow("09:15:00", { ce_vol: v })}\n`));
      const want = Number(v);
      expect(Object.is(csv.columns.ce_vol[0], v === "" || !Number.isFinite(want) ? Number.NaN : want)).toBe(true);
    }
  });

  test("a BOM is dropped before the header of bytes, as TextDecoder drops it; in text, or inside a field, it is text", () => {
    const text = `${OPTION_HEADER}\n${optionRow("09:15:00")}\n`;
    expect(readOptionCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(text)])).rows).toBe(1);
    expect(() => readOptionCsv(`\uFEFF${text}`)).toThrow("not a G6 CSV header");
    const csv = readOptionCsv(bytes(`${OPTION_HEADER}\n${optionRow("09:15:00", { index: "\uFEFFNIFTY" })}\n`));
    expect(csv.strings.index.values).toEqual(["\uFEFFNIFTY"]);
  });

  test("timestamps: a new date mid-file, a bad time on a known date, seconds off the grid", () => {
    const rows = [
      optionRow("09:15:30"),
      optionRow("09:16:00", { timestamp: "20-11-2026 09:16:00" }),
      optionRow("24:00:00", { timestamp: "20-11-2026 24:00:00" }),
      optionRow("09:17:05", { timestamp: "20-11-2026 09:17:05" }),
      optionRow("09:18:00", { timestamp: "20-11-2026 9:18:00x" }),
    ];
    const csv = readOptionCsv(bytes(`${OPTION_HEADER}\n${rows.join("\n")}\n`));
    expect(Array.from(csv.timestamp)).toEqual([istEpoch("2026-11-19", "09:15:30"), istEpoch("2026-11-20", "09:16:00"), istEpoch("2026-11-20", "09:17:05")]);
    expect(csv.quirks.badRows.count).toBe(2);
    expect(csv.quirks.badRows.first.map((b) => b.line)).toEqual([4, 6]);
    expect(csv.quirks.rounded30s).toBe(false);
  });

  test("duplicates are keyed by the fields' text: another spelling of the offset is another row; a series left and come back to is remembered", () => {
    const rows = [
      optionRow("09:15:00"),
      optionRow("09:15:00", { offset: "-100.0" }),
      optionRow("09:15:00", { expiry_tag: "next_month" }),
      optionRow("09:15:00", { ce: "9.00" }),
      optionRow("09:15:00", { expiry_tag: "next_month", ce: "8.00" }),
    ];
    const csv = readOptionCsv(bytes(`${OPTION_HEADER}\r\n${rows.join("\r\n")}\r\n`));
    expect(csv.rows).toBe(3);
    expect(csv.quirks.duplicates).toBe(2);
    expect(Array.from(csv.columns.offset)).toEqual([-100, -100, -100]);
    expect(csv.strings.expiry_tag.values).toEqual(["this_month", "next_month"]);
    expect(Array.from(csv.strings.expiry_tag.codes)).toEqual([0, 0, 1]);
  });

  test("a line of a CR only, a CR inside the last field, a torn line after CRLF lines", () => {
    const text = `${OPTION_HEADER}\r\n\r\n${optionRow("09:15:00")}\r\r\n${optionRow("09:16:00")}\r\n19-11-2026 09:17:00,NIF`;
    const csv = readOptionCsv(bytes(text));
    expect(csv.rows).toBe(2);
    // "0.00\r": Number trims the CR.
    expect(Array.from(csv.columns.tp_day_change)).toEqual([0, 0]);
    expect(csv.quirks.badRows).toEqual({ count: 1, first: [{ line: 2, fields: 1, text: "" }] });
    expect(csv.quirks.tornLastLine).toEqual({ line: 5, text: "19-11-2026 09:17:00,NIF" });
  });
});

describe("overview files and foreign headers", () => {
  test("readOverviewCsv: masks and counts stay numbers, an index price of 0 and an empty VIX are missing", () => {
    const row = (time: string, price: string) => `19-11-2026 ${time},NIFTY,0.9123,1.0456,,0.8800,85.50,${price},-12.25,40.00,,4,3,15,7,8`;
    const csv = readOverviewCsv(`${OVERVIEW_HEADER}\n${row("09:15:00", "24010.25")}\n${row("09:16:00", "0")}\n`, { path: "/data/g6_data/overview/NIFTY/2026-11-19.csv" });
    expect(csv.kind).toBe("overview");
    expect(csv.rows).toBe(2);
    expect(Array.from(csv.columns.index_price)).toEqual([24010.25, Number.NaN]);
    expect(Array.from(csv.columns.VIX)).toEqual([Number.NaN, Number.NaN]);
    expect(Array.from(csv.columns.pcr_this_month)).toEqual([Number.NaN, Number.NaN]);
    expect(Array.from(csv.columns.missing_mask)).toEqual([8, 8]);
    expect(csv.quirks.zeroAsMissing).toBe(1);
    expect(csv.path).toEqual({ kind: "overview", base: "/data/g6_data", index: "NIFTY", date: "2026-11-19" });
  });

  test("a header that is not G6's, or the other kind, is an error naming it", () => {
    expect(() => readG6Csv("date,close\n2026-11-19,24000\n")).toThrow('not a G6 CSV header: "date,close"');
    expect(() => readOptionCsv(`${OVERVIEW_HEADER}\n`)).toThrow("a G6 overview file, not option");
    expect(() => readOverviewCsv(`${OPTION_HEADER}\n`)).toThrow("a G6 option file, not overview");
  });
});

describe("row readers the sink uses", () => {
  test("readRowTimestamp and readOptionRowTp", () => {
    expect(readRowTimestamp(`${optionRow("09:15:30")}\r`)).toBe(istEpoch("2026-11-19", "09:15:30"));
    expect(() => readRowTimestamp("19-11-2026 9:15,x")).toThrow('invalid G6 timestamp "19-11-2026 9:15"');
    expect(readOptionRowTp(optionRow("09:15:00"))).toEqual({ offset: -100, tp: 501 });
    expect(readOptionRowTp(optionRow("09:15:00", { tp: "0" }))).toEqual({ offset: -100, tp: Number.NaN });
    expect(readOptionRowTp(optionRow("09:15:00", { tp: "" }))).toEqual({ offset: -100, tp: Number.NaN });
    expect(readOptionRowTp("19-11-2026 09:15:00,NIFTY")).toBeNull();
  });
});
