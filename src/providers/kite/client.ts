/**
 * The Kite Connect REST client of G6: a thin, typed layer over `fetch` for the few endpoints G6
 * uses (session token exchange, profile, instrument dumps, full quotes). It only speaks HTTP and
 * classifies failures; parsing the instrument CSV and the quote JSON belongs to
 * `instruments.ts` and `quote.ts`, so `quoteText` hands back the raw body (parse CPU is measured
 * apart from network time).
 *
 * Decisions:
 * - Our own client, not the official `kiteconnect` package, at run time. That package parses
 *   Kite's naive IST timestamps ("2026-01-05 09:15:00") in the process time zone (wrong on any
 *   host not set to IST), hides the HTTP status of errors behind a rejected plain object, and its
 *   ticker calls `process.exit`. It stays a dev dependency: the oracle that proves G6's fake Kite
 *   server (test/fakes/kite/) speaks the real protocol.
 * - Every request carries `X-Kite-Version: 3` and, once logged in, `Authorization: token
 *   api_key:access_token`; the access token is read through a function at each call, so a new
 *   login takes effect without rebuilding the client.
 * - Every request has a deadline: the caller's signal and the client's `timeoutMs`, combined
 *   with `AbortSignal.any`; the body is read under the same deadline.
 * - Every failure is a `KiteApiError` (a `ProviderError`) carrying the HTTP status, Kite's
 *   `error_type` and the endpoint (method and path, never the query): 429 → rate_limited;
 *   TokenException → auth; PermissionException → config (the plan lacks the feature);
 *   InputException → bad_data; NetworkException, DataException, GeneralException, 5xx, time-outs
 *   and unreachable hosts → transient. Messages never carry the access token, the API secret or
 *   the request token (the server's text is scrubbed of them too).
 * - Timestamps Kite sends are naive IST; `parseIstTimestamp` (protocol.ts) reads them as IST whatever the process
 *   time zone.
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { type ErrorCode, ProviderError } from "../../contracts/errors.ts";
import { DAY_MS, IST_OFFSET_MS, istDayNumber } from "../../market/ist.ts";
import { errorCodeOf, KITE_EXCHANGES, type KiteExchange, parseIstTimestamp } from "./protocol.ts";

export { errorCodeOf, KITE_EXCHANGES, type KiteExchange } from "./protocol.ts";

/** The production REST root. */
export const KITE_REST_URL = "https://api.kite.trade";
/** The production login page (a browser opens it; Kite redirects to the app with a request token). */
export const KITE_LOGIN_URL = "https://kite.zerodha.com/connect/login";
/** Keys one full-quote request (GET /quote) may carry. */
export const QUOTE_KEYS_PER_REQUEST = 500;
/** Requests per second the whole quote family (/quote, /quote/ltp, /quote/ohlc) shares. */
export const QUOTE_REQUESTS_PER_SECOND = 1;
/** The official clients' request time-out, ms. */
export const KITE_DEFAULT_TIMEOUT_MS = 7000;

/** The quote key of an instrument: "EXCHANGE:TRADINGSYMBOL", e.g. "NFO:NIFTY25D0924000CE", "NSE:NIFTY 50". */
export function quoteKey(exchange: string, tradingsymbol: string): string {
  return `${exchange}:${tradingsymbol}`;
}

/** The login page URL for an API key (`v=3`). */
export function loginUrl(apiKey: string, base: string = KITE_LOGIN_URL): string {
  return `${base}?v=3&api_key=${encodeURIComponent(apiKey)}`;
}

/** The session checksum: hex SHA-256 of api_key + request_token + api_secret. */
export function sessionChecksum(apiKey: string, requestToken: string, apiSecret: string): string {
  return createHash("sha256").update(apiKey + requestToken + apiSecret).digest("hex");
}

/** When an access token issued at `loginTime` (epoch ms) expires: 06:00 IST the next day. */
export function accessTokenExpiry(loginTime: number): number {
  const sixAm = 6 * 3_600_000;
  // The 06:00 IST after loginTime: of the IST day containing loginTime − 6 h, plus one day.
  return (istDayNumber(loginTime - sixAm) + 1) * DAY_MS + sixAm - IST_OFFSET_MS;
}

