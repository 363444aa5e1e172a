/**
 * Status documents as `g6 summary` shows them: missing numbers, the source and age of the
 * data, and sink faults in the storage panel and the alerts (also on the engine's own dashboard).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { snapshotFromStatus, type ClientDocument, type StatusContext } from "../../src/summary/client.ts";
import type { Display } from "../../src/summary/dashboard.ts";
import { runSummaryClient } from "../../src/summary/follow.ts";
import { renderFrame } from "../../src/summary/frame.ts";
import type { SummarySnapshot } from "../../src/summary/model.ts";
import { renderPlain } from "../../src/summary/plain.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { calendar, fixedCycle, fixedSnapshot, fixedTracker } from "./fixture.ts";
import type { SinkFault } from "../../src/contracts/index.ts";

// Real engines and processes on a shared machine: generous bounds (each test bounds its own waits).
setDefaultTimeout(60_000);

const dir = tempDir("g6-status-");
await runEngine(testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00", seed: 4 } }, storage: { data_dir: dir } }), 2);
const FILE = join(dir, "runtime_status.json");
// The engine has stopped, so its file says so; the tests below read it as a running engine's.
const doc = { ...JSON.parse(readFileSync(FILE, "utf8")), state: "running", stopped_at: null } as ClientDocument;
const NOW = Date.UTC(2026, 10, 20, 4, 40, 0);
const ctx: StatusContext = { calendar, now: NOW, cycleMsHistory: [], links: { metricsUrl: null, dataDir: "data" } };
const MIN = 60_000;

/** Every number in `x` replaced by null, except the cycle number (which makes it a status document). */
function nulled(x: unknown, key = ""): unknown {
  if (typeof x === "number") return key === "cycle" ? x : null;
  if (Array.isArray(x)) return x.map((v) => nulled(v));
  if (typeof x === "object" && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, nulled(v, k)]));
  return x;
}

/** Every text a snapshot renders to: plain, and frames at a wide and a narrow size. */
function rendered(s: SummarySnapshot): string {
  return [renderPlain(s), ...renderFrame(s, { columns: 160, rows: 60, color: false }), ...renderFrame(s, { columns: 80, rows: 40, color: false })].join("\n");
}

const fault = (target: string): SinkFault => ({ target, code: "no_space", reason: "ENOSPC: no space left on device" });

describe("missing numbers", () => {
  const withPool: ClientDocument = { ...doc, pool: { workers: 2, jobs: 10, inline_jobs: 0, retries: 0, restarts: 1, failures: { error: 0, exit: 0, timeout: 0 } }, market: { indices: [{ index: "NIFTY", prev_close: 1, change: 1, change_pct: 1, data_age_seconds: 1 }], expiries: [] } };

  test("a status document with nulls renders '-', never NaN or undefined", () => {
    const s = snapshotFromStatus(nulled(withPool) as ClientDocument, { ...ctx, origin: { kind: "file", location: "data/runtime_status.json", writtenAt: Number.NaN } });
    const text = rendered(s);
    expect(text).not.toContain("NaN");
    expect(text).not.toContain("undefined");
    expect(renderPlain(s)).toContain("pool - workers, - restarts");
    expect(renderPlain(s)).toContain("legs -/- -");
    expect(renderPlain(s)).toContain("| #2 every -s |");
    expect(text).toContain("age -");
  });

  test("a document without pool, sinks or errors renders too; a null pool is an inline engine", () => {
    const { pool: _pool, sinks: _sinks, errors: _errors, ...bare } = doc;
    const s = snapshotFromStatus(bare as ClientDocument, ctx);
    expect(rendered(s)).not.toMatch(/NaN|undefined/);
    expect(renderPlain(s)).toContain("pool - workers, - restarts");
    expect(renderPlain(snapshotFromStatus({ ...doc, pool: null }, ctx))).toContain("pool 0 workers, 0 restarts");
    expect(renderPlain(snapshotFromStatus(withPool, ctx))).toContain("pool 2 workers, 1 restarts");
  });
});

