/**
 * The web dashboard in headless Chromium (Debian's chromium, driven by puppeteer-core): the page
 * on a running engine on the simulator, the chain table against the chain endpoint and /status
 * for the same cycle, charts gaining points as cycles arrive, the token login, no console
 * errors. Screenshots are kept under the test's output directory (printed).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { createApp } from "../../src/app.ts";
import type { SchedulerClock } from "../../src/engine/scheduler.ts";
import { startServer, type G6Server } from "../../src/server/server.ts";
import { requireBinary } from "../helpers/binaries.ts";
import { quietLog, tempDir, testConfig } from "../helpers/engine.ts";

// Functions passed to page.$eval / waitForFunction run in the page: its DOM, which this project's types leave out.
declare const document: any;
type HTMLElement = any;
type HTMLInputElement = any;
type HTMLAnchorElement = any;

const TOKEN = "dashboard-token-for-tests";
const OUT = join(tempDir("g6-web-"), "screenshots");
mkdirSync(OUT, { recursive: true });
console.log(`web dashboard screenshots: ${OUT}`);

let browser: Browser;
const servers: G6Server[] = [];
beforeAll(async () => {
  browser = await puppeteer.launch({ executablePath: requireBinary("chromium"), headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
});
afterAll(async () => {
  await browser?.close();
  for (const stop of stops) await stop();
  for (const s of servers) await s.stop();
});

/**
 * The real engine on the simulator, running continuously while the page is open: its clock's
 * sleeps wait for `next()`, so each cycle happens when the test asks for it.
 */
function engine(server: Record<string, unknown> = {}, sim: Record<string, unknown> = {}) {
  const config = testConfig({
    provider: { sim: { start: "2026-11-20T10:00", ...sim } },
    storage: { data_dir: join(tempDir(), "out") },
    pool: { size: 0 },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false } },
    server: { enabled: true, port: 0, ...server },
  });
  let t = Date.UTC(2026, 10, 20, 4, 0, 0);
  const sleepers: (() => void)[] = [];
  const clock: SchedulerClock = { now: () => t, sleep: (ms) => new Promise<void>((wake) => sleepers.push(() => ((t += Math.max(0, ms)), wake()))) };
  let cycles = 0;
  const app = createApp(config, { log: quietLog, clock, onCycle: () => void cycles++ });
  const srv = startServer(config.server, app);
  servers.push(srv);
  const abort = new AbortController();
  let done = false;
  const running = app.run({ cycles: 1000, signal: abort.signal }).finally(() => (done = true));
  const wake = () => {
    for (const f of sleepers.splice(0)) f();
  };
  stops.push(async () => {
    abort.abort();
    while (!done) {
      wake();
      await Bun.sleep(5);
    }
    await running;
  });
  /** Lets `n` more cycles run and waits for them. */
  const next = async (n = 1) => {
    const target = cycles + n;
    while (cycles < target) {
      wake();
      await Bun.sleep(5);
    }
  };
  return { srv, next };
}
const stops: (() => Promise<void>)[] = [];

