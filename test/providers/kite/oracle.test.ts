/**
 * The official `kiteconnect` client (v5, axios underneath) against G6's fake Kite server: the
 * proof that the fake speaks the real protocol. Where they disagree, the fake is wrong.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KiteConnect } from "kiteconnect";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";

const NOW = Date.parse("2026-11-26T05:00:00Z"); // Thursday 10:30 IST

describe("the official kiteconnect client against the fake Kite server", () => {
  let fake: FakeKite;
  let kc: InstanceType<typeof KiteConnect>;

  beforeAll(() => {
    fake = startFakeKite({ market: { now: () => NOW } });
    kc = new KiteConnect({ api_key: fake.apiKey, root: fake.url });
  });
  afterAll(() => fake.close());

  test("login redirect, generateSession (checksum accepted) and getProfile", async () => {
    const login = await fetch(`${fake.loginUrl}?v=3&api_key=${fake.apiKey}`, { redirect: "manual" });
    expect(login.status).toBe(302);
    const back = new URL(login.headers.get("location")!);
    expect(back.searchParams.get("action")).toBe("login");
    expect(back.searchParams.get("status")).toBe("success");
    const requestToken = back.searchParams.get("request_token")!;
    expect(requestToken).toMatch(/^[0-9a-f]{32}$/);

    const session = await kc.generateSession(requestToken, fake.apiSecret);
    expect(session.access_token).toMatch(/^[0-9a-f]{32}$/);
    expect(session.user_id).toBe("AB1234");
    expect(session.login_time).toBeInstanceOf(Date);
    // A request token is single-use.
    await expect(kc.generateSession(requestToken, fake.apiSecret)).rejects.toMatchObject({ error_type: "TokenException" });

    const profile = await kc.getProfile();
    expect(profile.user_id).toBe("AB1234");
    expect(profile.user_name).toBe("Test User");
    expect(profile.exchanges).toContain("NFO");
    expect(fake.counters.missingVersionHeader).toBe(0);
  });

  test("a wrong api_secret fails the checksum", async () => {
    const other = new KiteConnect({ api_key: fake.apiKey, root: fake.url });
    const err = await other.generateSession(fake.issueRequestToken(), "not-the-secret").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: "error", error_type: "TokenException", message: "Invalid `checksum`." });
  });

  test("getInstruments parses the NFO and NSE dumps (gzip on the wire)", async () => {
    kc.setAccessToken(fake.createSession());
    const nfo = (await kc.getInstruments("NFO")) as unknown as Record<string, unknown>[];
    // papaparse turns the dump's final newline into one empty row; the official client keeps it.
    const rows = nfo.filter((r) => r.instrument_token !== "");
    expect(rows.length).toBe(fake.market.rows("NFO").length);
    const names = new Set(rows.map((r) => r.name));
    expect([...names].sort()).toEqual(["BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTY"]);
    const nifty = rows.find((r) => r.name === "NIFTY" && r.strike === 24000 && r.instrument_type === "CE")!;
    expect(nifty).toMatchObject({ tick_size: 0.05, lot_size: 65, segment: "NFO-OPT", exchange: "NFO" });
    expect(nifty.expiry).toBeInstanceOf(Date);
    expect(String(nifty.tradingsymbol)).toMatch(/^NIFTY26(D\d\d|DEC)24000CE$/);
    expect(Number(nifty.instrument_token) % 256).toBe(2);

    const nse = ((await kc.getInstruments("NSE")) as unknown as Record<string, unknown>[]).filter((r) => r.instrument_token !== "");
    expect(nse.map((r) => r.tradingsymbol)).toEqual(["NIFTY 50", "NIFTY BANK", "NIFTY FIN SERVICE", "NIFTY MID SELECT"]);
    expect(nse.every((r) => r.segment === "INDICES")).toBe(true);
    expect(nse[0]).toMatchObject({ instrument_token: "256265", name: "NIFTY 50" });
    const bfo = ((await kc.getInstruments("BFO")) as unknown as Record<string, unknown>[]).filter((r) => r.instrument_token !== "");
    expect(new Set(bfo.map((r) => r.name))).toEqual(new Set(["SENSEX"]));
    expect(bfo.every((r) => r.lot_size === 20)).toBe(true);
    // Several expiries: NIFTY weeklies (Tuesdays) and monthlies, SENSEX on Thursdays.
    const niftyExpiries = new Set(rows.filter((r) => r.name === "NIFTY").map((r) => (r.expiry as Date).toISOString().slice(0, 10)));
    expect(niftyExpiries.size).toBeGreaterThanOrEqual(6);
    expect(new Set(bfo.map((r) => (r.expiry as Date).getUTCDay()))).toEqual(new Set([4]));

    const all = ((await kc.getInstruments()) as unknown as Record<string, unknown>[]).filter((r) => r.instrument_token !== "");
    expect(all.length).toBe(["NSE", "BSE", "NFO", "BFO"].reduce((n, e) => n + fake.market.rows(e).length, 0));
  });

  test("600 keys in chunks of 500 + 100 paced 1 s apart: zero 429s; keys without data absent", async () => {
    kc.setAccessToken(fake.createSession());
    fake.resetCounters();
    const keys = fake.market.optionKeys("NIFTY").slice(0, 598);
    keys.push("NSE:NIFTY 50", "NFO:NOSUCH26DEC1CE");
    expect(keys.length).toBe(600);
    await Bun.sleep(1000);
    const first = await kc.getQuote(keys.slice(0, 500));
    await Bun.sleep(1000);
    const second = await kc.getQuote(keys.slice(500));
    expect(fake.counters.rateLimited).toBe(0);
    expect(Object.keys(first).length).toBe(500);
    expect(Object.keys(second).length).toBe(99);
    expect(second["NFO:NOSUCH26DEC1CE"]).toBeUndefined();
    const q = first[keys[0]!]!;
    expect(q.depth.buy.length).toBe(5);
    expect(q.depth.sell.length).toBe(5);
    expect(q.ohlc.close).toBeGreaterThan(0);
    expect(q.timestamp).toBeInstanceOf(Date);
    expect(second["NSE:NIFTY 50"]!.last_price).toBe(24000);
    expect(fake.counters.quoteKeysServed).toBe(599);
  });

  test("a burst of quote requests gets 429", async () => {
    kc.setAccessToken(fake.createSession());
    await Bun.sleep(1000);
    fake.resetCounters();
    const key = fake.market.optionKeys("NIFTY")[0]!;
    const results = await Promise.allSettled([kc.getLTP([key]), kc.getOHLC([key]), kc.getQuote([key])]);
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    expect(fake.counters.rateLimited).toBe(2);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ error_type: "NetworkException", message: "Too many requests" });
  });

  test("more than 500 keys is an InputException", async () => {
    kc.setAccessToken(fake.createSession());
    await Bun.sleep(1000);
    const err = await kc.getQuote(fake.market.optionKeys("NIFTY").slice(0, 501)).catch((e: unknown) => e);
    expect(err).toMatchObject({ error_type: "InputException" });
  });

  test("an expired token surfaces as TokenException and calls the session expiry hook", async () => {
    kc.setAccessToken(fake.createSession());
    let hooked = 0;
    kc.setSessionExpiryHook(() => {
      hooked += 1;
    });
    fake.switches.expireTokenAfterCalls = 1;
    try {
      await kc.getProfile();
      const err = await kc.getProfile().catch((e: unknown) => e);
      expect(err).toMatchObject({ error_type: "TokenException", message: "Incorrect `api_key` or `access_token`." });
      expect(hooked).toBe(1);
      kc.setAccessToken(fake.createSession());
      expect((await kc.getProfile()).user_id).toBe("AB1234");
    } finally {
      fake.switches.expireTokenAfterCalls = undefined;
    }
  });
});
