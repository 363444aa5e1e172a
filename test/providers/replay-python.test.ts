/**
 * Replaying a day the Python G6 recorded (test/fixtures/python-g6, written by its generate.ts):
 * CRLF files, 0 for missing values, 30 s timestamps, the 34-column header, a duplicated row and
 * a torn last line. The replay writes G6's own files from it: what was missing stays missing
 * (an empty field, never 0), the recorded values stand, and every quirk is reported.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import { createApp } from "../../src/app.ts";
import type { CycleResult } from "../../src/contracts/index.ts";
import { FIXTURE_DATE, fixtureFiles } from "../fixtures/python-g6/generate.ts";
import { instantClock, listFiles, readCsv, tempDir, testConfig } from "../helpers/engine.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/python-g6");

/** Replays the fixture day (NIFTY this_week, one strike either side of ATM) into a fresh data directory; the log lines of the run. */
async function replayFixture(extra: Record<string, unknown> = {}) {
  const dataDir = tempDir("g6-replayed-python-");
  const off = { enabled: false };
  const config = testConfig({
    interval: 0,
    pool: { size: 0 },
    indices: { NIFTY: { expiries: ["this_week"], strikes_below: 1, strikes_above: 1 }, BANKNIFTY: off, FINNIFTY: off, MIDCPNIFTY: off, SENSEX: off },
    storage: { data_dir: dataDir },
    provider: { kind: "replay", replay: { path: join(FIXTURE, "g6_data"), date: FIXTURE_DATE, ...extra } },
  });
  const lines: { type: string; text: string }[] = [];
  const log = createConsola({ level: 3, reporters: [{ log: (o) => lines.push({ type: o.type, text: o.args.join(" ") }) }] });
  const results: CycleResult[] = [];
  const app = createApp(config, { log, clock: instantClock, onCycle: (r) => results.push(r) });
  await app.run({ cycles: 0, signal: new AbortController().signal });
  const csv = join(dataDir, "g6_data");
  const rows = (offset: string) => readCsv(join(csv, `NIFTY/this_week/${offset}/${FIXTURE_DATE}.csv`)).rows;
  return { results, lines, csv, rows, exhausted: app.engine.exhausted };
}

describe("the Python G6 fixture", () => {
  test("is what generate.ts writes", () => {
    for (const [rel, text] of Object.entries(fixtureFiles())) expect([rel, readFileSync(join(FIXTURE, rel), "utf8")]).toEqual([rel, text]);
  });
});

describe("replaying a Python G6 day", () => {
  test("its instants (the torn 09:16:30 row is no instant), then the run ends", async () => {
    const out = await replayFixture();
    expect(out.exhausted).toBe(true);
    // The +50 put without a quote makes 09:15:30 partial, as it was.
    expect(out.results.map((r) => r.status)).toEqual(["OK", "PARTIAL", "OK"]);
    expect(out.rows("0").map((r) => r.timestamp)).toEqual(["20-11-2026 09:15:00", "20-11-2026 09:15:30", "20-11-2026 09:16:00"]);
  });

  test("a Python 0 is missing: an empty field in G6's rows; real zeros (volume) and recorded values stand", async () => {
    const out = await replayFixture();
    const row = out.rows("+50")[1]!;
    expect(row.timestamp).toBe("20-11-2026 09:15:30");
    for (const col of ["pe", "tp", "avg_pe", "avg_tp", "pe_iv", "pe_delta", "pe_theta", "pe_vega", "pe_gamma", "pe_rho"]) expect([col, row[col]]).toEqual([col, ""]);
    expect(row.pe_vol).toBe("0");
    expect(row.pe_oi).toBe("1505000");
    expect([row.ce, row.avg_ce, row.ce_vol, row.ce_iv, row.ce_delta, row.ce_gamma]).toEqual(["104.65", "103.60", "105000", "0.148200", "0.420000", "0.00061234"]);
    // G6's own files: LF line ends, 32 columns.
    const text = readFileSync(join(out.csv, `NIFTY/this_week/+50/${FIXTURE_DATE}.csv`), "utf8");
    expect(text.includes("\r")).toBe(false);
    expect(text.split("\n")[0]!.split(",")).toHaveLength(32);
    // The duplicated -50 row is written once; the recorded IV 0.25 of a failed solve stands without recompute.
    expect(out.rows("-50")).toHaveLength(3);
    expect(out.rows("0")[2]!.pe_iv).toBe("0.250000");
  });

  test("the overview: spot and changes as recorded, VIX 0 is missing, PCR recomputed from the recorded OI", async () => {
    const out = await replayFixture();
    const ov = readCsv(join(out.csv, `overview/NIFTY/${FIXTURE_DATE}.csv`)).rows;
    expect(ov.map((r) => [r.index_price, r.index_net_change, r.index_day_change, r.day_width, r.VIX])).toEqual([
      ["23510.35", "-58.31", "0.00", "0.00", ""],
      ["23524.60", "-58.31", "14.25", "14.25", ""],
      ["23521.00", "-58.31", "10.65", "14.25", ""],
    ]);
    // Put OI / call OI over the three strikes: equal per strike in the fixture.
    expect(ov[0]!.pcr_this_week).toBe("1.0000");
  });

  test("the quirks are reported: CRLF, 30 s grid, the extra columns, zeros read as missing, the duplicate and the torn line", async () => {
    const out = await replayFixture();
    const info = out.lines.find((l) => l.text.startsWith(`replaying ${FIXTURE_DATE}`))!.text;
    expect(info).toBe(`replaying ${FIXTURE_DATE}: 4 files, 12 rows, 3 instants, 4 with CRLF line ends, 4 with timestamps on the 30 s grid, 1 with extra columns, 13 zeros read as missing`);
    const warn = out.lines.find((l) => l.type === "warn" && l.text.startsWith(FIXTURE_DATE))!.text;
    expect(warn).toBe(`${FIXTURE_DATE}: 1 duplicated rows read once; 1 torn last lines not read (${join(FIXTURE, "g6_data")}/NIFTY/this_week/0/${FIXTURE_DATE}.csv:5)`);
  });

  test("recompute: G6's analytics replace the recorded ones (the 0.25 of a failed solve is gone); missing stays missing", async () => {
    const out = await replayFixture({ recompute: true });
    expect(out.rows("0")[2]!.pe_iv).not.toBe("0.250000");
    expect(out.rows("+50")[1]!.pe_iv).toBe("");
    expect(out.rows("-50")[0]!.ce_iv).not.toBe("0.138200");
  });
});