describe("source and age", () => {
  const at = (ageMs: number, kind: "file" | "live" = "file") => ({ kind, location: kind === "file" ? "data/runtime_status.json" : "http://127.0.0.1:9108", writtenAt: NOW - ageMs });

  test("fresh within three intervals, stale beyond, stopped when the engine said so", () => {
    expect(doc.interval_seconds).toBe(60);
    const fresh = snapshotFromStatus(doc, { ...ctx, origin: at(2 * MIN, "live") });
    expect(fresh.source).toEqual({ kind: "live", location: "http://127.0.0.1:9108", ageSeconds: 120, freshness: "fresh" });
    expect(renderPlain(fresh).split("\n")[0]).toEndWith("| live: http://127.0.0.1:9108, age 2m");
    const stale = snapshotFromStatus(doc, { ...ctx, origin: at(53 * MIN) });
    expect(stale.source).toEqual({ kind: "file", location: "data/runtime_status.json", ageSeconds: 3180, freshness: "stale" });
    expect(renderPlain(stale).split("\n")[0]).toEndWith("| file: data/runtime_status.json, age 53m, STALE");
    const frame = renderFrame(stale, { columns: 160, rows: 50, color: true }).join("\n");
    expect(frame).toContain("file: data/runtime_status.json  age 53m  \x1b[31mSTALE\x1b[0m");
    const stopped = snapshotFromStatus({ ...doc, state: "stopped" }, { ...ctx, origin: at(10_000) });
    expect(stopped.source!.freshness).toBe("stopped");
    expect(renderPlain(stopped).split("\n")[0]).toEndWith("| file: data/runtime_status.json, age 10s, STOPPED");
  });

  const capture = () => {
    const shown: SummarySnapshot[] = [];
    const display: Display = { mode: "plain", show: (s) => shown.push(s), notice() {}, close() {} };
    return { shown, display };
  };
  const client = { serverUrl: null, token: null, pollMs: 20, timeouts: { connectMs: 100, readMs: 100 }, retry: { minMs: 100, maxMs: 100 }, tickMs: 60_000, calendar, links: ctx.links, windowCycles: 5 };

  test("the age is the status file's written_at, else its mtime", async () => {
    const d = tempDir("g6-age-");
    const file = join(d, "runtime_status.json");
    const now = Date.now();
    writeFileSync(file, JSON.stringify({ ...doc, written_at: new Date(now - 53 * MIN).toISOString() }));
    const a = capture();
    await runSummaryClient({ ...client, display: a.display, dataDir: d, statusFile: file, now: () => now, signal: new AbortController().signal, limit: 1 });
    expect(a.shown[0]!.source).toMatchObject({ kind: "file", location: file, freshness: "stale" });
    expect(a.shown[0]!.source!.ageSeconds).toBeCloseTo(3180, 0);
    // A file without written_at (an older writer): the age is its modification time's.
    const { written_at: _stamp, ...unstamped } = doc as ClientDocument & { written_at?: string };
    writeFileSync(file, JSON.stringify(unstamped));
    utimesSync(file, (now - 10 * MIN) / 1000, (now - 10 * MIN) / 1000);
    const b = capture();
    await runSummaryClient({ ...client, display: b.display, dataDir: d, statusFile: file, now: () => now, signal: new AbortController().signal, limit: 1 });
    expect(b.shown[0]!.source!.ageSeconds).toBeCloseTo(600, 0);
    expect(b.shown[0]!.source!.freshness).toBe("stale");
  });

  test("data that stops changing turns stale on screen by itself", async () => {
    const d = tempDir("g6-tick-");
    const file = join(d, "runtime_status.json");
    let now = Date.now();
    writeFileSync(file, JSON.stringify({ ...doc, written_at: new Date(now).toISOString() }));
    const c = capture();
    const stop = new AbortController();
    const running = runSummaryClient({ ...client, tickMs: 20, display: c.display, dataDir: d, statusFile: file, now: () => now, signal: stop.signal, limit: 0 });
    while (c.shown.length === 0) await Bun.sleep(10);
    expect(c.shown[0]!.source!.freshness).toBe("fresh");
    now += 4 * MIN;
    while (c.shown.at(-1)!.source!.freshness === "fresh") await Bun.sleep(10);
    stop.abort();
    await running;
    expect(c.shown.at(-1)!.source).toMatchObject({ freshness: "stale", ageSeconds: 240 });
    expect(c.shown.at(-1)!.header.cycle).toBe(2);
  });
});

const { result, stats } = await fixedCycle();

