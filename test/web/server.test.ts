/** The dashboard's HTTP routes on a real loopback listener: assets, caching, CSP, JSON errors, login and the cookie's limits. */
import { afterEach, expect, test } from "bun:test";
import { createConsola, type ConsolaInstance } from "consola";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { startServer, type G6Server } from "../../src/server/server.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

const TOKEN = "web-route-token";
const started: G6Server[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

async function setup(server: Record<string, unknown> = {}, log?: ConsolaInstance) {
  const config = testConfig({
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: { data_dir: join(tempDir(), "out") },
    pool: { size: 0 },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false } },
    server: { enabled: true, port: 0, ...server },
  });
  const app = createApp(config, { log: quietLog, clock: instantClock });
  const srv = startServer(config.server, app, log);
  started.push(srv);
  await app.run({ cycles: 2, signal: new AbortController().signal });
  return srv;
}

test("the page and its hashed assets carry a CSP; assets are immutable, the page revalidates (ETag, 304)", async () => {
  const srv = await setup();
  const page = await fetch(`${srv.url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toContain("text/html");
  expect(page.headers.get("cache-control")).toBe("no-cache");
  expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
  expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
  for (const a of assets) {
    const r = await fetch(`${srv.url}${a}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
  }
  // No CDN: nothing the page loads comes from another origin.
  expect(html).not.toMatch(/https?:\/\//);
  const again = await fetch(`${srv.url}/`, { headers: { "if-none-match": page.headers.get("etag")! } });
  expect(again.status).toBe(304);
  expect((await fetch(`${srv.url}/assets/nope.js`)).status).toBe(404);
});

test("JSON endpoints: the chain of the last cycle, errors naming the missing parameter or expiry", async () => {
  const srv = await setup();
  const chain = (await (await fetch(`${srv.url}/api/chain?index=NIFTY&tag=next_week`)).json()) as any;
  expect(chain.cycle).toBe(2);
  expect(chain.expiry).toBe("2026-12-01");
  expect(chain.ce.last.length).toBe(chain.strikes.length);
  expect(chain.columns.map((c: any) => c.key)).toContain("oi_change");
  const bad = await fetch(`${srv.url}/api/chain?index=NIFTY`);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as any).error).toContain("index and tag are required");
  const none = await fetch(`${srv.url}/api/chain?index=NIFTY&tag=someday`);
  expect(none.status).toBe(404);
  expect(((await none.json()) as any).error).toContain("no chain for NIFTY someday");
  const series = (await (await fetch(`${srv.url}/api/series?index=SENSEX`)).json()) as any;
  expect(series.expiries.map((e: any) => e.tag)).toEqual(["this_week", "next_week", "this_month", "next_month"]);
  expect(series.expiries[0].t.length).toBe(2);
});

test("login: a wrong token is 401 without a cookie; the right one sets an HttpOnly SameSite=Strict cookie that admits reads only", async () => {
  const srv = await setup({ token: TOKEN });
  expect((await fetch(`${srv.url}/api/session`)).status).toBe(401);
  const wrong = await fetch(`${srv.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: "nope" }) });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get("set-cookie")).toBeNull();
  const ok = await fetch(`${srv.url}/login`, { method: "POST", body: new URLSearchParams({ token: TOKEN }) });
  expect(ok.status).toBe(200);
  const setCookie = ok.headers.get("set-cookie")!;
  expect(setCookie).toMatch(/^g6_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  expect(setCookie).not.toContain(TOKEN);
  const cookie = { cookie: setCookie.split(";")[0]! };
  expect((await fetch(`${srv.url}/api/session`, { headers: cookie })).status).toBe(200);
  expect((await fetch(`${srv.url}/events`, { headers: cookie })).headers.get("content-type")).toContain("text/event-stream");
  expect((await fetch(`${srv.url}/config/reload`, { method: "POST", headers: cookie })).status).toBe(401);
  // Logged out: the cookie no longer admits anything.
  await fetch(`${srv.url}/logout`, { method: "POST", headers: cookie });
  expect((await fetch(`${srv.url}/api/session`, { headers: cookie })).status).toBe(401);
  expect((await fetch(`${srv.url}/login`)).status).toBe(405);
});

test("server.dashboard false: no page, no /api", async () => {
  const srv = await setup({ dashboard: false });
  expect((await fetch(`${srv.url}/`)).status).toBe(404);
  expect((await fetch(`${srv.url}/api/session`)).status).toBe(404);
});

test("wrong logins are logged one line at most a minute, without the token", async () => {
  const lines: string[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o) => void lines.push(o.args.map(String).join(" ")) }] });
  const srv = await setup({ token: TOKEN }, log);
  for (const guess of ["a", "b", "c"]) {
    const r = await fetch(`${srv.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: guess }) });
    expect(r.status).toBe(401);
  }
  expect(lines.filter((l) => l.includes("wrong token"))).toEqual(["web dashboard: 1 login with a wrong token refused"]);
  expect(lines.join("\n")).not.toContain(TOKEN);
  const empty = await fetch(`${srv.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  expect(empty.status).toBe(400);
  expect(((await empty.json()) as { error: string }).error).toContain("no token in the request");
});
