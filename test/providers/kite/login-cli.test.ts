/**
 * `g6 kite login` and `g6 kite status` as a real process against the fake Kite server. The test
 * plays the browser: it opens the printed login URL on the fake, follows the 302 to G6's
 * callback server and reads the page it answers.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";
import { freePort } from "../../helpers/net.ts";
import { spawnG6 } from "../../helpers/process.ts";

const API_SECRET = "fake-secret-5b1e";
const SERVER_TOKEN = "srv-token-9f3a";

let fake: FakeKite;
let port: number;
let redirectUrl: string;
let dir: string;
let configFile: string;
let secretsFile: string;

beforeAll(() => {
  port = freePort();
  redirectUrl = `http://127.0.0.1:${port}/g6/kite/callback`;
  fake = startFakeKite({ apiKey: "kitekey1", apiSecret: API_SECRET, redirectUrl });
});
afterAll(() => fake.close());

function writeSecrets(kite: Record<string, unknown>): void {
  writeFileSync(secretsFile, JSON.stringify({ server: { token: SERVER_TOKEN }, provider: { kite } }), { mode: 0o600 });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "g6-kite-login-"));
  configFile = join(dir, "g6.json");
  secretsFile = join(dir, "secrets.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      secrets_file: secretsFile,
      provider: { kite: { api_key: "kitekey1", login_url: fake.loginUrl, rest_url: fake.url, redirect_url: redirectUrl } },
    }),
  );
  writeSecrets({ api_secret: API_SECRET });
  fake.resetCounters();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const secrets = () => JSON.parse(readFileSync(secretsFile, "utf8"));

async function g6(args: string[]): Promise<{ code: number; out: string }> {
  const p = spawnG6(args);
  const code = await p.exited(30_000);
  return { code, out: p.output() };
}

/** No secret of the test in the output: API secret, server token, stored access token, `extra`. */
function expectNoSecrets(out: string, ...extra: string[]): void {
  const stored = (() => {
    try {
      return secrets().provider?.kite?.access_token as string | undefined;
    } catch {
      return undefined;
    }
  })();
  for (const s of [API_SECRET, SERVER_TOKEN, stored, ...extra]) if (s) expect(out).not.toContain(s);
}

