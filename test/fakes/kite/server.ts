/**
 * A fake Kite Connect server for G6's tests: `Bun.serve` on 127.0.0.1, port 0, speaking the
 * documented REST protocol (shapes in protocol.ts, data from market.ts). The official
 * `kiteconnect` client runs against it in test/providers/kite/oracle.test.ts: where the two
 * disagree, the fake is wrong.
 *
 * Routes: GET /connect/login (302 to the redirect URL with a request token), POST /session/token
 * (checksum checked against the API secret; issues an access token), GET /user/profile,
 * GET /instruments and /instruments/{NSE,BSE,NFO,BFO} (CSV, gzip on the wire), GET /quote (≤ 500
 * keys), /quote/ltp and /quote/ohlc (≤ 1000). The quote family shares a limit of 1 request a
 * second (any 1000 ms window; refused requests do not count), answered 429 beyond it. Keys
 * without data are absent from `data`.
 *
 * Faults are switches set at run time on `fake.switches`; `fake.counters` counts what was served.
 * Order of a request: count → delay → route → injected failure → forced 429 → auth (and token
 * expiry) → rate limit → answer. A WebSocket upgrade at the root path goes to the ticker
 * (ticker.ts: `fake.ticker`), which reads quotes from the same market.
 */
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createFakeMarket, type FakeKiteMarket, type FakeMarketConfig } from "./market.ts";
import {
  CSV_TYPE,
  ERROR_STATUS,
  errorBody,
  type FakeUser,
  instrumentCsv,
  JSON_TYPE,
  type KiteErrorType,
  ltpOf,
  MESSAGES,
  ohlcOf,
  profileData,
  QUOTE_KEY_LIMIT,
  type Quote,
  sessionData,
  successBody,
} from "./protocol.ts";
import { createFakeTicker, type FakeTicker } from "./ticker.ts";

export type FakeKiteOptions = {
  apiKey?: string;
  apiSecret?: string;
  /** Where /connect/login redirects (the app's registered redirect URL). */
  redirectUrl?: string;
  user?: Partial<FakeUser>;
  market?: FakeMarketConfig;
  /** Requests a second the quote family accepts (default 1). */
  quoteRatePerSecond?: number;
};

/** An injected failure: the next `times` requests to `path` (a prefix; default any) get it. */
export type FailSpec = {
  status: number;
  /** Kite error type of the JSON envelope; absent with `body` for a non-JSON answer. */
  errorType?: KiteErrorType | string;
  message?: string;
  /** A raw body instead of the JSON envelope (e.g. an HTML 502 page of a proxy). */
  body?: string;
  times?: number;
  path?: string;
};

export type FakeKiteSwitches = {
  /** Quote keys left out of `data` although listed. */
  missingKeys: Set<string>;
  /** Quote keys answered with zero prices and no trade (last_trade_time null, empty depth). */
  noTradeKeys: Set<string>;
  /** The next N quote-family requests get 429 (Infinity: all). */
  force429: number;
  /** Failures to inject, consumed in order. */
  failures: FailSpec[];
  /** Delay before answering, ms (applies to every route, or only to paths starting with `delayPath`). */
  delayMs: number;
  delayPath?: string;
  /** The next N quote-family answers are 200 with truncated JSON. */
  malformedJson: number;
  /** After N authenticated calls of a session, its tokens are refused (403 TokenException) until a new session. */
  expireTokenAfterCalls?: number;
  /** How the dump travels: Content-Encoding gzip (Kite's way), a body that is itself gzip, or plain. */
  instrumentsEncoding: "gzip" | "gzip-body" | "plain";
  /** The quote-family rate limit (on by default). */
  rateLimit: boolean;
};

export type FakeKiteCounters = {
  /** Requests by "METHOD /path" (path without query). */
  requests: Record<string, number>;
  /** 429 answers served (rate limit and forced). */
  rateLimited: number;
  /** Keys asked for and keys answered with data, over the quote family. */
  quoteKeysRequested: number;
  quoteKeysServed: number;
  /** Sessions created by POST /session/token. */
  sessions: number;
  /** API requests (not the login page) that came without `X-Kite-Version: 3`. */
  missingVersionHeader: number;
};

export type FakeKite = {
  /** REST root, e.g. http://127.0.0.1:41234 (pass as the official client's `root`). */
  readonly url: string;
  /** The login page, `${url}/connect/login`. */
  readonly loginUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly market: FakeKiteMarket;
  /** The WebSocket ticker (`wsUrl`). */
  readonly ticker: FakeTicker;
  /** The ticker's URL, e.g. ws://127.0.0.1:41234/ (pass as the official KiteTicker's `root`). */
  readonly wsUrl: string;
  readonly switches: FakeKiteSwitches;
  readonly counters: FakeKiteCounters;
  /** A fresh request token, as a completed login would hand the app. */
  issueRequestToken(): string;
  /** A valid access token without going through login (for tests of other endpoints). */
  createSession(): string;
  /** Invalidates every access token (as the 06:00 IST rollover does). */
  expireTokens(): void;
  resetCounters(): void;
  close(): Promise<void>;
};

