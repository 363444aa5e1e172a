/** The HTTP API on a real loopback listener, fed by the real engine on the simulated market. */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { alertStateFromStatus, nextAlerts, type AlertStatusDocument } from "../../src/alerts/index.ts";
import { createApp, type App } from "../../src/app.ts";
import type { Readiness } from "../../src/state/index.ts";
import { ServerStartError, startServer, type G6Server } from "../../src/server/server.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";
import { connectSse } from "../helpers/sse.ts";

const TOKEN = "s3cret-token-for-tests";

function setup(server: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const config = testConfig({
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: { data_dir: join(tempDir(), "out") },
    pool: { size: 0 },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false } },
    server: { enabled: true, port: 0, ...server },
    ...extra,
  });
  const app = createApp(config, { log: quietLog, clock: instantClock });
  const srv = startServer(config.server, app);
  started.push(srv);
  return { app, srv, config };
}

const started: G6Server[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

const run = (app: App, cycles: number) => app.run({ cycles, signal: new AbortController().signal });

describe("http api", () => {
  test("binds loopback on the configured port; healthz, readyz, status and metrics follow the engine", async () => {
    const { app, srv } = setup();
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    const before = await fetch(`${srv.url}/readyz`);
    expect(before.status).toBe(503);
    expect(((await before.json()) as Readiness).reasons).toEqual(["provider not open", "no successful cycle yet"]);
    expect((await fetch(`${srv.url}/status`)).status).toBe(503);
    await run(app, 2);
    const status = (await (await fetch(`${srv.url}/status`)).json()) as { cycle: number; indices: { index: string }[] };
    expect(status.cycle).toBe(2);
    expect(status.indices.map((i) => i.index)).toEqual(["NIFTY", "SENSEX"]);
    const metrics = await fetch(`${srv.url}/metrics`);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const body = await metrics.text();
    expect(body).toContain("g6_cycles_total 2");
    expect(body).toMatch(/g6_index_spot\{index="NIFTY"\} \d+/);
    // Two cycles, each one quotes call for the ladder and one for the chain legs outside it (analytics.scope "chain").
    expect(body).toContain('g6_provider_requests_total{endpoint="quotes",result="ok"} 4');
    // The provider is closed after the run: not ready any more, for that reason only.
    const after = await (await fetch(`${srv.url}/readyz`)).json();
    expect(after).toEqual({ ready: false, reasons: ["provider not open"] });
  });

  test("unknown paths 404, wrong methods 405", async () => {
    const { srv } = setup();
    expect((await fetch(`${srv.url}/nope`)).status).toBe(404);
    const post = await fetch(`${srv.url}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${srv.url}/status`, { method: "DELETE" })).status).toBe(405);
  });

  test("with a token, a missing or wrong bearer is 401 and the token appears nowhere", async () => {
    const { app, srv } = setup({ token: TOKEN });
    await run(app, 1);
    for (const path of ["/metrics", "/healthz", "/status", "/events", "/nope"]) {
      expect((await fetch(`${srv.url}${path}`)).status).toBe(401);
      expect((await fetch(`${srv.url}${path}`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    }
    const auth = { authorization: `Bearer ${TOKEN}` };
    const metrics = await fetch(`${srv.url}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    const status = await fetch(`${srv.url}/status`, { headers: auth });
    expect(status.status).toBe(200);
    expect(await metrics.text()).not.toContain(TOKEN);
    expect(await status.text()).not.toContain(TOKEN);
  });

  test("a port already in use is a ServerStartError naming the address", async () => {
    const { srv } = setup();
    const port = Number(new URL(srv.url).port);
    const config = testConfig({ pool: { size: 0 }, server: { enabled: true, port } });
    const app = createApp(config, { log: quietLog, clock: instantClock });
    expect(() => startServer(config.server, app)).toThrow(ServerStartError);
    expect(() => startServer(config.server, app)).toThrow(`127.0.0.1:${port}: address already in use`);
  });

  test("events: snapshot on connect, one event per cycle, resume with Last-Event-ID, client limit 429", async () => {
    const { app, srv } = setup({ sse_max_clients: 2, sse_backlog: 8 });
    const first = await connectSse(`${srv.url}/events`);
    expect(first.status).toBe(200);
    const snapshot = await first.next();
    expect(snapshot.event).toBe("snapshot");
    expect(JSON.parse(snapshot.data).status).toBe("starting");
    await run(app, 3);
    const cycles = [await first.until("cycle"), await first.until("cycle"), await first.until("cycle")];
    expect(cycles.map((e) => JSON.parse(e.data).cycle)).toEqual([1, 2, 3]);
    const ids = cycles.map((e) => Number(e.id));
    expect(ids[1]).toBeGreaterThan(ids[0]!);

    const second = await connectSse(`${srv.url}/events`);
    const fresh = await second.next();
    expect(fresh.event).toBe("snapshot");
    expect(JSON.parse(fresh.data).cycle).toBe(3);
    expect(fresh.id).toBe(String(ids[2]));
    const third = await fetch(`${srv.url}/events`);
    expect(third.status).toBe(429);
    second.close();

    // A client that saw cycle 1 resumes: it gets cycles 2 and 3, no snapshot.
    await Bun.sleep(20);
    const resumed = await connectSse(`${srv.url}/events`, { "last-event-id": String(ids[0]) });
    const replay = [await resumed.next(), await resumed.until("cycle")];
    const replayed = replay.filter((e) => e.event === "cycle").map((e) => JSON.parse(e.data).cycle);
    expect(replay.map((e) => e.event)).not.toContain("snapshot");
    expect(replayed.at(-1)).toBe(3);
    expect(replayed[0]).toBe(2);
    resumed.close();
    first.close();
  });

  test("events: alerts of a cycle are those g6 summary derives from /status, raised once", async () => {
    const { app, srv } = setup({}, { provider: { sim: { start: "2026-11-20T10:00", faults: { missing_rate: 0.3 } } } });
    const client = await connectSse(`${srv.url}/events`);
    await client.next();
    await run(app, 1);
    const doc = (await (await fetch(`${srv.url}/status`)).json()) as AlertStatusDocument;
    const expected = nextAlerts(null, alertStateFromStatus(doc)).alerts;
    expect(expected.map((a) => `${a.level} ${a.kind} ${a.subject}`)).toEqual(["warn index_status NIFTY", "warn index_status SENSEX"]);
    expect((await client.until("cycle")).event).toBe("cycle");
    const alerts = [];
    for (const _ of expected) alerts.push(await client.next());
    expect(alerts.map((e) => e.event)).toEqual(expected.map(() => "alert"));
    // The run's stream adds when each raised condition was first and last seen: this cycle.
    expect(alerts.map((e) => JSON.parse(e.data))).toEqual(expected.map((a) => ({ ...a, firstSeen: a.at, lastSeen: a.at })));
    client.close();
  });

  test("events: heartbeat comments keep an idle stream alive", async () => {
    const { srv } = setup({ heartbeat_seconds: 1 });
    const res = await fetch(`${srv.url}/events`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    const deadline = performance.now() + 3000;
    while (!seen.includes(": heartbeat") && performance.now() < deadline) seen += decoder.decode((await reader.read()).value);
    expect(seen).toContain("event: snapshot");
    expect(seen).toContain(": heartbeat\n\n");
    await reader.cancel();
  });

  test("a Last-Event-ID older than the backlog gets a fresh snapshot", async () => {
    const { app, srv } = setup({ sse_backlog: 1 });
    await run(app, 3);
    const client = await connectSse(`${srv.url}/events`, { "last-event-id": "1" });
    const msg = await client.next();
    expect(msg.event).toBe("snapshot");
    expect(JSON.parse(msg.data).cycle).toBe(3);
    client.close();
  });
});