/** Plays the browser: opens the login URL, follows the 302 to G6's callback server. */
async function browse(loginUrl: string): Promise<{ requestToken: string; status: number; page: string }> {
  const res = await fetch(loginUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  const location = res.headers.get("location")!;
  expect(location.startsWith(`${redirectUrl}?`)).toBe(true);
  const back = await fetch(location);
  return { requestToken: new URL(location).searchParams.get("request_token")!, status: back.status, page: await back.text() };
}

describe("g6 kite login", () => {
  test("through the callback server: stores the token mode 600, keeps other secrets, prints the user and expiry, never a secret", async () => {
    const before = Date.now();
    const p = spawnG6(["kite", "login", "--config", configFile, "--timeout", "30"]);
    const url = (await p.waitFor(/Log in to Kite in a browser: (\S+)/))[1]!;
    expect(url).toBe(`${fake.loginUrl}?v=3&api_key=kitekey1`);
    await p.waitFor(/Waiting for Kite's redirect/);
    const browser = await browse(url);
    expect(browser.status).toBe(200);
    expect(browser.page).toContain("G6: logged in, you can close this tab");
    expect(await p.exited()).toBe(0);

    const stored = secrets();
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(stored.server).toEqual({ token: SERVER_TOKEN });
    expect(stored.provider.kite.api_secret).toBe(API_SECRET);
    expect(stored.provider.kite.access_token).toMatch(/^[0-9a-f]{32}$/);
    const expires = Date.parse(stored.provider.kite.access_token_expires_at);
    // 06:00 IST (00:30 UTC) after the login, within a day.
    expect(new Date(expires).toISOString()).toMatch(/T00:30:00\.000Z$/);
    expect(expires).toBeGreaterThan(before);
    expect(expires - before).toBeLessThanOrEqual(86_400_000);
    expect(fake.counters.sessions).toBe(1);
    expect(fake.counters.requests["GET /user/profile"]).toBe(1);
    expect(p.output()).toContain("Logged in to Kite as AB1234 (Test User)");
    expect(p.output()).toContain(`expires at ${new Date(expires + 19_800_000).toISOString().slice(0, 19)}+05:30`);
    expectNoSecrets(p.output(), browser.requestToken);

    // The stored token works: status says valid, until when, and for whom.
    const status = await g6(["kite", "status", "--config", configFile]);
    expect(status.code).toBe(0);
    expect(status.out).toContain("valid: Kite access token of AB1234 (Test User), until ");
    expectNoSecrets(status.out);
  });

  test("--request-token pasted by hand: no callback server; the same token twice is refused the second time", async () => {
    const token = fake.issueRequestToken();
    const first = await g6(["kite", "login", "--config", configFile, "--request-token", token]);
    expect(first.code).toBe(0);
    expect(first.out).not.toContain("Waiting for Kite's redirect");
    expect(first.out).toContain("Logged in to Kite as AB1234");
    const stored = secrets().provider.kite.access_token;
    expect(stored).toMatch(/^[0-9a-f]{32}$/);
    expectNoSecrets(first.out, token);

    const again = await g6(["kite", "login", "--config", configFile, "--request-token", token]);
    expect(again.code).toBe(1);
    expect(again.out).toContain("g6: kite login failed: Kite POST /session/token: 403 TokenException");
    expect(secrets().provider.kite.access_token).toBe(stored);
    expectNoSecrets(again.out, token);
  });

  test("a wrong API secret: the checksum is refused and no token is stored", async () => {
    writeSecrets({ api_secret: "not-the-secret" });
    const token = fake.issueRequestToken();
    const res = await g6(["kite", "login", "--config", configFile, "--request-token", token]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("g6: kite login failed: Kite POST /session/token: 403 TokenException");
    expect(secrets().provider.kite.access_token).toBeUndefined();
    expect(res.out).not.toContain("not-the-secret");
    expectNoSecrets(res.out, token);
  });

  test("a redirect with a status other than success: an error page and exit 1, nothing stored", async () => {
    const p = spawnG6(["kite", "login", "--config", configFile]);
    await p.waitFor(/Waiting for Kite's redirect/);
    const res = await fetch(`${redirectUrl}?action=login&status=cancelled`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Kite redirected with status &quot;cancelled&quot; instead of &quot;success&quot;");
    expect(await p.exited()).toBe(1);
    expect(p.output()).toContain('g6: kite login failed: Kite redirected with status "cancelled" instead of "success"');
    expect(secrets().provider.kite.access_token).toBeUndefined();
    expect(fake.counters.sessions).toBe(0);
  });

  test("a refused request token through the browser: the page and the terminal both say so", async () => {
    writeSecrets({ api_secret: "not-the-secret" });
    const p = spawnG6(["kite", "login", "--config", configFile]);
    const url = (await p.waitFor(/Log in to Kite in a browser: (\S+)/))[1]!;
    await p.waitFor(/Waiting for Kite's redirect/);
    const browser = await browse(url);
    expect(browser.status).toBe(502);
    expect(browser.page).toContain("G6: Kite login failed");
    expect(browser.page).toContain("403 TokenException");
    expect(await p.exited()).toBe(1);
    expectNoSecrets(p.output() + browser.page, browser.requestToken, "not-the-secret");
  });

  test("a taken callback port is a clear error", async () => {
    const squatter = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response("") });
    try {
      const res = await g6(["kite", "login", "--config", configFile]);
      expect(res.code).toBe(1);
      expect(res.out).toContain(`cannot listen on 127.0.0.1:${port} for Kite's redirect (EADDRINUSE)`);
      expect(res.out).toContain("log in with --request-token");
    } finally {
      squatter.stop(true);
    }
  });

  test("no redirect within --timeout: exit 1; Ctrl-C: exit 130; nothing stored either way", async () => {
    const late = await g6(["kite", "login", "--config", configFile, "--timeout", "1"]);
    expect(late.code).toBe(1);
    expect(late.out).toContain("no redirect from Kite within 1 s");

    const p = spawnG6(["kite", "login", "--config", configFile]);
    await p.waitFor(/Waiting for Kite's redirect/);
    p.proc.kill("SIGINT");
    expect(await p.exited()).toBe(130);
    expect(p.output()).toContain("g6: kite login aborted; no token was stored");
    expect(secrets().provider.kite.access_token).toBeUndefined();
  });

  test("missing settings are named together (exit 2)", async () => {
    writeFileSync(configFile, JSON.stringify({ provider: { kite: { rest_url: fake.url } } }));
    const res = await g6(["kite", "login", "--config", configFile]);
    expect(res.code).toBe(2);
    expect(res.out).toContain("provider.kite.api_key: not set");
    expect(res.out).toContain("provider.kite.api_secret: not set");
    expect(res.out).toContain("secrets_file: not set");
  });
});

describe("g6 kite status", () => {
  test("missing: no token in the secrets file (exit 1)", async () => {
    const res = await g6(["kite", "status", "--config", configFile]);
    expect(res.code).toBe(1);
    expect(res.out).toContain(`missing: no Kite access token in ${secretsFile}; run g6 kite login`);
    expect(fake.counters.requests["GET /user/profile"]).toBeUndefined();
  });

  test("expired by its stored expiry: Kite is not asked (exit 1)", async () => {
    writeSecrets({ api_secret: API_SECRET, access_token: fake.createSession(), access_token_expires_at: "2026-01-05T00:30:00.000Z" });
    const res = await g6(["kite", "status", "--config", configFile]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("expired: the Kite access token expired at 2026-01-05T06:00:00+05:30; run g6 kite login");
    expect(fake.counters.requests["GET /user/profile"]).toBeUndefined();
  });

  test("valid, then refused by Kite once its tokens expire (the 06:00 rollover): invalid (exit 1)", async () => {
    const token = fake.createSession();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    writeSecrets({ api_secret: API_SECRET, access_token: token, access_token_expires_at: future });
    const ok = await g6(["kite", "status", "--config", configFile]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("valid: Kite access token of AB1234 (Test User)");
    fake.expireTokens();
    const res = await g6(["kite", "status", "--config", configFile]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("invalid: Kite refused the access token (Kite GET /user/profile: 403 TokenException");
    expect(res.out).toContain("run g6 kite login");
    expect(fake.counters.requests["GET /user/profile"]).toBe(2);
    expectNoSecrets(ok.out + res.out, token);
  });

  test("Kite unreachable: unchecked (exit 1)", async () => {
    writeSecrets({ api_secret: API_SECRET, access_token: fake.createSession(), access_token_expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    fake.switches.failures.push({ status: 503, errorType: "NetworkException", message: "Gateway down", path: "/user/profile" });
    const res = await g6(["kite", "status", "--config", configFile]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("unchecked: cannot ask Kite about the access token");
    expect(res.out).toContain("503 NetworkException");
  });
});
