/**
 * `g6 summary`'s loop against loopback servers: the real engine's server, and small servers that
 * misbehave the ways a real one can (drop the connection, never answer, go silent).
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { createMarketCalendar } from "../../src/market/calendar.ts";
import { canonicalDir, startServer, type G6Server } from "../../src/server/server.ts";
import type { Display } from "../../src/summary/dashboard.ts";
import { runSummaryClient, SummaryUnavailable, type SummaryClientOptions } from "../../src/summary/follow.ts";
import type { SummarySnapshot } from "../../src/summary/model.ts";
import { instantClock, quietLog, runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { freePort } from "../helpers/net.ts";
import type { CycleResult } from "../../src/contracts/index.ts";

// Real engines and processes on a shared machine: generous bounds (each test bounds its own waits).
setDefaultTimeout(60_000);

const SIM = { start: "2026-11-20T10:00", seed: 9 };

/** A data dir the real engine wrote `cycles` cycles into (no server). */
async function engineDir(cycles = 2): Promise<string> {
  const dir = tempDir("g6-client-");
  await runEngine(testConfig({ pool: { size: 0 }, provider: { sim: SIM }, storage: { data_dir: dir } }), cycles);
  return dir;
}

const servers: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** The real engine with its server on `port` (0: any), after `cycles` cycles into `dir`. */
async function engineWithServer(dir: string, cycles: number, port = 0): Promise<{ srv: G6Server; results: CycleResult[] }> {
  const config = testConfig({ pool: { size: 0 }, provider: { sim: SIM }, storage: { data_dir: dir }, server: { enabled: true, port } });
  const results: CycleResult[] = [];
  // The wall clock (the server stamps written_at with it), with sleeps that return at once.
  const app = createApp(config, { log: quietLog, clock: { now: () => Date.now(), sleep: instantClock.sleep }, onCycle: (r) => results.push(r) });
  const srv = startServer(config.server, app, undefined, { dataDir: dir });
  servers.push(srv);
  await app.run({ cycles, signal: new AbortController().signal });
  return { srv, results };
}

type Capture = { display: Display; shown: SummarySnapshot[]; notices: string[] };
function capture(): Capture {
  const shown: SummarySnapshot[] = [];
  const notices: string[] = [];
  return { shown, notices, display: { mode: "plain", show: (s) => shown.push(s), notice: (m) => notices.push(m), close() {} } };
}

const base = {
  pollMs: 20,
  timeouts: { connectMs: 1000, readMs: 2000 },
  retry: { minMs: 50, maxMs: 200 },
  tickMs: 60_000,
  calendar: createMarketCalendar({ holidays: [] }),
  links: { metricsUrl: null, dataDir: "data" },
  windowCycles: 10,
  now: () => Date.now(),
  token: null,
};

function options(c: Capture, o: { serverUrl: string | null; dataDir: string; limit: number; signal?: AbortSignal; statusFile?: string }): SummaryClientOptions {
  return { ...base, display: c.display, statusFile: join(o.dataDir, "runtime_status.json"), signal: new AbortController().signal, ...o };
}

/** Resolves once `what` holds, polling every 10 ms; rejects after `ms`. */
async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(10);
  }
}