/** A failed Kite request: the bounded code plus what the server said. */
export class KiteApiError extends ProviderError {
  constructor(
    code: ErrorCode,
    message: string,
    /** "GET /quote": method and path, never the query. */
    readonly endpoint: string,
    /** HTTP status, undefined when no answer came (time-out, unreachable). */
    readonly status?: number,
    /** Kite's `error_type` (e.g. "TokenException"), when the body carried one. */
    readonly errorType?: string,
  ) {
    super(code, message);
    this.name = "KiteApiError";
  }
}

/** What each code means to the operator, appended to the server's message. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  auth: "the access token is invalid or expired: log in again",
  config: "check the Kite Connect plan and the REST URL",
  rate_limited: "rate limit exceeded",
};

export type KiteSession = {
  accessToken: string;
  userId: string;
  userName?: string;
  /** Epoch ms of the login (Kite's naive IST `login_time`); absent when not sent. */
  loginTime?: number;
  publicToken?: string;
};

export type KiteProfile = {
  userId: string;
  userName: string;
  userShortname?: string;
  email?: string;
  broker?: string;
  exchanges: string[];
  products: string[];
};

export type KiteClientOptions = {
  /** REST root, e.g. https://api.kite.trade (no trailing slash needed). */
  restUrl: string;
  apiKey: string;
  /** The current access token (read at each call); undefined before login. */
  accessToken: () => string | undefined;
  /** Deadline of each request, ms. */
  timeoutMs: number;
  fetch?: typeof fetch;
};

export type KiteClient = {
  /** POST /session/token: exchanges a login's request token for an access token. */
  exchangeRequestToken(requestToken: string, apiSecret: string, signal?: AbortSignal): Promise<KiteSession>;
  /** GET /user/profile: validates the access token. */
  profile(signal?: AbortSignal): Promise<KiteProfile>;
  /** GET /instruments/{exchange}: the day's instrument dump as CSV text (gunzipped). */
  instrumentsCsv(exchange: KiteExchange, signal?: AbortSignal): Promise<string>;
  /** GET /quote?i=…: the raw 200 body of a full-quote request of up to 500 keys. */
  quoteText(keys: readonly string[], signal?: AbortSignal): Promise<string>;
};

type Call = {
  method: "GET" | "POST";
  path: string;
  query?: URLSearchParams;
  form?: URLSearchParams;
  auth: boolean;
  signal?: AbortSignal;
  /** Extra strings to keep out of messages (e.g. the API secret). */
  secrets?: readonly string[];
};

/** Replaces every secret in `text` with "***". */
function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s !== undefined && s.length >= 4) out = out.split(s).join("***");
  return out;
}

