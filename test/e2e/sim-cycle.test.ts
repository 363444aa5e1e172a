/**
 * End to end on the simulated market: several cycles into a temp dir, then the CSVs are parsed
 * and checked against the simulator's own model and against independent recomputation.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { black76, maxPain } from "../../src/analytics/index.ts";
import { createMarketCalendar, INDICES, parseG6Timestamp, timeToExpiryYears, type IndexName } from "../../src/market/index.ts";
import { simVol } from "../../src/providers/sim/model.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import { OPTION_HEADER, OVERVIEW_HEADER } from "../../src/g6csv/index.ts";
import { listFiles, readCsv, runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import type { CycleResult } from "../../src/contracts/index.ts";

const CYCLES = 4;
const dataDir = tempDir();
// Thursday 2026-11-19: SENSEX expiry day; NIFTY's Tuesday 2026-11-24 is a holiday, so its weekly rolls to Monday.
const config = testConfig({
  interval: 60,
  storage: { data_dir: dataDir },
  // The rows are the ladder: the status's aggregates are checked against them in window scope (chain scope: test/e2e/chain-scope.test.ts).
  analytics: { scope: "window" },
  provider: { sim: { seed: 7, start: "2026-11-19T09:15" } },
});
let results: CycleResult[] = [];
const base = join(dataDir, "g6_data");

beforeAll(async () => {
  results = await runEngine(config, CYCLES);
});

describe("simulated market end to end", () => {
  test("every cycle ran, fully collected", () => {
    expect(results).toHaveLength(CYCLES);
    expect(results.map((r) => r.status)).toEqual(["OK", "OK", "OK", "OK"]);
    // 2 indices × 4 expiries + 3 × 2, 21 strikes, 2 legs each.
    expect(results[0]!.legsRequested).toBe((2 * 4 + 3 * 2) * 21 * 2);
    expect(results[0]!.legsCollected).toBe(results[0]!.legsRequested);
  });

  test("G6 layout, headers and row counts per expiry", () => {
    const files = listFiles(base);
    const optionFiles = files.filter((f) => !f.startsWith("overview/"));
    expect(optionFiles).toHaveLength((2 * 4 + 3 * 2) * 21);
    expect(files.filter((f) => f.startsWith("overview/"))).toEqual(
      ["BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTY", "SENSEX"].map((i) => `overview/${i}/2026-11-19.csv`),
    );
    for (const tag of ["this_week", "next_week", "this_month", "next_month"]) {
      const offsets = optionFiles.filter((f) => f.startsWith(`NIFTY/${tag}/`));
      expect(offsets).toHaveLength(21);
    }
    expect(optionFiles).toContain("NIFTY/this_week/+500/2026-11-19.csv");
    expect(optionFiles).toContain("SENSEX/next_month/-1000/2026-11-19.csv");
    for (const f of optionFiles) {
      const { header, rows } = readCsv(join(base, f));
      expect(header.join(",")).toBe(OPTION_HEADER);
      expect(rows).toHaveLength(CYCLES);
    }
    const ov = readCsv(join(base, "overview/NIFTY/2026-11-19.csv"));
    expect(ov.header.join(",")).toBe(OVERVIEW_HEADER);
    expect(ov.rows.map((r) => r.timestamp)).toEqual(["19-11-2026 09:15:00", "19-11-2026 09:16:00", "19-11-2026 09:17:00", "19-11-2026 09:18:00"]);
    expect(ov.rows[0]!.expected_mask).toBe("15");
    expect(ov.rows[0]!.collected_mask).toBe("15");
    expect(ov.rows[0]!.missing_mask).toBe("0");
    expect(readCsv(join(base, "overview/BANKNIFTY/2026-11-19.csv")).rows[0]!.expected_mask).toBe("12");
  });

  test("expiries resolved from the listing: SENSEX expiry day, NIFTY holiday roll", () => {
    const row = (f: string) => readCsv(join(base, f)).rows[0]!;
    expect(row("SENSEX/this_week/0/2026-11-19.csv").expiry_date).toBe("2026-11-19");
    expect(row("SENSEX/this_month/0/2026-11-19.csv").expiry_date).toBe("2026-11-26");
    expect(row("NIFTY/this_week/0/2026-11-19.csv").expiry_date).toBe("2026-11-23");
    expect(row("NIFTY/this_month/0/2026-11-19.csv").expiry_date).toBe("2026-11-23");
    expect(row("NIFTY/next_month/0/2026-11-19.csv").expiry_date).toBe("2026-12-29");
    expect(row("BANKNIFTY/this_month/0/2026-11-19.csv").expiry_date).toBe("2026-11-23");
  });

  test("recovered IVs equal the simulator's smile within the tick-rounding bound", () => {
    const calendar = createMarketCalendar({ holidays: config.market.holidays });
    const sim = createSimProvider({ config, calendar });
    let checked = 0;
    for (const f of listFiles(base).filter((x) => !x.startsWith("overview/"))) {
      for (const r of readCsv(join(base, f)).rows) {
        const at = parseG6Timestamp(r.timestamp!);
        const T = timeToExpiryYears(at, r.expiry_date!);
        const F = Number(r.index_price) * Math.exp(config.risk_free_rate * T);
        const K = Number(r.strike);
        const sigma = simVol(sim.baseVol(r.index!, "2026-11-19"), F, K, T);
        for (const side of ["ce", "pe"] as const) {
          const iv = r[`${side}_iv`]!;
          if (iv === "") continue;
          // Price rounding (≤ ½ tick) plus the parity forward's rounding (≤ 1 tick in price terms).
          const d1 = (Math.log(F / K) + (sigma * sigma * T) / 2) / (sigma * Math.sqrt(T));
          const vegaRaw = Math.exp(-config.risk_free_rate * T) * F * Math.sqrt(T) * Math.exp((-d1 * d1) / 2) / Math.sqrt(2 * Math.PI);
          const bound = (1.6 * 0.05) / vegaRaw + 1e-6;
          expect(Math.abs(Number(iv) - sigma)).toBeLessThanOrEqual(bound);
          checked++;
        }
        // The written IV reprices the ATM call to its written price (within the bound above).
        if (r.ce_iv !== "" && K === Number(r.atm)) {
          const priceAtIv = black76(F, K, T, Number(r.ce_iv), Math.exp(-config.risk_free_rate * T), true);
          expect(Math.abs(priceAtIv - Number(r.ce))).toBeLessThanOrEqual(0.05 * 1.6);
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  test("PCR and max pain equal independent recomputation from the rows", () => {
    const status = JSON.parse(readFileSync(join(dataDir, "runtime_status.json"), "utf8"));
    const lastTs = "19-11-2026 09:18:00";
    for (const index of ["NIFTY", "SENSEX", "BANKNIFTY"] as IndexName[]) {
      const overview = readCsv(join(base, `overview/${index}/2026-11-19.csv`)).rows.at(-1)!;
      expect(overview.timestamp).toBe(lastTs);
      for (const tag of config.indices[index].expiries) {
        const rows = listFiles(base)
          .filter((f) => f.startsWith(`${index}/${tag}/`))
          .map((f) => readCsv(join(base, f)).rows.find((r) => r.timestamp === lastTs)!)
          .sort((a, b) => Number(a.strike) - Number(b.strike));
        const sum = (k: string) => rows.reduce((s, r) => s + Number(r[k]), 0);
        const pcr = sum("pe_oi") / sum("ce_oi");
        expect(Number(overview[`pcr_${tag}`])).toBeCloseTo(pcr, 4);
        // Max pain by brute force over the rows' strikes.
        let best = Number.POSITIVE_INFINITY;
        let bestK = Number.NaN;
        for (const x of rows) {
          const K = Number(x.strike);
          let pain = 0;
          for (const y of rows) {
            const k = Number(y.strike);
            pain += Number(y.ce_oi) * Math.max(K - k, 0) + Number(y.pe_oi) * Math.max(k - K, 0);
          }
          if (pain < best) [best, bestK] = [pain, K];
        }
        const K = Float64Array.from(rows.map((r) => Number(r.strike)));
        expect(maxPain(K, Float64Array.from(rows.map((r) => Number(r.ce_oi))), Float64Array.from(rows.map((r) => Number(r.pe_oi))))).toBe(bestK);
        const st = status.indices.find((s: { index: string }) => s.index === index).expiries.find((e: { tag: string }) => e.tag === tag);
        expect(st.max_pain).toBe(bestK);
        expect(st.pcr_oi).toBeCloseTo(pcr, 4);
      }
    }
  });

  test("tp, avg_tp and day change are consistent within each series", () => {
    const { rows } = readCsv(join(base, "NIFTY/this_week/0/2026-11-19.csv"));
    for (const r of rows) {
      expect(Number(r.tp)).toBeCloseTo(Number(r.ce) + Number(r.pe), 6);
      expect(Number(r.avg_tp)).toBeCloseTo(Number(r.avg_ce) + Number(r.avg_pe), 6);
      expect(Number(r.tp_day_change)).toBeCloseTo(Number(r.tp) - Number(rows[0]!.tp), 6);
      // No previous day's file in a fresh directory: unknown, so empty.
      expect(r.tp_net_change).toBe("");
    }
    expect(INDICES.NIFTY.strikeStep).toBe(50);
  });
});