const QUOTE_FAMILY = new Set(["/quote", "/quote/ltp", "/quote/ohlc"]);
const DUMP_EXCHANGES = ["NSE", "BSE", "NFO", "BFO"];

const freshCounters = (): FakeKiteCounters => ({
  requests: {},
  rateLimited: 0,
  quoteKeysRequested: 0,
  quoteKeysServed: 0,
  sessions: 0,
  missingVersionHeader: 0,
});

export function startFakeKite(opts: FakeKiteOptions = {}): FakeKite {
  const apiKey = opts.apiKey ?? "fakeapikey";
  const apiSecret = opts.apiSecret ?? "fakeapisecret";
  const redirectUrl = opts.redirectUrl ?? "http://127.0.0.1/kite/callback";
  const user: FakeUser = {
    user_id: "AB1234",
    user_name: "Test User",
    user_shortname: "Test",
    email: "test@example.com",
    ...opts.user,
  };
  const market = createFakeMarket(opts.market);
  const rate = opts.quoteRatePerSecond ?? 1;
  const switches: FakeKiteSwitches = {
    missingKeys: new Set(),
    noTradeKeys: new Set(),
    force429: 0,
    failures: [],
    delayMs: 0,
    malformedJson: 0,
    instrumentsEncoding: "gzip",
    rateLimit: true,
  };
  let counters = freshCounters();
  const requestTokens = new Set<string>();
  /** Access token → authenticated calls made with it. */
  const sessions = new Map<string, number>();
  let quoteTimes: number[] = [];

  const json = (status: number, body: string): Response =>
    new Response(body, { status, headers: { "Content-Type": JSON_TYPE } });
  const error = (type: KiteErrorType | string, message: string, status?: number): Response =>
    json(status ?? ERROR_STATUS[type as KiteErrorType] ?? 500, errorBody(type, message));
  const tooMany = (): Response => {
    counters.rateLimited += 1;
    return error("NetworkException", MESSAGES.tooManyRequests, 429);
  };
  const newToken = (): string => randomBytes(16).toString("hex");

  function createSession(): string {
    const token = newToken();
    sessions.set(token, 0);
    counters.sessions += 1;
    return token;
  }

  /** undefined when authorised (and counts the call), else the 403 to send. */
  function authorise(req: Request): Response | undefined {
    const header = req.headers.get("authorization") ?? "";
    const m = /^token ([^:]+):(.+)$/.exec(header);
    if (m === null || m[1] !== apiKey) return error("TokenException", MESSAGES.badToken);
    const calls = sessions.get(m[2]!);
    if (calls === undefined) return error("TokenException", MESSAGES.badToken);
    const limit = switches.expireTokenAfterCalls;
    if (limit !== undefined && calls >= limit) {
      sessions.delete(m[2]!);
      return error("TokenException", MESSAGES.badToken);
    }
    sessions.set(m[2]!, calls + 1);
    return undefined;
  }

  function login(url: URL): Response {
    if (url.searchParams.get("api_key") !== apiKey) {
      return new Response(`<html><body>${MESSAGES.badApiKey}</body></html>`, {
        status: 400,
        headers: { "Content-Type": "text/html" },
      });
    }
    const target = new URL(redirectUrl);
    const token = issueRequestToken();
    target.searchParams.set("request_token", token);
    target.searchParams.set("action", "login");
    target.searchParams.set("type", "login");
    target.searchParams.set("status", "success");
    return new Response(null, { status: 302, headers: { Location: target.toString() } });
  }

  function issueRequestToken(): string {
    const token = newToken();
    requestTokens.add(token);
    return token;
  }

  async function sessionToken(req: Request): Promise<Response> {
    const form = new URLSearchParams(await req.text());
    const key = form.get("api_key") ?? "";
    const requestToken = form.get("request_token") ?? "";
    const checksum = form.get("checksum") ?? "";
    if (key !== apiKey) return error("InputException", MESSAGES.badApiKey);
    if (!requestTokens.has(requestToken)) return error("TokenException", MESSAGES.badRequestToken);
    const expected = createHash("sha256").update(apiKey + requestToken + apiSecret).digest("hex");
    if (checksum !== expected) return error("TokenException", MESSAGES.badChecksum);
    requestTokens.delete(requestToken);
    const token = createSession();
    return json(200, successBody(sessionData(user, apiKey, token, market.now())));
  }

  function instruments(exchange: string | undefined): Response {
    if (exchange !== undefined && !DUMP_EXCHANGES.includes(exchange)) {
      return error("InputException", `Invalid exchange ${exchange}`);
    }
    const rows = (exchange === undefined ? DUMP_EXCHANGES : [exchange]).flatMap((e) => market.rows(e));
    const csv = instrumentCsv(rows);
    const headers: Record<string, string> = { "Content-Type": CSV_TYPE };
    switch (switches.instrumentsEncoding) {
      case "gzip":
        headers["Content-Encoding"] = "gzip";
        return new Response(gzipSync(csv), { status: 200, headers });
      case "gzip-body":
        return new Response(gzipSync(csv), { status: 200, headers });
      default:
        return new Response(csv, { status: 200, headers });
    }
  }

  function quotes(path: string, url: URL): Response {
    const keys = url.searchParams.getAll("i");
    if (keys.length === 0) return error("InputException", MESSAGES.noInstruments);
    if (keys.length > QUOTE_KEY_LIMIT[path]!) return error("InputException", MESSAGES.tooManyInstruments);
    counters.quoteKeysRequested += keys.length;
    const data: Record<string, unknown> = {};
    for (const key of keys) {
      if (switches.missingKeys.has(key)) continue;
      const q: Quote | undefined = market.quote(key, switches.noTradeKeys.has(key));
      if (q === undefined) continue;
      data[key] = path === "/quote" ? q : path === "/quote/ltp" ? ltpOf(q) : ohlcOf(q);
    }
    counters.quoteKeysServed += Object.keys(data).length;
    const body = successBody(data);
    if (switches.malformedJson > 0) {
      switches.malformedJson -= 1;
      return json(200, body.slice(0, Math.floor(body.length / 2)));
    }
    return json(200, body);
  }

  /** True when a quote-family request fits the limit now (and records it). */
  function admitQuote(): boolean {
    const t = performance.now();
    quoteTimes = quoteTimes.filter((x) => t - x < 1000);
    if (quoteTimes.length >= rate) return false;
    quoteTimes.push(t);
    return true;
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const name = `${req.method} ${path}`;
    counters.requests[name] = (counters.requests[name] ?? 0) + 1;
    // The login page is a browser's; every API call carries the version header.
    if (path !== "/connect/login" && req.headers.get("x-kite-version") !== "3") counters.missingVersionHeader += 1;
    if (switches.delayMs > 0 && (switches.delayPath === undefined || path.startsWith(switches.delayPath))) {
      await Bun.sleep(switches.delayMs);
    }

    const isLogin = req.method === "GET" && path === "/connect/login";
    const isSession = req.method === "POST" && path === "/session/token";
    const dump = /^\/instruments(?:\/([A-Z]+))?$/.exec(path);
    const isQuote = req.method === "GET" && QUOTE_FAMILY.has(path);
    const isProfile = req.method === "GET" && path === "/user/profile";
    if (!(isLogin || isSession || isQuote || isProfile || (req.method === "GET" && dump !== null))) {
      return error("GeneralException", MESSAGES.noRoute, 404);
    }

    const failure = switches.failures.find((f) => f.path === undefined || path.startsWith(f.path));
    if (failure !== undefined) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) switches.failures.splice(switches.failures.indexOf(failure), 1);
      if (failure.status === 429) counters.rateLimited += 1;
      if (failure.body !== undefined) {
        return new Response(failure.body, { status: failure.status, headers: { "Content-Type": "text/html" } });
      }
      return error(failure.errorType ?? "GeneralException", failure.message ?? "Injected failure", failure.status);
    }
    if (isQuote && switches.force429 > 0) {
      switches.force429 -= 1;
      return tooMany();
    }

    if (isLogin) return login(url);
    if (isSession) return sessionToken(req);
    const denied = authorise(req);
    if (denied !== undefined) return denied;
    if (isQuote) {
      if (switches.rateLimit && !admitQuote()) return tooMany();
      return quotes(path, url);
    }
    if (isProfile) return json(200, successBody(profileData(user)));
    return instruments(dump![1]);
  }

  const ticker = createFakeTicker({ apiKey, market, validToken: (t) => sessions.has(t) });
  const server = Bun.serve<unknown, never>({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req, srv) => {
      if (req.headers.get("upgrade")?.toLowerCase() === "websocket") return ticker.upgrade(req, srv);
      return handle(req);
    },
    websocket: ticker.websocket as never,
  });
  const url = `http://127.0.0.1:${server.port}`;

  return {
    url,
    loginUrl: `${url}/connect/login`,
    apiKey,
    apiSecret,
    market,
    ticker,
    wsUrl: `ws://127.0.0.1:${server.port}/`,
    switches,
    get counters() {
      return counters;
    },
    issueRequestToken,
    createSession,
    expireTokens: () => sessions.clear(),
    resetCounters() {
      counters = freshCounters();
    },
    async close() {
      ticker.stop();
      await server.stop(true);
    },
  };
}
