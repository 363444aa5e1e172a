/** G6's Kite Connect REST client against the fake Kite server: methods, error mapping, deadlines, gzip. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { impliedVol } from "../../../src/analytics/iv.ts";
import { ProviderError } from "../../../src/contracts/errors.ts";
import {
  accessTokenExpiry,
  createKiteClient,
  errorCodeOf,
  KiteApiError,
  type KiteClient,
  loginUrl,

  quoteKey,
  sessionChecksum,
} from "../../../src/providers/kite/client.ts";
import { parseIstTimestamp as parseKiteTime } from "../../../src/providers/kite/protocol.ts";
import { smileVol } from "../../fakes/kite/market.ts";
import { INSTRUMENT_COLUMNS } from "../../fakes/kite/protocol.ts";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";

const NOW = Date.parse("2026-11-26T05:00:00Z"); // Thursday 10:30:00 IST

/** The rejection of `p` (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<KiteApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KiteApiError);
  return err as KiteApiError;
}

describe("helpers", () => {
  test("the session checksum is hex SHA-256 of api_key + request_token + api_secret", () => {
    expect(sessionChecksum("a", "b", "c")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("quote keys and the login URL", () => {
    expect(quoteKey("NSE", "NIFTY 50")).toBe("NSE:NIFTY 50");
    expect(loginUrl("k 1")).toBe("https://kite.zerodha.com/connect/login?v=3&api_key=k%201");
  });

  test("Kite timestamps are naive IST whatever the process time zone", () => {
    expect(parseKiteTime("2026-11-26 10:30:00")).toBe(NOW);
    expect(parseKiteTime(null)).toBeNaN();
    expect(parseKiteTime("2026-02-30 10:00:00")).toBeNaN();
    expect(parseKiteTime("26-11-2026 10:30:00")).toBeNaN();
  });

  test("an access token expires at 06:00 IST after the login", () => {
    expect(accessTokenExpiry(parseKiteTime("2026-11-26 08:40:00"))).toBe(parseKiteTime("2026-11-27 06:00:00"));
    expect(accessTokenExpiry(parseKiteTime("2026-11-26 23:59:00"))).toBe(parseKiteTime("2026-11-27 06:00:00"));
    expect(accessTokenExpiry(parseKiteTime("2026-11-27 05:59:59"))).toBe(parseKiteTime("2026-11-27 06:00:00"));
  });

  test("error codes by status and error_type", () => {
    expect(errorCodeOf(429, "NetworkException")).toBe("rate_limited");
    expect(errorCodeOf(403, "TokenException")).toBe("auth");
    expect(errorCodeOf(403, "PermissionException")).toBe("config");
    expect(errorCodeOf(400, "InputException")).toBe("bad_data");
    expect(errorCodeOf(502, "DataException")).toBe("transient");
    expect(errorCodeOf(502, undefined)).toBe("transient");
    expect(errorCodeOf(404, undefined)).toBe("config");
  });
});

describe("the Kite client against the fake Kite server", () => {
  let fake: FakeKite;
  let token: string | undefined;
  let client: KiteClient;

  beforeAll(() => {
    fake = startFakeKite({ market: { now: () => NOW } });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    token = fake.createSession();
    client = createKiteClient({ restUrl: fake.url, apiKey: fake.apiKey, accessToken: () => token, timeoutMs: 5000 });
    fake.switches.rateLimit = false;
    fake.switches.failures = [];
    fake.switches.delayMs = 0;
    fake.resetCounters();
  });

  test("exchangeRequestToken: checksum accepted, access token and IST login time returned", async () => {
    token = undefined;
    const session = await client.exchangeRequestToken(fake.issueRequestToken(), fake.apiSecret);
    expect(session.accessToken).toMatch(/^[0-9a-f]{32}$/);
    expect(session.userId).toBe("AB1234");
    expect(session.userName).toBe("Test User");
    expect(session.loginTime).toBe(NOW);
    token = session.accessToken;
    expect((await client.profile()).userId).toBe("AB1234");
  });

  test("a wrong secret is auth; neither the secret nor the request token is in the message", async () => {
    const requestToken = fake.issueRequestToken();
    const err = await rejection(client.exchangeRequestToken(requestToken, "wrong-secret-value"));
    expect(err).toMatchObject({ code: "auth", status: 403, errorType: "TokenException", endpoint: "POST /session/token" });
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toContain("Invalid `checksum`");
    expect(err.message).not.toContain("wrong-secret-value");
    expect(err.message).not.toContain(requestToken);
  });

  test("profile sends X-Kite-Version 3 and the token header", async () => {
    const p = await client.profile();
    expect(p).toMatchObject({ userId: "AB1234", userName: "Test User", broker: "ZERODHA" });
    expect(p.exchanges).toContain("BFO");
    expect(fake.counters.missingVersionHeader).toBe(0);
    token = "0".repeat(32);
    const err = await rejection(client.profile());
    expect(err).toMatchObject({ code: "auth", status: 403, errorType: "TokenException", endpoint: "GET /user/profile" });
    expect(err.message).not.toContain(token);
  });

  test("no access token: auth, and no request is made", async () => {
    token = undefined;
    const err = await rejection(client.profile());
    expect(err.code).toBe("auth");
    expect(err.message).toContain("no access token");
    expect(fake.counters.requests["GET /user/profile"]).toBeUndefined();
  });

  for (const encoding of ["gzip", "gzip-body", "plain"] as const) {
    test(`instrumentsCsv reads the dump sent ${encoding}`, async () => {
      fake.switches.instrumentsEncoding = encoding;
      try {
        const csv = await client.instrumentsCsv("NFO");
        const lines = csv.trimEnd().split("\n");
        expect(lines[0]).toBe(INSTRUMENT_COLUMNS.join(","));
        expect(lines.length - 1).toBe(fake.market.rows("NFO").length);
        expect(lines.some((l) => /,NIFTY26D0124000CE,"NIFTY",0,2026-12-01,24000,0.05,65,CE,NFO-OPT,NFO$/.test(l))).toBe(true);
        const nse = await client.instrumentsCsv("NSE");
        expect(nse).toContain('256265,1001,NIFTY 50,"NIFTY 50",0,,0,0,0,EQ,INDICES,NSE\n');
      } finally {
        fake.switches.instrumentsEncoding = "gzip";
      }
    });
  }

  test("quoteText returns the raw body; the prices recover the fake's smile", async () => {
    const keys = fake.market.optionKeys("NIFTY", "2026-12-01");
    const chunk = keys.slice(60, 102); // strikes around the ATM strike, CE and PE
    const text = await client.quoteText([...chunk, "NFO:NOSUCH"]);
    const data = (JSON.parse(text) as { data: Record<string, { last_price: number; depth: { buy: { price: number }[]; sell: { price: number }[] } }> }).data;
    expect(Object.keys(data).sort()).toEqual([...chunk].sort());
    let checked = 0;
    for (const key of chunk) {
      const m = fake.market.model(key)!;
      const q = data[key]!;
      const mid = (q.depth.buy[0]!.price + q.depth.sell[0]!.price) / 2;
      expect(mid).toBeCloseTo(q.last_price, 9);
      const iv = impliedVol(q.last_price, m.forward, m.strike, m.T, m.df, m.isCall);
      expect(Math.abs(iv - smileVol(0.13, m.strike, m.forward))).toBeLessThan(5e-4);
      checked += 1;
    }
    expect(checked).toBe(42);
  });

  test("quote switches: missing keys are absent, no-trade keys have zero prices", async () => {
    const [a, b, c] = fake.market.optionKeys("SENSEX").slice(80, 83) as [string, string, string];
    fake.switches.missingKeys.add(a);
    fake.switches.noTradeKeys.add(b);
    try {
      const data = JSON.parse(await client.quoteText([a, b, c])).data;
      expect(Object.keys(data).sort()).toEqual([b, c].sort());
      expect(data[b]).toMatchObject({ last_price: 0, volume: 0, last_trade_time: null });
      expect(data[b].depth.buy[0]).toEqual({ price: 0, quantity: 0, orders: 0 });
      expect(data[c].last_price).toBeGreaterThan(0);
      expect(data[c].timestamp).toBe("2026-11-26 10:30:00");
      expect(fake.counters.quoteKeysServed).toBe(2);
    } finally {
      fake.switches.missingKeys.clear();
      fake.switches.noTradeKeys.clear();
    }
  });

  test("malformed JSON comes back as text (the parser judges it)", async () => {
    fake.switches.malformedJson = 1;
    const text = await client.quoteText(["NSE:NIFTY 50"]);
    expect(() => JSON.parse(text)).toThrow();
    expect(JSON.parse(await client.quoteText(["NSE:NIFTY 50"])).data["NSE:NIFTY 50"].last_price).toBe(24000);
  });

  test("more than 500 keys is refused before any request", async () => {
    const keys = fake.market.optionKeys("NIFTY").slice(0, 501);
    await expect(client.quoteText(keys)).rejects.toBeInstanceOf(RangeError);
    expect(fake.counters.requests["GET /quote"]).toBeUndefined();
    expect(JSON.parse(await client.quoteText(keys.slice(0, 500))).data[keys[0]!]).toBeDefined();
  });

  test("the quote rate limit: a second request within the second is rate_limited 429", async () => {
    fake.switches.rateLimit = true;
    await Bun.sleep(1000);
    await client.quoteText(["NSE:NIFTY 50"]);
    const err = await rejection(client.quoteText(["NSE:NIFTY 50"]));
    expect(err).toMatchObject({ code: "rate_limited", status: 429, endpoint: "GET /quote" });
    expect(fake.counters.rateLimited).toBe(1);
  });

  const mappings = [
    { status: 403, errorType: "TokenException", code: "auth" },
    { status: 403, errorType: "PermissionException", code: "config", says: "plan lacks this feature" },
    { status: 400, errorType: "InputException", code: "bad_data" },
    { status: 429, errorType: "NetworkException", code: "rate_limited" },
    { status: 502, errorType: "NetworkException", code: "transient" },
    { status: 503, errorType: "NetworkException", code: "transient" },
    { status: 502, errorType: "DataException", code: "transient" },
    { status: 500, errorType: "GeneralException", code: "transient" },
  ] as const;
  for (const m of mappings) {
    test(`${m.status} ${m.errorType} is ${m.code}, and the token never shows`, async () => {
      fake.switches.failures.push({ status: m.status, errorType: m.errorType, message: `failed for ${token}` });
      const err = await rejection(client.quoteText(["NSE:NIFTY 50"]));
      expect(err).toMatchObject({ code: m.code, status: m.status, errorType: m.errorType, endpoint: "GET /quote" });
      expect(err.message).toStartWith(`Kite GET /quote: ${m.status} ${m.errorType}: failed for ***`);
      expect(err.message).not.toContain(token!);
      if ("says" in m) expect(err.message).toContain(m.says);
    });
  }

  test("a non-JSON error body (a proxy's 502 page) is transient and named", async () => {
    fake.switches.failures.push({ status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>", path: "/user" });
    const err = await rejection(client.profile());
    expect(err).toMatchObject({ code: "transient", status: 502, errorType: undefined });
    expect(err.message).toContain("non-JSON body: <html><body><h1>502 Bad Gateway</h1>");
  });

  test("token expiry after N calls: auth until a new session", async () => {
    fake.switches.expireTokenAfterCalls = 2;
    try {
      await client.profile();
      await client.instrumentsCsv("BSE");
      expect((await rejection(client.profile())).code).toBe("auth");
      token = fake.createSession();
      expect((await client.profile()).userId).toBe("AB1234");
    } finally {
      fake.switches.expireTokenAfterCalls = undefined;
    }
  });

  test("a slow answer past the deadline aborts fast as transient", async () => {
    fake.switches.delayMs = 3000;
    const quick = createKiteClient({ restUrl: fake.url, apiKey: fake.apiKey, accessToken: () => token, timeoutMs: 200 });
    const t0 = performance.now();
    const err = await rejection(quick.profile());
    const took = performance.now() - t0;
    expect(err).toMatchObject({ code: "transient", status: undefined });
    expect(err.message).toBe("Kite GET /user/profile: no answer within 200 ms");
    expect(took).toBeLessThan(1500);
  });

  test("the caller's signal aborts the request", async () => {
    fake.switches.delayMs = 3000;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const err = await rejection(client.quoteText(["NSE:NIFTY 50"], ac.signal));
    expect(err.message).toBe("Kite GET /quote: aborted by the caller");
    expect(err.code).toBe("transient");
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  test("an unreachable server is transient, naming the host only", async () => {
    const gone = startFakeKite();
    const url = gone.url;
    await gone.close();
    const c = createKiteClient({ restUrl: url, apiKey: "k", accessToken: () => "secret-token-value", timeoutMs: 2000 });
    const err = await rejection(c.quoteText(["NSE:NIFTY 50"]));
    expect(err.code).toBe("transient");
    expect(err.message).toStartWith(`Kite GET /quote: cannot reach ${new URL(url).host} (`);
    expect(err.message).not.toContain("secret-token-value");
    expect(err.message).not.toContain("NIFTY");
  });
});