describe("g6 summary client", () => {
  test("status file: a snapshot per new document, saying it reads the file", async () => {
    const dir = await engineDir();
    const c = capture();
    const port = freePort();
    const source = await runSummaryClient(options(c, { serverUrl: `http://127.0.0.1:${port}`, dataDir: dir, limit: 1 }));
    expect(source).toBe("file");
    expect(c.shown).toHaveLength(1);
    expect(c.shown[0]!.header.cycle).toBe(2);
    expect(c.shown[0]!.indices.map((i) => i.index)).toEqual(["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]);
    // The engine has stopped and its file says so.
    expect(c.shown[0]!.source).toMatchObject({ kind: "file", location: join(dir, "runtime_status.json"), freshness: "stopped" });
    expect(c.shown[0]!.alerts.at(-1)!.message).toBe(`http://127.0.0.1:${port}: connection refused; reading ${join(dir, "runtime_status.json")}`);
  });

  test("live: the real server's documents carry change, support/resistance and data age", async () => {
    const dir = tempDir("g6-live-");
    const { srv, results } = await engineWithServer(dir, 2);
    const c = capture();
    const source = await runSummaryClient(options(c, { serverUrl: srv.url, dataDir: dir, limit: 1 }));
    expect(source).toBe("live");
    const s = c.shown[0]!;
    expect(s.source).toMatchObject({ kind: "live", location: srv.url, freshness: "fresh" });
    const last = results.at(-1)!;
    expect(s.header.cycle).toBe(2);
    for (const [k, i] of s.indices.entries()) {
      const src = last.indices[k]!;
      expect(i.change).toBeCloseTo(src.spot - src.prevClose, 2);
      expect(i.changePct).toBeCloseTo((src.spot - src.prevClose) / src.prevClose, 6);
      expect(Number.isFinite(i.dataAgeSeconds)).toBe(true);
      expect(i.dataAgeSeconds).toBeGreaterThanOrEqual(0);
    }
    for (const [k, e] of s.expiries.entries()) {
      expect(e.support).toBeCloseTo(last.expiries[k]!.support, 2);
      expect(e.resistance).toBeCloseTo(last.expiries[k]!.resistance, 2);
    }
    expect(s.expiries.some((e) => Number.isFinite(e.support) && Number.isFinite(e.resistance))).toBe(true);
    // The status file has none of these: read from it they stay missing.
    const fromFile = capture();
    await runSummaryClient(options(fromFile, { serverUrl: null, dataDir: dir, limit: 1 }));
    expect(Number.isNaN(fromFile.shown[0]!.indices[0]!.change)).toBe(true);
  });

  test("a server writing another data directory is passed over for the requested one's status file", async () => {
    const theirs = tempDir("g6-theirs-");
    const { srv } = await engineWithServer(theirs, 3);
    const mine = await engineDir(2);
    const c = capture();
    const source = await runSummaryClient(options(c, { serverUrl: srv.url, dataDir: mine, limit: 1 }));
    expect(source).toBe("file");
    expect(c.shown[0]!.header.cycle).toBe(2);
    expect(c.shown[0]!.source!.location).toBe(join(mine, "runtime_status.json"));
    expect(c.shown[0]!.alerts.map((a) => a.message)).toContain(
      `${srv.url}: the engine there writes ${canonicalDir(theirs)}, not ${canonicalDir(mine)}; reading ${join(mine, "runtime_status.json")}`,
    );
  });

  test("the server dropping the connection (ECONNRESET) falls back to the status file and keeps going", async () => {
    const dir = await engineDir();
    const doc = { ...JSON.parse(readFileSync(join(dir, "runtime_status.json"), "utf8")), data_dir: canonicalDir(dir), cycle: 7 };
    const encoder = new TextEncoder();
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () =>
        new Response(new ReadableStream({ start: (ctl) => ctl.enqueue(encoder.encode(`retry: 2000\n\nid: 1\nevent: snapshot\ndata: ${JSON.stringify(doc)}\n\n`)) }), {
          headers: { "content-type": "text/event-stream" },
        }),
    });
    const url = `http://127.0.0.1:${server.port}`;
    const c = capture();
    const stop = new AbortController();
    const running = runSummaryClient(options(c, { serverUrl: url, dataDir: dir, limit: 0, signal: stop.signal }));
    await until(() => c.shown.length === 1);
    expect(c.shown[0]!.source!.kind).toBe("live");
    expect(c.shown[0]!.header.cycle).toBe(7);
    server.stop(true);
    await until(() => c.shown.some((s) => s.source?.kind === "file"));
    const onFile = c.shown.find((s) => s.source?.kind === "file")!;
    expect(onFile.header.cycle).toBe(2);
    expect(onFile.alerts.at(-1)!.message).toBe(`lost ${url}: connection reset; reading ${join(dir, "runtime_status.json")}`);
    // Still going: a new status file is shown.
    writeFileSync(join(dir, "runtime_status.json"), JSON.stringify({ ...doc, cycle: 8 }));
    await until(() => c.shown.at(-1)!.header.cycle === 8);
    stop.abort();
    expect(await running).toBe("file");
  });

  test("a server that never answers is given up after the connect timeout", async () => {
    const dir = await engineDir();
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
    servers.push({ stop: () => server.stop(true) });
    const c = capture();
    const t0 = performance.now();
    const source = await runSummaryClient({ ...options(c, { serverUrl: `http://127.0.0.1:${server.port}`, dataDir: dir, limit: 1 }), timeouts: { connectMs: 300, readMs: 300 } });
    const took = performance.now() - t0;
    expect(source).toBe("file");
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
    expect(c.shown[0]!.alerts.at(-1)!.message).toBe(`http://127.0.0.1:${server.port}: no response within 300 ms; reading ${join(dir, "runtime_status.json")}`);
  });

  test("a stream that goes silent (no heartbeat) is given up after the read timeout", async () => {
    const dir = await engineDir();
    const doc = { ...JSON.parse(readFileSync(join(dir, "runtime_status.json"), "utf8")), data_dir: canonicalDir(dir), cycle: 7 };
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      idleTimeout: 0,
      fetch: () =>
        new Response(new ReadableStream({ start: (ctl) => ctl.enqueue(new TextEncoder().encode(`event: snapshot\ndata: ${JSON.stringify(doc)}\n\n`)) }), {
          headers: { "content-type": "text/event-stream" },
        }),
    });
    servers.push({ stop: () => server.stop(true) });
    const c = capture();
    const source = await runSummaryClient({ ...options(c, { serverUrl: `http://127.0.0.1:${server.port}`, dataDir: dir, limit: 2 }), timeouts: { connectMs: 1000, readMs: 300 } });
    expect(source).toBe("file");
    expect(c.shown.map((s) => [s.source!.kind, s.header.cycle])).toEqual([
      ["live", 7],
      ["file", 2],
    ]);
    expect(c.shown[1]!.alerts.at(-1)!.message).toContain("lost http://127.0.0.1:");
    expect(c.shown[1]!.alerts.at(-1)!.message).toContain(": no data for 300 ms; reading ");
  });

  test("--once with neither server nor status file: SummaryUnavailable naming both", async () => {
    const dir = tempDir("g6-empty-");
    const port = freePort();
    const c = capture();
    const run = runSummaryClient(options(c, { serverUrl: `http://127.0.0.1:${port}`, dataDir: dir, limit: 1 }));
    await expect(run).rejects.toThrow(new SummaryUnavailable(`no g6 to show: http://127.0.0.1:${port}: connection refused; ${join(dir, "runtime_status.json")} does not exist`));
    // Without --once it waits, and says what for.
    const stop = new AbortController();
    const waiting = runSummaryClient(options(c, { serverUrl: null, dataDir: dir, limit: 0, signal: stop.signal }));
    await until(() => c.notices.length > 0);
    expect(c.notices).toEqual([`waiting for g6: ${join(dir, "runtime_status.json")} does not exist`]);
    stop.abort();
    expect(await waiting).toBeNull();
  });

  test("reconnects: the file while the server is down, live when it answers, the file again when it goes", async () => {
    const dir = tempDir("g6-restart-");
    await runEngine(testConfig({ pool: { size: 0 }, provider: { sim: SIM }, storage: { data_dir: dir } }), 1);
    const port = freePort();
    const c = capture();
    const stop = new AbortController();
    const running = runSummaryClient(options(c, { serverUrl: `http://127.0.0.1:${port}`, dataDir: dir, limit: 0, signal: stop.signal }));
    await until(() => c.shown.length > 0);
    expect(c.shown[0]!.source!.kind).toBe("file");
    const { srv } = await engineWithServer(dir, 3, port);
    await until(() => c.shown.at(-1)!.source!.kind === "live");
    expect(c.shown.at(-1)!.header.cycle).toBe(3);
    expect(c.shown.at(-1)!.alerts.map((a) => a.message)).toContain(`live again: http://127.0.0.1:${port}`);
    await srv.stop();
    await until(() => c.shown.at(-1)!.source!.kind === "file");
    expect(c.shown.at(-1)!.alerts.at(-1)!.message).toMatch(new RegExp(`^lost http://127\\.0\\.0\\.1:${port}: `));
    stop.abort();
    expect(await running).toBe("file");
  });
});
