/** The dashboard's session store and its read-back from the day's CSV files, on the real engine's output. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import type { CycleResult } from "../../src/contracts/index.ts";
import { startServer } from "../../src/server/server.ts";
import { underDataDir } from "../../src/sinks/csv/sink.ts";
import { rebuildFromCsv } from "../../src/web/rebuild.ts";
import { extraLegColumns } from "../../src/web/columns.ts";
import { createSessionStore, SERIES_FIELDS } from "../../src/web/store.ts";
import { instantClock, quietLog, runEngine, tempDir, testConfig } from "../helpers/engine.ts";

// Window scope: the files hold the ladder, so only window-scope aggregates can be read back
// equal to live (in chain scope the live max pain and PCR cover strikes no file records).
const base = (dir: string, layout = "g6") =>
  testConfig({
    analytics: { scope: "window" },
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: { data_dir: dir, csv: { layout } },
    pool: { size: 0 },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false } },
  });

describe("session store", () => {
  test("bounded: a full series drops every other point and keeps the newest; a new date starts over", async () => {
    const results = await runEngine(base(join(tempDir(), "out")), 25);
    const store = createSessionStore(10);
    for (const r of results) store.observe(r);
    const e = store.get("NIFTY", "this_week")!;
    expect(e.series.t.length).toBeLessThanOrEqual(10);
    expect(e.series.t.at(-1)).toBe(results.at(-1)!.at);
    // Strictly increasing, spaced by whole multiples of the cycle interval.
    for (let i = 1; i < e.series.t.length; i++) expect(e.series.t[i]!).toBeGreaterThan(e.series.t[i - 1]!);
    expect(e.first.at).toBe(results[0]!.at);
    expect(e.latest.cycle).toBe(25);
    expect(store.points).toBe(e.series.t.length * store.expiries().length);
    const next: CycleResult = { ...results[0]!, date: "2026-11-21" };
    store.observe(next);
    expect(store.date).toBe("2026-11-21");
    expect(store.get("NIFTY", "this_week")!.series.t).toEqual([results[0]!.at]);
  });

  for (const layout of ["g6", "expiry_v1"]) {
    test(`read back from the day's ${layout} CSV files: the same series, first snapshot and latest chain as live`, async () => {
      const dir = join(tempDir(), "out");
      const config = base(dir, layout);
      const results = await runEngine(config, 4);
      const live = createSessionStore(100);
      for (const r of results) live.observe(r);
      const report = await rebuildFromCsv(underDataDir(dir, config.storage.csv.dir), layout as "g6", "2026-11-20");
      expect(report.problems).toEqual([]);
      const rebuilt = createSessionStore(100);
      rebuilt.reset("2026-11-20");
      for (const h of report.histories) rebuilt.seed("2026-11-20", h);
      expect(rebuilt.expiries().map((e) => `${e.index} ${e.tag}`).sort()).toEqual(live.expiries().map((e) => `${e.index} ${e.tag}`).sort());
      for (const e of live.expiries()) {
        const r = rebuilt.get(e.index, e.tag)!;
        expect(r.series.t).toEqual(e.series.t);
        for (const f of SERIES_FIELDS) {
          // The files hold prices to 0.01 and IVs to 1e-6: the figures agree to that rounding.
          r.series[f].forEach((x, i) => expect(x).toBeCloseTo(e.series[f][i]!, f === "atmIv" || f === "impliedMove" ? 5 : 1));
        }
        expect(Array.from(r.latest.strikes)).toEqual(Array.from(e.latest.strikes));
        expect(Array.from(r.first.ce.oi)).toEqual(Array.from(e.first.ce.oi));
        // Fields the files do not carry stay missing.
        expect(r.latest.ce.bid.every(Number.isNaN)).toBe(true);
        expect(r.latest.cycle).toBeNull();
      }
    });
  }

  test("a restarted server serves the session read back from the files, then adds live cycles", async () => {
    const dir = join(tempDir(), "out");
    const config = base(dir);
    await runEngine(config, 3);
    // The second run starts where the first stopped (a restart): the dashboard reads the first run's rows.
    const cfg2 = testConfig({ ...JSON.parse(JSON.stringify(config)), provider: { sim: { start: "2026-11-20T10:03" } }, server: { enabled: true, port: 0 } });
    const app = createApp(cfg2, { log: quietLog, clock: instantClock });
    const srv = startServer(cfg2.server, app, undefined, { csv: { dir: underDataDir(dir, cfg2.storage.csv.dir), layout: "g6" }, now: () => Date.UTC(2026, 10, 20, 4, 33) });
    try {
      await app.run({ cycles: 2, signal: new AbortController().signal });
      // The read-back runs beside the cycles: wait until /api/session reports it.
      for (let i = 0; i < 200; i++) {
        if (((await (await fetch(`${srv.url}/api/session`)).json()) as { rebuilt: unknown }).rebuilt) break;
        await Bun.sleep(25);
      }
      const series = (await (await fetch(`${srv.url}/api/series?index=NIFTY`)).json()) as { expiries: { tag: string; t: number[] }[] };
      const t = series.expiries.find((e) => e.tag === "this_week")!.t;
      expect(t.length).toBe(5);
      expect(t[0]).toBe(Date.UTC(2026, 10, 20, 4, 30));
      const session = (await (await fetch(`${srv.url}/api/session`)).json()) as { rebuilt: { snapshots: number } | null };
      // At least the first run's 3 cycles × 8 expiries (NIFTY and SENSEX, 4 tags each); the read-back runs beside the live cycles and may see theirs too.
      expect(session.rebuilt!.snapshots).toBeGreaterThanOrEqual(3 * 8);
    } finally {
      await srv.stop();
    }
  });

  test("build-up labels in the chain columns: each strike classified by its own OI and price change over the lookback, unknown ones missing", async () => {
    // A one-minute lookback at the default one-minute interval: cycle n's base is cycle n-1.
    const config = testConfig({
      provider: { sim: { start: "2026-11-20T10:00" } },
      storage: { data_dir: join(tempDir(), "out") },
      pool: { size: 0 },
      indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
      analytics: { oi_change: { lookback_minutes: 1 }, buildup: { oi_threshold_pct: 0, price_threshold_pct: 0 } },
    });
    const results = await runEngine(config, 4);
    expect(results.at(-1)!.at - results.at(-2)!.at).toBe(60_000);
    const store = createSessionStore(100);
    for (const r of results.slice(0, -1)) store.observe(r);
    const before = store.get("NIFTY", "this_week")!.latest;
    const base = { strikes: Array.from(before.strikes), oi: { ce: Array.from(before.ce.oi), pe: Array.from(before.pe.oi) }, last: { ce: Array.from(before.ce.last), pe: Array.from(before.pe.last) } };
    store.observe(results.at(-1)!);
    const e = store.get("NIFTY", "this_week")!;
    const col = extraLegColumns(e).find((c) => c.key === "buildup")!;
    const seen = new Set<string>();
    for (const side of ["ce", "pe"] as const) {
      Array.from(e.latest.strikes).forEach((k, i) => {
        const j = base.strikes.indexOf(k);
        const [oi0, p0, oi1, p1] = [base.oi[side][j]!, base.last[side][j]!, e.latest[side].oi[i]!, e.latest[side].last[i]!];
        let want: string | null;
        if (j < 0 || !(oi0 > 0) || !(p0 > 0) || !Number.isFinite(oi1) || !Number.isFinite(p1)) want = null;
        else if (oi1 === oi0 || p1 === p0) want = "neutral";
        else want = oi1 > oi0 ? (p1 > p0 ? "long buildup" : "short buildup") : p1 > p0 ? "short covering" : "long unwinding";
        expect({ side, strike: k, label: col[side][i] }).toEqual({ side, strike: k, label: want });
        if (want) seen.add(want);
      });
    }
    // The simulated minute moves OI and prices: more than one class shows up.
    expect(seen.size).toBeGreaterThan(1);
  });
});
