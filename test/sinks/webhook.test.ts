/**
 * The alert webhook sink against a loopback receiver (Bun.serve on port 0): delivered through a
 * running sink with retries, a failing then recovering receiver, nothing lost when a write
 * fails for good, a refusal not retried; and the whole run: a rule's alert in the daily journal,
 * in g6_alerts_total and at the receiver.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Alert, AlertSource } from "../../src/alerts/index.ts";
import { createApp } from "../../src/app.ts";
import { createRunningSink } from "../../src/engine/running-sink.ts";
import type { RunningEnv } from "../../src/engine/running-provider.ts";
import { type CycleResult, emptySinkTotals, type EngineStats } from "../../src/contracts/index.ts";
import { createWebhookSink } from "../../src/sinks/webhook/sink.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";
import { connectSse } from "../helpers/sse.ts";
import { startServer } from "../../src/server/server.ts";

/** A receiver answering each POST with the next scripted status (then 200), recording the bodies. */
function receiver(script: number[] = []) {
  const bodies: { alerts: Alert[] }[] = [];
  const statuses: number[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      bodies.push((await req.json()) as { alerts: Alert[] });
      const status = script.shift() ?? 200;
      statuses.push(status);
      return new Response(status === 200 ? "ok" : "down", { status, headers: status === 503 ? { "retry-after": "1" } : {} });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/hook?token=s3cret`, origin: `http://127.0.0.1:${server.port}`, bodies, statuses, stop: () => server.stop(true) };
}

const servers: { stop: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});

/** An alert stream the test drives. */
function source() {
  const listeners = new Set<(a: readonly Alert[]) => void>();
  const src: AlertSource = { subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) };
  const emit = (cycle: number, ...codes: string[]) => {
    const alerts = codes.map((code): Alert => ({ kind: "rule", code, level: "warn", cycle, at: `2026-11-20T10:0${cycle}:00+05:30`, subject: "NIFTY", message: `${code} at ${cycle}`, event: "raised" }));
    for (const l of listeners) l(alerts);
  };
  return { src, emit };
}

function harness(url: string, src: AlertSource, retries: number) {
  const sleeps: number[] = [];
  const errors: string[] = [];
  // Backoff waits are recorded, not slept.
  const env: RunningEnv = { now: () => 0, sleep: (ms) => (sleeps.push(ms), new Promise((r) => setImmediate(r))), random: () => 0.5 };
  const sink = createWebhookSink({ url, timeoutMs: 5000, maxPending: 100, alerts: src, now: () => Date.now() });
  const totals = emptySinkTotals();
  const running = createRunningSink({
    sink,
    policy: { ...sink.queue!, capacity: 2, whenFull: "drop_oldest", flushIntervalMs: 0, retries, retryBaseMs: 100, retryMaxMs: 250, stallMs: 0 },
    totals,
    env,
    wallNow: () => Date.now(),
    log: createConsola({ level: -999 }),
    onError: (m) => errors.push(m),
  });
  return { sink, running, totals, sleeps, errors };
}

const cycle = (n: number) => ({ cycle: n }) as CycleResult;
const STATS = {} as EngineStats;
const codes = (b: { alerts: Alert[] }) => b.alerts.map((a) => `${a.cycle}:${a.code}`);

