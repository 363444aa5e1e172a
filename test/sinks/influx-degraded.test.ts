/**
 * What people see while the InfluxDB server is down: the app (simulator, the InfluxDB sink on,
 * its spool on disk) against a port nobody listens on. The sink is degraded, not failing: the
 * status file's sinks section, the metrics (spool depth, bytes, age of the oldest unsent line,
 * degraded) and the dashboard say so, /readyz stays ready and names it; the spool holds every
 * cycle for the next start, which delivers it.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import type { EngineStats } from "../../src/contracts/index.ts";
import { createLatestState } from "../../src/state/index.ts";
import { renderFrame } from "../../src/summary/frame.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";
import { freePort } from "../helpers/net.ts";
import { fixedSnapshot } from "../summary/fixture.ts";
import { startFakeInflux } from "../fakes/influx.ts";

const configFor = (dir: string, url: string) =>
  testConfig({
    pool: { size: 0 },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: { data_dir: dir, panels: { enabled: false }, influx: { enabled: true, url, api: "v1", timeout_ms: 500 }, delivery: { retry_base_ms: 1, retry_max_ms: 5, shutdown_seconds: 2 } },
  });

test("server down: degraded (status file, metrics, dashboard), still ready; every cycle kept in the spool and delivered by the next start", async () => {
  const dir = tempDir("g6-influx-down-");
  const down = `http://127.0.0.1:${freePort()}`;
  let last: EngineStats | null = null;
  const app = createApp(configFor(dir, down), { log: quietLog, clock: instantClock, onCycle: (_r, s) => (last = s) });
  await app.run({ cycles: 3, signal: new AbortController().signal });
  const totals = app.engine.stats.sinks.influx!;
  expect(totals).toMatchObject({ written: 3, spooled: 3, dropped: 0, failing: [], rows: 0 });
  expect(totals.degraded).toMatch(/^http:\/\/127\.0\.0\.1:\d+ database g6: no answer \(.+\); spooling \(\d waiting\)$/);
  expect(totals.spoolBytes).toBeGreaterThan(100_000);
  // The status file carries the sink's counters (its sinks close side by side, so the file
  // written at close may predate the last attempt; test/e2e/influx-outage.test.ts reads it live).
  const status = JSON.parse(readFileSync(join(dir, "runtime_status.json"), "utf8"));
  expect(status.sinks.influx).toMatchObject({ failing: [], dropped: 0 });
  expect(Object.keys(status.sinks.influx)).toEqual(expect.arrayContaining(["degraded", "spooled", "spoolBytes", "spoolOldestAt", "deadLettered"]));
  expect(status.status).toBe("OK");
  // Metrics.
  const text = await app.observability.render();
  const metric = (name: string) => Number(text.split("\n").find((l) => l.startsWith(`${name}{sink="influx"} `))!.split(" ")[1]);
  expect(metric("g6_storage_degraded")).toBe(1);
  expect(metric("g6_storage_spooled_payloads")).toBe(3);
  expect(metric("g6_storage_spool_bytes")).toBe(totals.spoolBytes);
  expect(metric("g6_storage_spool_oldest_seconds")).toBeGreaterThanOrEqual(0);
  expect(metric("g6_storage_failing_targets")).toBe(0);
  // Readiness: a good cycle, no failing target: ready, and the degraded sink named.
  const state = createLatestState({ now: () => 0, providerOpen: () => true, storage: () => app.engine.stats.sinks });
  state.publish(app.state.latest()!.result, last!);
  expect(state.readiness()).toEqual({ ready: true, reasons: [], degraded: [`sink influx: ${totals.degraded}`] });
  // Dashboard: the storage panel shows the spool and the degraded reason.
  const snapshot = fixedSnapshot(app.state.latest()!.result, { ...last!, sinks: app.engine.stats.sinks });
  const frame = renderFrame(snapshot, { columns: 200, rows: 60, color: false }).join("\n");
  expect(frame).toContain("influx 0 rows 0 B spool 3");
  expect(frame).toContain("degraded: http://127.0.0.1:");

  // The next start, with the server up: the spool goes first, in order, then the new cycles.
  const server = startFakeInflux();
  try {
    const again = createApp(configFor(dir, server.url), { log: quietLog, clock: instantClock });
    await again.run({ cycles: 1, signal: new AbortController().signal });
    expect(again.engine.stats.sinks.influx).toMatchObject({ spooled: 0, degraded: "", failing: [], written: 1 });
    const times = server.requests.map((r) => Number(r.lines[0]!.slice(r.lines[0]!.lastIndexOf(" ") + 1)));
    expect(times).toHaveLength(4);
    // Three spooled cycles (10:00, 10:01, 10:02 sim time), then the new run's first (10:00 again: an upsert).
    expect(times.slice(0, 3).map((t) => (t - times[0]!) / 60_000)).toEqual([0, 1, 2]);
    expect(again.engine.stats.sinks.influx!.rows).toBe(server.requests.reduce((n, r) => n + r.lines.length, 0));
  } finally {
    server.stop();
  }
});

test("pause_collection: a full spool with the server down stops collection (the hand-over blocks, the sink shows failing); shutdown still comes, and every cycle collected is kept", async () => {
  const dir = tempDir("g6-influx-pause-");
  const config = testConfig({
    pool: { size: 0 },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: {
      data_dir: dir,
      csv: { enabled: false },
      status: { enabled: false },
      panels: { enabled: false },
      influx: { enabled: true, url: `http://127.0.0.1:${freePort()}`, api: "v1", timeout_ms: 500, spool_max_mb: 1, spool_when_full: "pause_collection" },
      delivery: { retry_base_ms: 1, retry_max_ms: 5, shutdown_seconds: 1 },
    },
  });
  // The scheduler's clock yields a turn per tick, so the sinks run between cycles as in a real run.
  const clock = { now: instantClock.now, sleep: () => new Promise<void>((r) => setImmediate(r)) };
  const app = createApp(config, { log: quietLog, clock });
  const stop = new AbortController();
  const running = app.run({ cycles: 0, signal: stop.signal });
  const totals = () => app.engine.stats.sinks.influx!;
  const deadline = Date.now() + 20_000;
  while (!totals().failing.length && Date.now() < deadline) await Bun.sleep(10);
  await Bun.sleep(100);
  const paused = app.engine.stats.cyclesRun;
  const blocked = totals().blocked;
  await Bun.sleep(300);
  // Collection waits: no cycle ran meanwhile, one hand-over is blocked, four cycles wait in the queue.
  expect(app.engine.stats.cyclesRun).toBe(paused);
  expect(totals().blocked).toBe(blocked);
  expect(blocked).toBeGreaterThanOrEqual(1);
  expect(totals().queued).toBe(4);
  expect(totals().failing.map((f) => f.code)).toEqual(["no_space"]);
  expect(totals().failing[0]!.reason).toMatch(/^spool full \(\d+ bytes\): collection paused until the target accepts$/);
  expect(totals().spoolBytes).toBeGreaterThanOrEqual(1024 * 1024);
  stop.abort();
  await running;
  // Every cycle collected is in the spool (those queued behind the full spool were spooled at shutdown).
  expect(totals()).toMatchObject({ spooled: paused, dropped: 0, written: paused });
});