/** A page that records console errors and failed requests. */
async function openPage(width = 1280, height = 800) {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return { page, errors };
}
const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`) as `${string}.png`, fullPage: false });

describe("web dashboard in a browser", () => {
  test("overview, chain and charts on the simulator; values match the API; charts grow with cycles", async () => {
    const { srv, next } = engine();
    await next(1);
    const first = (await (await fetch(`${srv.url}/api/chain?index=NIFTY&tag=this_week`)).json()) as any;
    await next(1);
    const { page, errors } = await openPage();
    const res = await page.goto(`${srv.url}/#overview`, { waitUntil: "load" });
    expect(res!.status()).toBe(200);
    expect(res!.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.waitForSelector('#ov-indices .card[data-index="NIFTY"]');
    const status = (await (await fetch(`${srv.url}/status`)).json()) as { cycle: number; indices: { index: string; spot: number }[] };
    const niftySpot = status.indices.find((i) => i.index === "NIFTY")!.spot;
    const cardText = await page.$eval('#ov-indices .card[data-index="NIFTY"]', (e) => e.textContent ?? "");
    // Indian grouping: 23,744.50 (and 79,796.79 for SENSEX).
    expect(cardText).toContain(new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(niftySpot));
    await shot(page, "overview-light-1280");

    // Chain: every cell equals the chain endpoint's value for the same cycle, formatted.
    await page.goto(`${srv.url}/#chain`);
    await page.waitForSelector("#chain-table tbody tr.atm");
    await page.waitForFunction(() => document.querySelector("#chain-table")?.dataset.cycle === "2");
    const chain = (await (await fetch(`${srv.url}/api/chain?index=NIFTY&tag=this_week`)).json()) as any;
    expect(chain.cycle).toBe(2);
    expect(chain.cycle).toBe(status.cycle);
    expect(Math.round(chain.spot * 100) / 100).toBe(niftySpot);
    const table = await page.$$eval("#chain-table tbody tr", (rows) =>
      rows.map((r) => ({ strike: (r as HTMLElement).dataset.strike, atm: r.classList.contains("atm"), cells: Object.fromEntries([...r.querySelectorAll("td")].map((td) => [(td as HTMLElement).dataset.k, td.textContent])) })),
    );
    expect(table.map((r) => Number(r.strike))).toEqual(chain.strikes);
    expect(table.filter((r) => r.atm).map((r) => Number(r.strike))).toEqual([chain.atm]);
    // ITM shading: calls below spot, puts above it; the ATM row's own colour wins on both sides.
    const shading = await page.$$eval("#chain-table tbody tr", (rows) =>
      rows.map((r) => ({ ce: (globalThis as any).getComputedStyle(r.querySelector("td.ce")).backgroundColor, pe: (globalThis as any).getComputedStyle(r.querySelector("td.pe")).backgroundColor })),
    );
    const atmRow = chain.strikes.indexOf(chain.atm);
    chain.strikes.forEach((k: number, i: number) => {
      if (i === atmRow) expect(shading[i]!.ce).toBe(shading[i]!.pe);
      else {
        expect(shading[i]!.ce === shading[0]!.ce).toBe(k < chain.spot);
        expect(shading[i]!.pe === shading.at(-1)!.pe).toBe(k > chain.spot);
      }
    });
    expect(shading[atmRow]!.ce).not.toBe(shading[0]!.ce);
    const inr = (d: number) => new Intl.NumberFormat("en-IN", { minimumFractionDigits: d, maximumFractionDigits: d });
    chain.strikes.forEach((_k: number, i: number) => {
      const row = table[i]!.cells;
      const expectCell = (key: string, text: string) => expect(row[key]).toBe(text);
      const v = (side: "ce" | "pe", c: string) => chain[side][c][i];
      for (const side of ["ce", "pe"] as const) {
        expectCell(`${side}:last`, v(side, "last") === null ? "—" : inr(2).format(v(side, "last")));
        expectCell(`${side}:oi`, v(side, "oi") === null ? "—" : inr(0).format(v(side, "oi")));
        expectCell(`${side}:volume`, v(side, "volume") === null ? "—" : inr(0).format(v(side, "volume")));
        expectCell(`${side}:iv`, v(side, "iv") === null ? "—" : `${inr(2).format(v(side, "iv") * 100)} %`);
        expectCell(`${side}:delta`, v(side, "delta") === null ? "—" : inr(3).format(v(side, "delta")));
        // Build-up labels as the chain endpoint has them ("—" while unknown, never made up).
        expectCell(`${side}:buildup`, v(side, "buildup") ?? "—");
      }
    });
    // OI change since the session's first snapshot: cycle 2 minus cycle 1, at the ATM strike.
    const k = chain.strikes.indexOf(chain.atm);
    const j = first.strikes.indexOf(chain.atm);
    expect(j).toBeGreaterThanOrEqual(0);
    expect(chain.ce.oi_change[k]).toBe(chain.ce.oi[k] - first.ce.oi[j]);
    expect(table[k]!.cells["ce:oi_change"]).toBe(`${chain.ce.oi_change[k] > 0 ? "+" : ""}${inr(0).format(chain.ce.oi_change[k])}`);
    await shot(page, "chain-light-1280");

    // Scroll position survives an in-place update.
    await page.$eval("#chain-scroll", (e) => (e.scrollTop = 120));
    const before = await page.$eval("#chain-scroll", (e) => e.scrollTop);
    await next(1);
    await page.waitForFunction(() => !["", "2"].includes(document.querySelector("#chain-table")?.dataset.cycle ?? ""));
    expect(await page.$eval("#chain-scroll", (e) => e.scrollTop)).toBe(before);

    // Charts: the session series gains a point per cycle.
    await page.goto(`${srv.url}/#charts`);
    await page.waitForSelector("#ch-pcr canvas");
    const points = async () => Number(await page.$eval("#ch-pcr", (e) => (e as HTMLElement).dataset.points));
    const p0 = await points();
    expect(p0).toBeGreaterThan(0);
    await next(2);
    await page.waitForFunction((n) => Number(document.querySelector("#ch-pcr")?.dataset.points) >= n + 2, { timeout: 30_000 }, p0);
    const series = (await (await fetch(`${srv.url}/api/series?index=NIFTY`)).json()) as any;
    expect(Number(await page.$eval("#ch-pcr", (e) => (e as HTMLElement).dataset.points))).toBe(series.expiries.find((e: any) => e.tag === "this_week").t.length);
    for (const id of ["ch-smile", "ch-oi", "ch-straddle", "ch-term"]) expect(Number(await page.$eval(`#${id}`, (e) => (e as HTMLElement).dataset.points))).toBeGreaterThan(0);
    await shot(page, "charts-light-1280");

    // Dark theme and phone width.
    await page.click("#theme");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await page.waitForSelector("#ch-pcr canvas");
    await shot(page, "charts-dark-1280");
    await page.setViewport({ width: 390, height: 844 });
    await page.goto(`${srv.url}/#chain`);
    await page.waitForSelector("#chain-table tbody tr.atm");
    await shot(page, "chain-dark-phone");
    // Keyboard: the views are links reachable with Tab.
    const focusable = await page.$$eval("nav a", (as) => as.map((a) => (a as HTMLAnchorElement).tabIndex));
    expect(focusable.every((t) => t >= 0)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test("with a token: the login form sets the session cookie; a wrong token is refused", async () => {
    const { srv, next } = engine({ token: TOKEN });
    await next(1);
    // Without a session the data is refused; the page itself (no data in it) loads and asks for the token.
    expect((await fetch(`${srv.url}/api/chain?index=NIFTY&tag=this_week`)).status).toBe(401);
    const { page, errors } = await openPage();
    const res = await page.goto(`${srv.url}/`);
    expect(res!.headers()["content-security-policy"]).toContain("default-src 'none'");
    await page.waitForSelector("#login:not([hidden])");
    await page.type("#token", "not-the-token");
    await page.click("#login-form button");
    await page.waitForFunction(() => document.querySelector("#login-error")?.textContent?.includes("Wrong token"));
    expect(await page.cookies()).toEqual([]);
    await shot(page, "login-refused");
    await page.$eval("#token", (e) => ((e as HTMLInputElement).value = ""));
    await page.type("#token", TOKEN);
    await page.click("#login-form button");
    await page.waitForSelector('#ov-indices .card[data-index="NIFTY"]');
    const cookie = (await page.cookies()).find((c) => c.name === "g6_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Strict");
    expect(cookie.value).not.toContain(TOKEN);
    // The stream works through the cookie: a new cycle reaches the page.
    await next(1);
    await page.waitForFunction(() => document.querySelector("#live")?.textContent?.includes("cycle 1"));
    // The cookie admits reads, never POST routes.
    const viaCookie = { cookie: `g6_session=${cookie.value}` };
    expect((await fetch(`${srv.url}/status`, { headers: viaCookie })).status).toBe(200);
    expect((await fetch(`${srv.url}/config/reload`, { method: "POST", headers: viaCookie })).status).toBe(401);
    const errs = errors.filter((e) => !e.includes("401"));
    // The only console errors are the refused requests before signing in (the browser logs a 401 response).
    expect(errs).toEqual([]);
    await page.close();
  }, 120_000);

  test("alerts stream in with severity and clear events; filters apply; missing quotes show as missing", async () => {
    // Quotes go missing at random: expiries flip between OK and PARTIAL, which raises alerts and their clear events.
    const { srv, next } = engine({}, { faults: { missing_rate: 0.03 } });
    await next(1);
    const { page, errors } = await openPage();
    await page.goto(`${srv.url}/#alerts`);
    await page.waitForSelector("#view-alerts:not([hidden])");
    await next(6);
    await page.waitForFunction(() => (globalThis as any).__g6.alerts.length > 0, { timeout: 30_000 });
    const alerts = await page.evaluate(() => (globalThis as any).__g6.alerts.map((a: any) => ({ level: a.level, kind: a.kind, message: a.message })));
    const rows = async () => page.$$eval("#alert-rows tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    await page.waitForFunction((n) => document.querySelectorAll("#alert-rows tr").length === n, {}, alerts.length);
    const shown = await rows();
    expect(shown.map((r) => r[4])).toEqual(alerts.map((a: any) => a.message));
    expect(shown.map((r) => r[1])).toEqual(alerts.map((a: any) => a.level));
    await shot(page, "alerts");
    // Unticking a severity hides exactly its rows.
    const level = alerts[0].level as string;
    await page.click(`[data-level="${level}"]`);
    const rest = alerts.filter((a: any) => a.level !== level);
    const after = await rows();
    expect(rest.length === 0 ? after.length : after.map((r) => r[1])).toEqual(rest.length === 0 ? 1 : rest.map((a: any) => a.level));
    // The chain shows a leg without a quote as "—", never a number: an expiry with an unquoted call in the last cycle.
    const session = (await (await fetch(`${srv.url}/api/session`)).json()) as { expiries: { index: string; tag: string }[] };
    let chain: any = null;
    for (const e of session.expiries) {
      const c = (await (await fetch(`${srv.url}/api/chain?index=${e.index}&tag=${e.tag}`)).json()) as any;
      if (c.ce.last.includes(null)) {
        chain = c;
        break;
      }
    }
    expect(chain).not.toBeNull();
    await page.goto(`${srv.url}/#chain`);
    await page.waitForSelector("#chain-table tbody tr.atm");
    await page.select("#chain-index", chain.index);
    await page.select("#chain-tag", chain.tag);
    await page.waitForFunction((k) => document.querySelector("#chain-meta")?.textContent?.includes(`expiry ${k}`), {}, chain.expiry);
    await page.waitForFunction((c) => document.querySelector("#chain-table")?.dataset.cycle === c, {}, String(chain.cycle));
    const cells = await page.$$eval("#chain-table tbody td[data-k='ce:last']", (tds) => tds.map((td) => td.textContent));
    expect(cells.length).toBe(chain.strikes.length);
    chain.ce.last.forEach((v: number | null, i: number) => expect(cells[i] === "—").toBe(v === null));
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