describe("alert webhook", () => {
  test("a failing then recovering receiver: the write is retried until it takes the events, each sent once delivered", async () => {
    const rx = receiver([503, 500]);
    servers.push(rx);
    const { src, emit } = source();
    const h = harness(rx.url, src, 3);
    await h.running.open();
    emit(1, "pcr_high", "data_age");
    await h.running.enqueue(cycle(1), STATS);
    await h.running.close(5000);
    expect(rx.statuses).toEqual([503, 500, 200]);
    expect(rx.bodies.map(codes)).toEqual([["1:pcr_high", "1:data_age"], ["1:pcr_high", "1:data_age"], ["1:pcr_high", "1:data_age"]]);
    expect(h.totals.retries).toBe(2);
    expect(h.totals.rows).toBe(2);
    expect(h.totals.dropped).toBe(0);
    // The 503 asked for a second (Retry-After), longer than the backoff.
    expect(h.sleeps[0]).toBe(1000);
    expect(h.sink.pending).toBe(0);
  });

  test("a write that fails after its retries loses nothing: the next write sends its events too; the receiver is named by origin only", async () => {
    const rx = receiver([503, 503, 503]);
    servers.push(rx);
    const { src, emit } = source();
    const h = harness(rx.url, src, 2);
    await h.running.open();
    emit(1, "a");
    await h.running.enqueue(cycle(1), STATS);
    // Cycle 2 raised nothing; its write still sends what cycle 1 left.
    await h.running.enqueue(cycle(2), STATS);
    emit(3, "b");
    await h.running.enqueue(cycle(3), STATS);
    await h.running.close(5000);
    expect(rx.statuses).toEqual([503, 503, 503, 200, 200]);
    expect(rx.bodies.map(codes)).toEqual([["1:a"], ["1:a"], ["1:a"], ["1:a"], ["3:b"]]);
    expect(h.totals.dropped).toBe(1);
    expect(h.errors.join("\n")).toContain(`${rx.origin}: HTTP 503`);
    expect(h.errors.join("\n")).not.toContain("s3cret");
    expect(h.sink.pending).toBe(0);
  });

  test("a refusal (HTTP 400) is not retried: those events are dropped, counted as rejected, and the target shown failing", async () => {
    const rx = receiver([400]);
    servers.push(rx);
    const { src, emit } = source();
    const h = harness(rx.url, src, 3);
    await h.running.open();
    emit(1, "a");
    await h.running.enqueue(cycle(1), STATS);
    await h.running.close(5000);
    expect(rx.statuses).toEqual([400]);
    expect(h.totals.rejected).toBe(1);
    expect(h.totals.retries).toBe(0);
    expect(h.totals.failing.map((f) => `${f.target} ${f.code}`)).toEqual([`${rx.origin} rejected`]);
    expect(h.sink.pending).toBe(0);
  });
});

describe("the run's alert stream", () => {
  test("a rule's alerts go to the daily journal, g6_alerts_total, /events' stream and the webhook, once each", async () => {
    const rx = receiver([503]);
    servers.push(rx);
    const dir = tempDir("g6-alerts-");
    const config = testConfig({
      indices: { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
      pool: { size: 0 },
      provider: { sim: { start: "2026-11-20T10:00" } },
      storage: { data_dir: dir, delivery: { retry_base_ms: 1, retry_max_ms: 5 } },
      server: { enabled: true, port: 0 },
      alerts: {
        rules: [
          { name: "legs_seen", watch: "legs_collected", op: ">", threshold: 0, for_cycles: 2 },
          { name: "nifty_up", watch: "spot", op: ">", threshold: 1e9, index: "NIFTY" },
        ],
        webhook: { enabled: true, url: rx.url },
      },
    });
    const app = createApp(config, { log: quietLog, clock: instantClock });
    const streamed: Alert[] = [];
    app.alerts.subscribe((list) => streamed.push(...list));
    const srv = startServer(config.server, app);
    servers.push(srv);
    const client = await connectSse(`${srv.url}/events`);
    expect((await client.next()).event).toBe("snapshot");
    await app.run({ cycles: 3, signal: new AbortController().signal });
    // /events: the same alerts, each after its cycle's `cycle` event.
    const events: { event: string; data: string }[] = [];
    while (!events.some((e) => e.event === "cycle" && JSON.parse(e.data).cycle === 3)) events.push(await client.next());
    const cycleOf = (e: { event: string; data: string }) => JSON.parse(e.data).cycle as number;
    const sent = events.filter((e) => e.event === "alert").map((e) => JSON.parse(e.data) as Alert);
    expect(sent.map((a) => a.code)).toContain("legs_seen");
    expect(sent).toEqual(JSON.parse(JSON.stringify(streamed.filter((a) => a.cycle < 3))));
    for (const [k, e] of events.entries()) if (e.event === "alert") expect(events.slice(0, k).some((c) => c.event === "cycle" && cycleOf(c) === cycleOf(e))).toBe(true);
    client.close();
    const raised = streamed.filter((a) => a.kind === "rule");
    expect(raised.map((a) => `${a.cycle} ${a.code} ${a.event}`)).toEqual(["2 legs_seen raised"]);
    // The journal: one line per event of the stream, in order, on the snapshot's IST date.
    const lines = readFileSync(join(dir, "alerts", "alerts-2026-11-20.jsonl"), "utf8").split("\n").filter(Boolean);
    expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(JSON.stringify(streamed)));
    const text = await app.observability.render();
    expect(text).toContain('g6_alerts_total{code="legs_seen",severity="warn"} 1\n');
    // The receiver refused the first POST (503) and took the retry.
    expect(rx.statuses).toEqual([503, 200, ...rx.statuses.slice(2)]);
    const delivered = rx.bodies.slice(1).flatMap((b) => b.alerts);
    expect(delivered).toEqual(JSON.parse(JSON.stringify(streamed)));
  });
});
