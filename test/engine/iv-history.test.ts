/**
 * ATM IV history from the recorded CSVs: each earlier session's closing ATM IV, read from the
 * offset-0 rows, in both layouts; IV rank and percentile in a running engine, recomputed by hand
 * from the values written here; empty until enough sessions.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OPTION_COLUMNS, OPTION_HEADER } from "../../src/g6csv/index.ts";
import { createIvHistory } from "../../src/engine/iv-history.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";

/** An option row with the given fields (others empty). */
function row(fields: Record<string, string | number>): string {
  return OPTION_COLUMNS.map((c) => (c in fields ? String(fields[c]) : "")).join(",");
}

/** A g6-layout ATM file for `date` whose rows' IVs are `ivs` (ce, pe), the last being the close. */
function writeAtm(base: string, index: string, tag: string, date: string, ivs: [number | "", number | ""][]): void {
  const dir = join(base, index, tag, "0");
  mkdirSync(dir, { recursive: true });
  const [y, m, d] = date.split("-");
  const rows = ivs.map(([ce, pe], i) => row({ timestamp: `${d}-${m}-${y} 15:${String(20 + i).padStart(2, "0")}:00`, index, expiry_tag: tag, expiry_date: "2026-12-31", offset: 0, ce_iv: ce, pe_iv: pe }));
  writeFileSync(join(dir, `${date}.csv`), `${OPTION_HEADER}\n${rows.join("\n")}\n`);
}

describe("ATM IV history", () => {
  test("closing ATM IV per session, oldest first, before today only, the last N with a value", () => {
    const base = tempDir();
    writeAtm(base, "NIFTY", "this_week", "2026-11-13", [[0.2, 0.22], [0.11, 0.13]]);
    writeAtm(base, "NIFTY", "this_week", "2026-11-16", [[0.14, ""]]);
    writeAtm(base, "NIFTY", "this_week", "2026-11-17", [[0.3, 0.3], ["", ""]]); // last row without IV: the one before closes
    writeAtm(base, "NIFTY", "this_week", "2026-11-18", [["", ""]]); // no IV: no value
    writeAtm(base, "NIFTY", "this_week", "2026-11-19", [[0.5, 0.5]]); // today: not history
    const h = createIvHistory(base, "g6");
    expect(h.closes("NIFTY", "this_week", "2026-11-19", 10)).toEqual([0.12, 0.14, 0.3]);
    expect(h.closes("NIFTY", "this_week", "2026-11-19", 2)).toEqual([0.14, 0.3]);
    expect(h.closes("NIFTY", "next_week", "2026-11-19", 10)).toEqual([]);
  });

  test("expiry_v1 layout: the offset-0 rows of a day's file, read from its tail", () => {
    const base = tempDir();
    const dir = join(base, "expiry_v1", "SENSEX", "next_month");
    mkdirSync(dir, { recursive: true });
    const lines = [OPTION_HEADER];
    // Enough rows that the header is not in the tail read; the last offset-0 row closes.
    const at = (i: number) => `18-11-2026 1${Math.floor(i / 3600)}:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`;
    for (let i = 0; i < 2000; i++) for (const offset of [-100, 0, 100]) lines.push(row({ timestamp: at(i), index: "SENSEX", offset, ce_iv: offset === 0 ? 0.1 + i / 100_000 : 0.9, pe_iv: offset === 0 ? 0.1 + i / 100_000 : 0.9 }));
    writeFileSync(join(dir, "2026-11-18.csv"), `${lines.join("\n")}\n`);
    expect(createIvHistory(base, "expiry_v1").closes("SENSEX", "next_month", "2026-11-19", 5)).toEqual([0.1 + 1999 / 100_000]);
  });

  test("a running engine: IV rank and percentile of ATM IV against the recorded closes; empty below min_sessions", async () => {
    const dataDir = tempDir();
    const base = join(dataDir, "g6_data");
    const closes = [0.08, 0.3, 0.1, 0.12];
    ["2026-11-13", "2026-11-16", "2026-11-17", "2026-11-18"].forEach((d, i) => writeAtm(base, "NIFTY", "this_week", d, [[closes[i]!, closes[i]!]]));
    const config = (min: number) =>
      testConfig({
        storage: { data_dir: dataDir },
        analytics: { iv_rank: { sessions: 10, min_sessions: min } },
        indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
        provider: { sim: { seed: 3, start: "2026-11-19T10:00" } },
      });
    const [r] = await runEngine(config(4), 1);
    const e = r!.expiries.find((x) => x.tag === "this_week")!;
    expect(e.ivSessions).toBe(4);
    expect(e.atmIv).toBeGreaterThan(0.08);
    expect(e.atmIv).toBeLessThan(0.3);
    expect(e.ivRank).toBeCloseTo((100 * (e.atmIv - 0.08)) / (0.3 - 0.08), 10);
    expect(e.ivPercentile).toBe((100 * closes.filter((c) => c < e.atmIv).length) / 4);
    // Other tags have no recorded sessions: empty.
    expect(r!.expiries.find((x) => x.tag === "next_week")!.ivRank).toBeNaN();
    const [short] = await runEngine(config(5), 1);
    expect(short!.expiries.find((x) => x.tag === "this_week")!.ivRank).toBeNaN();
    expect(short!.expiries.find((x) => x.tag === "this_week")!.ivPercentile).toBeNaN();
  });
});
