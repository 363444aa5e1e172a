/**
 * The market clock of a live provider, end to end on the simulator run as one
 * (`provider.sim.clock: "wall"`) under a virtual wall clock: cycles run only in the session,
 * on the interval grid, the tick at the close included; the engine idles over weekends and
 * holidays and across days without a restart; an abort ends the idle at once; force_open
 * collects outside the session; the status file, readiness and /status say "closed, next open".
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import { createApp } from "../../src/app.ts";
import { istEpoch, formatIsoIst } from "../../src/market/index.ts";
import type { SchedulerClock } from "../../src/engine/scheduler.ts";
import type { CycleResult, MarketStatus } from "../../src/contracts/index.ts";
import { startServer } from "../../src/server/server.ts";
import { listFiles, tempDir, testConfig } from "../helpers/engine.ts";
import { virtualClock } from "../helpers/clock.ts";


/** A log that keeps its info lines. */
function recordingLog() {
  const lines: string[] = [];
  const log = createConsola({ level: 3, reporters: [{ log: (o) => void (o.level === 3 && lines.push(o.args.join(" "))) }] });
  return { log, lines };
}

function liveConfig(dataDir: string, extra: Record<string, unknown> = {}) {
  return testConfig({
    interval: 30,
    pool: { size: 0 },
    storage: { data_dir: dataDir },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
    provider: { sim: { clock: "wall" } },
    ...extra,
  });
}

async function runLive(start: number, cycles: number, extra: Record<string, unknown> = {}, opts: { lateMs?: number; onMarket?: (m: MarketStatus, dataDir: string) => void } = {}) {
  const dataDir = tempDir();
  const v = virtualClock(start, opts.lateMs);
  const { log, lines } = recordingLog();
  const results: CycleResult[] = [];
  const markets: MarketStatus[] = [];
  const onMarket = (m: MarketStatus) => {
    markets.push(m);
    opts.onMarket?.(m, dataDir);
  };
  const app = createApp(liveConfig(dataDir, extra), { log, clock: v.clock, onCycle: (r) => results.push(r), onMarket });
  await app.run({ cycles, signal: new AbortController().signal });
  return { results, markets, lines, dataDir, at: results.map((r) => formatIsoIst(r.at)) };
}

const ist = (date: string, time: string) => istEpoch(date, time);