describe("sink faults", () => {
  const failing = [fault("data/csv/NIFTY/this_week/2026-11-20.csv"), fault("data/csv/NIFTY/next_week/2026-11-20.csv")];
  const faulty = { ...stats, sinks: { ...stats.sinks, csv: { ...stats.sinks.csv!, errors: 2, failing } } };

  test("the storage panel counts failing targets per sink and names the first, as an error", () => {
    const s = fixedSnapshot(result, faulty);
    expect(s.storage.sinks.find((k) => k.name === "csv")).toEqual({ name: "csv", rows: 882, bytes: 220_000, errors: 2, failing: 2, firstFailing: failing[0]!, queued: 0, dropped: 0, lagMs: 6, degraded: "", spooled: 0, spoolBytes: 0 });
    expect(s.storage.sinks.find((k) => k.name === "status")).toMatchObject({ failing: 0, firstFailing: null });
    expect(s.storage.failing).toBe(2);
    const frame = renderFrame(s, { columns: 160, rows: 50, color: true }).join("\n");
    expect(frame).toContain("│ csv 882 rows 214.8 KB 2 errors ");
    // The first failing file, in red (cut to the panel's width, still red).
    expect(frame).toContain("│   \x1b[31mFAILING 2 (no_space): data/csv/NIFTY/this_week…\x1b[0m │");
    expect(frame).toContain("\x1b[31mfailing 2\x1b[0m");
    expect(renderPlain(s)).toContain("  ! error csv FAILING 2 (no_space): data/csv/NIFTY/this_week/2026-11-20.csv\n");
    expect(renderFrame(fixedSnapshot(result, stats), { columns: 160, rows: 50, color: false }).join("\n")).not.toContain("FAILING");
  });

  test("a failing target is an alert line, raised when it starts failing (not every cycle), and an info line when it is written again", () => {
    const tracker = fixedTracker();
    const messages = (s: SummarySnapshot) => s.alerts.map((a) => `${a.level} ${a.message}`).filter((m) => m.includes("csv:"));
    const expected = failing.map((f) => `error csv: cannot write ${f.target} (ENOSPC: no space left on device)`);
    const again = failing.map((f) => `info csv: ${f.target} is being written again`);
    expect(messages(tracker.observe(result, faulty))).toEqual(expected);
    expect(messages(tracker.observe(result, faulty))).toEqual(expected);
    expect(messages(tracker.observe(result, stats))).toEqual([...expected, ...again]);
    expect(messages(tracker.observe(result, faulty))).toEqual([...expected, ...again, ...expected]);
  });

  test("read from a status file: sinks.<name>.failing, the same panel and alerts", () => {
    const many = Array.from({ length: 5 }, (_, i) => fault(`data/csv/f${i}.csv`));
    const s = snapshotFromStatus({ ...doc, sinks: { ...doc.sinks, csv: { ...doc.sinks.csv!, failing: many } } }, ctx);
    expect(s.storage.sinks.find((k) => k.name === "csv")).toMatchObject({ failing: 5, firstFailing: many[0]! });
    expect(s.alerts.filter((a) => a.message.startsWith("csv:")).map((a) => `${a.level} ${a.message}`)).toEqual([
      "error csv: cannot write data/csv/f0.csv (ENOSPC: no space left on device)",
      "error csv: cannot write data/csv/f1.csv (ENOSPC: no space left on device)",
      "error csv: cannot write data/csv/f2.csv (ENOSPC: no space left on device)",
      "error csv: 2 more targets failing",
    ]);
    expect(renderPlain(s)).toContain("  ! error csv FAILING 5 (no_space): data/csv/f0.csv\n");
  });

  test("the storage panel shows a sink's queue (cycles waiting, dropped) and the worst lag, from the running sink's counters", () => {
    const behind = { ...stats, sinks: { ...stats.sinks, csv: { ...stats.sinks.csv!, queued: 3, dropped: 2, lagMs: 4200 } } };
    const s = fixedSnapshot(result, behind);
    expect(s.storage.sinks.find((k) => k.name === "csv")).toMatchObject({ queued: 3, dropped: 2, lagMs: 4200 });
    expect(s.storage.lagMs).toBe(4200);
    const frame = renderFrame(s, { columns: 160, rows: 50, color: false }).join("\n");
    expect(frame).toContain("csv 882 rows 214.8 KB queued 3 dropped 2");
    expect(frame).toContain("lag 4200.0 ms");
  });
});