/** A short one-line excerpt of a body that is not Kite's JSON envelope. */
function excerpt(body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

export function createKiteClient(opts: KiteClientOptions): KiteClient {
  const doFetch = opts.fetch ?? fetch;
  const root = opts.restUrl.replace(/\/+$/, "");
  const host = (() => {
    try {
      return new URL(root).host;
    } catch {
      return root;
    }
  })();

  async function request(call: Call): Promise<Uint8Array> {
    const endpoint = `${call.method} ${call.path}`;
    const token = call.auth ? opts.accessToken() : undefined;
    const secrets = [token, ...(call.secrets ?? [])];
    const fail = (code: ErrorCode, what: string, status?: number, errorType?: string): KiteApiError =>
      new KiteApiError(code, scrub(`Kite ${endpoint}: ${what}`, secrets), endpoint, status, errorType);
    if (call.auth && (token === undefined || token === "")) {
      throw fail("auth", "no access token: log in first");
    }
    const headers: Record<string, string> = { "X-Kite-Version": "3" };
    if (token !== undefined) headers.Authorization = `token ${opts.apiKey}:${token}`;
    if (call.form) headers["Content-Type"] = "application/x-www-form-urlencoded";
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const url = root + call.path + (call.query ? `?${call.query}` : "");
    const aborted = (): KiteApiError =>
      call.signal?.aborted
        ? fail("transient", "aborted by the caller")
        : fail("transient", `no answer within ${opts.timeoutMs} ms`);

    let res: Response;
    let body: Uint8Array;
    try {
      res = await doFetch(url, { method: call.method, headers, body: call.form?.toString(), signal, redirect: "manual" });
      body = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      if (signal.aborted) throw aborted();
      const why = err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err);
      throw fail("transient", `cannot reach ${host} (${why})`);
    }
    if (res.status >= 200 && res.status < 300) return body;

    const text = new TextDecoder().decode(body);
    let envelope: { message?: unknown; error_type?: unknown } | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === "object") envelope = parsed as typeof envelope;
    } catch {
      envelope = undefined;
    }
    const errorType = typeof envelope?.error_type === "string" ? envelope.error_type : undefined;
    const code = errorCodeOf(res.status, errorType);
    const said =
      typeof envelope?.message === "string"
        ? envelope.message
        : `${res.statusText || "error"} (non-JSON body: ${excerpt(text) || "empty"})`;
    const hint = errorType === "PermissionException" ? "the Kite Connect plan lacks this feature" : HINTS[code];
    const what = `${res.status}${errorType ? ` ${errorType}` : ""}: ${said}${hint ? ` (${hint})` : ""}`;
    throw fail(code, what, res.status, errorType);
  }

  /** The `data` object of a JSON success envelope; bad_data when the body is not one. */
  function dataOf(bytes: Uint8Array, endpoint: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new KiteApiError("bad_data", `Kite ${endpoint}: the answer is not JSON`, endpoint, 200);
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (data === null || typeof data !== "object") {
      throw new KiteApiError("bad_data", `Kite ${endpoint}: the answer has no data object`, endpoint, 200);
    }
    return data as Record<string, unknown>;
  }

  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

  return {
    async exchangeRequestToken(requestToken, apiSecret, signal) {
      const form = new URLSearchParams({
        api_key: opts.apiKey,
        request_token: requestToken,
        checksum: sessionChecksum(opts.apiKey, requestToken, apiSecret),
      });
      const endpoint = "POST /session/token";
      const secrets = [apiSecret, requestToken];
      const bytes = await request({ method: "POST", path: "/session/token", form, auth: false, signal, secrets });
      const data = dataOf(bytes, endpoint);
      const accessToken = str(data.access_token);
      const userId = str(data.user_id);
      if (accessToken === undefined || userId === undefined) {
        throw new KiteApiError("bad_data", `Kite ${endpoint}: the answer lacks access_token or user_id`, endpoint, 200);
      }
      const loginTime = parseIstTimestamp(str(data.login_time) ?? null);
      return {
        accessToken,
        userId,
        ...(str(data.user_name) !== undefined ? { userName: str(data.user_name) } : {}),
        ...(Number.isFinite(loginTime) ? { loginTime } : {}),
        ...(str(data.public_token) !== undefined ? { publicToken: str(data.public_token) } : {}),
      };
    },

    async profile(signal) {
      const endpoint = "GET /user/profile";
      const data = dataOf(await request({ method: "GET", path: "/user/profile", auth: true, signal }), endpoint);
      const userId = str(data.user_id);
      if (userId === undefined) {
        throw new KiteApiError("bad_data", `Kite ${endpoint}: the answer lacks user_id`, endpoint, 200);
      }
      const opt = (k: string, v: unknown) => (str(v) !== undefined ? { [k]: str(v) } : {});
      return {
        userId,
        userName: str(data.user_name) ?? "",
        ...opt("userShortname", data.user_shortname),
        ...opt("email", data.email),
        ...opt("broker", data.broker),
        exchanges: strs(data.exchanges),
        products: strs(data.products),
      };
    },

    async instrumentsCsv(exchange, signal) {
      if (!(KITE_EXCHANGES as readonly string[]).includes(exchange)) {
        throw new RangeError(`unknown Kite exchange "${exchange}" (expected one of ${KITE_EXCHANGES.join(", ")})`);
      }
      const path = `/instruments/${exchange}`;
      let bytes = await request({ method: "GET", path, auth: true, signal });
      // fetch undoes Content-Encoding: gzip; a body that is itself a gzip file is gunzipped here.
      if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
        try {
          bytes = gunzipSync(bytes);
        } catch (err) {
          const endpoint = `GET ${path}`;
          const why = err instanceof Error ? err.message : String(err);
          throw new KiteApiError("bad_data", `Kite ${endpoint}: the gzip body does not decompress (${why})`, endpoint, 200);
        }
      }
      return new TextDecoder().decode(bytes);
    },

    async quoteText(keys, signal) {
      if (keys.length === 0 || keys.length > QUOTE_KEYS_PER_REQUEST) {
        throw new RangeError(`a Kite quote request carries 1 to ${QUOTE_KEYS_PER_REQUEST} keys, got ${keys.length}`);
      }
      const query = new URLSearchParams();
      for (const k of keys) query.append("i", k);
      return new TextDecoder().decode(await request({ method: "GET", path: "/quote", query, auth: true, signal }));
    },
  };
}