describe("market clock of a live provider", () => {
  test("a start on Saturday idles until Monday 09:15 IST, then runs on the 30 s grid", async () => {
    const run = await runLive(ist("2026-11-21", "10:00:07"), 3);
    expect(run.at).toEqual(["2026-11-23T09:15:00+05:30", "2026-11-23T09:15:30+05:30", "2026-11-23T09:16:00+05:30"]);
    expect(run.markets.map((m) => [m.state, m.reason, m.nextOpen === null ? null : formatIsoIst(m.nextOpen)])).toEqual([
      ["closed", "weekend", "2026-11-23T09:15:00+05:30"],
      ["open", null, null],
    ]);
    // One info line per state change, none per idle tick.
    expect(run.lines.filter((l) => l.startsWith("market"))).toEqual(["market closed (weekend), next open Mon 23 Nov 09:15 IST; idling", "market open, collecting"]);
  });

  test("the tick at exactly 15:30:00 runs and is the last of the day; the holiday is skipped; the next session's files are written without a restart", async () => {
    // Tuesday 2026-11-24 is an NSE holiday: after Monday's close the next cycle is Wednesday's open.
    const run = await runLive(ist("2026-11-23", "15:29:41"), 4);
    expect(run.at).toEqual(["2026-11-23T15:29:30+05:30", "2026-11-23T15:30:00+05:30", "2026-11-25T09:15:00+05:30", "2026-11-25T09:15:30+05:30"]);
    expect(run.markets.map((m) => `${m.state}:${m.reason}`)).toEqual(["open:null", "closed:after the close", "open:null"]);
    expect(formatIsoIst(run.markets[1]!.nextOpen!)).toBe("2026-11-25T09:15:00+05:30");
    const overview = listFiles(join(run.dataDir, "g6_data")).filter((f) => f.startsWith("overview/"));
    expect(overview).toEqual(["overview/NIFTY/2026-11-23.csv", "overview/NIFTY/2026-11-25.csv"]);
    const times = (f: string) => readFileSync(join(run.dataDir, "g6_data", f), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]);
    expect(times("overview/NIFTY/2026-11-23.csv")).toEqual(["23-11-2026 15:29:30", "23-11-2026 15:30:00"]);
  });

  test("a start before the open waits for 09:15:00 on a trading day; a late wake-up still stamps the grid tick", async () => {
    // Every wake-up comes 0.9 s late: the instants stay 09:15:00, 09:16:00, 09:17:00.
    const run = await runLive(ist("2026-11-25", "08:00"), 3, { interval: 60 }, { lateMs: 900 });
    expect(run.at).toEqual(["2026-11-25T09:15:00+05:30", "2026-11-25T09:16:00+05:30", "2026-11-25T09:17:00+05:30"]);
    expect(run.markets[0]!.reason).toBe("before the open");
  });

  test("market.force_open collects outside the session (Saturday), on the grid", async () => {
    const run = await runLive(ist("2026-11-21", "10:00:07"), 2, { market: { force_open: true } });
    expect(run.at).toEqual(["2026-11-21T10:00:00+05:30", "2026-11-21T10:00:30+05:30"]);
    expect(run.markets).toHaveLength(1);
    expect(run.markets[0]).toMatchObject({ state: "open", forced: true });
  });

  test("the simulator's own session clock is never gated, force_open or not", async () => {
    const v = virtualClock(ist("2026-11-21", "10:00"));
    const results: CycleResult[] = [];
    const markets: MarketStatus[] = [];
    const config = liveConfig(tempDir(), { provider: { sim: { start: "2026-11-20T15:29" } }, market: { force_open: true } });
    const app = createApp(config, { log: createConsola({ level: -999 }), clock: v.clock, onCycle: (r) => results.push(r), onMarket: (m) => markets.push(m) });
    await app.run({ cycles: 2, signal: new AbortController().signal });
    expect(results.map((r) => formatIsoIst(r.at))).toEqual(["2026-11-20T15:29:00+05:30", "2026-11-20T15:29:30+05:30"]);
    expect(markets).toEqual([]);
    expect(app.state.market()).toBeNull();
  });

  test("while idle: the status file, /readyz and /status say closed with the next open; an abort ends the idle at once", async () => {
    const dataDir = tempDir();
    const start = ist("2026-11-21", "10:00");
    // Real idle: the sleep waits for the abort, so the engine sits in the closed state.
    const clock: SchedulerClock = {
      now: () => start,
      sleep: (ms, signal) => new Promise((resolve) => (ms <= 0 || signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }))),
    };
    const config = liveConfig(dataDir);
    const app = createApp(config, { log: createConsola({ level: -999 }), clock });
    const srv = startServer({ ...config.server, host: "127.0.0.1", port: 0 }, app);
    const controller = new AbortController();
    const running = app.run({ cycles: 0, signal: controller.signal });
    try {
      const statusFile = join(dataDir, config.storage.status.file);
      for (let i = 0; i < 200 && app.state.market() === null; i++) await Bun.sleep(5);
      const doc = JSON.parse(readFileSync(statusFile, "utf8"));
      expect(doc.state).toBe("running");
      expect(doc.cycle).toBeNull();
      expect(doc.provider).toBe("sim");
      expect(doc.session).toMatchObject({ state: "closed", next_open: "2026-11-23T09:15:00+05:30", reason: "weekend", forced: false });

      const ready = await fetch(`${srv.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, reasons: [], market: "market closed (weekend), next open at Mon 23 Nov 09:15 IST" });
      const status = await fetch(`${srv.url}/status`);
      expect(status.status).toBe(200);
      const body = (await status.json()) as { status: string; session: { state: string; next_open: string } };
      expect(body.status).toBe("idle");
      expect(body.session).toMatchObject({ state: "closed", next_open: "2026-11-23T09:15:00+05:30" });

      const t0 = performance.now();
      controller.abort();
      const stats = await running;
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(stats.cyclesRun).toBe(0);
      // Stopped cleanly while idle: the stopped document keeps the market state.
      const stopped = JSON.parse(readFileSync(statusFile, "utf8"));
      expect(stopped.state).toBe("stopped");
      expect(stopped.session.state).toBe("closed");
    } finally {
      controller.abort();
      await running;
      await srv.stop();
    }
  });

  test("after the close the status file keeps the day's last cycle and says closed", async () => {
    // Read as the next open is announced (observers hear of it before the status file is rewritten).
    let idle: { session: { state: string; next_open: string; reason: string }; snapshot_at: string; cycle: number } | null = null;
    let written = "";
    const run = await runLive(ist("2026-11-23", "15:29:41"), 3, {}, {
      onMarket: (m, dataDir) => {
        if (m.state !== "open" || !written) {
          if (m.state === "closed") written = join(dataDir, liveConfig(dataDir).storage.status.file);
          return;
        }
        idle = JSON.parse(readFileSync(written, "utf8"));
      },
    });
    expect(run.at.at(-1)).toBe("2026-11-25T09:15:00+05:30");
    expect(idle).not.toBeNull();
    expect(idle!.cycle).toBe(2);
    expect(idle!.snapshot_at).toBe("2026-11-23T15:30:00+05:30");
    expect(idle!.session).toMatchObject({ state: "closed", next_open: "2026-11-25T09:15:00+05:30", reason: "after the close" });
  });
});
