/**
 * The Kite Connect provider's settings (`provider.kite`): its own strict schema, composed into
 * the root schema by src/config/providers.ts. Imports only the field builders and low modules.
 *
 * Decisions:
 * - `api_secret` and `access_token` are secrets (environment or secrets file only, never
 *   printed). `access_token` and `access_token_expires_at` are reloadable: `g6 kite login`
 *   rewrites them in the secrets file each morning and a running engine picks them up (on
 *   SIGHUP, and when it sees the secrets file change) without a restart.
 * - `access_token_expires_at` is not secret (a time) but lives in the secrets file beside the
 *   token it describes (`secretsFile`), so it is allowed there and shown as is.
 * - URLs are settings so a fake server can stand in; the redirect URL must be loopback http
 *   (the login callback server listens on this machine only).
 */
import * as v from "valibot";
import { field, group } from "../../config/fields.ts";

const ClockTime = v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time HH:MM (24 h)"));

/** An absolute URL with one of `protocols` (e.g. "http:"), described as `what`. */
const urlOf = (protocols: readonly string[], what: string) =>
  v.pipe(
    v.string(),
    v.check((s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    }, what),
  );
const HttpUrl = urlOf(["http:", "https:"], "an http(s) URL");
const WsUrl = urlOf(["ws:", "wss:"], "a ws(s) URL");

/** True for an http URL on a loopback host (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHttp(s: string): boolean {
  try {
    const u = new URL(s);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    return u.protocol === "http:" && (host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host));
  } catch {
    return false;
  }
}

/** An ISO 8601 time with a zone (what `g6 kite login` writes), e.g. 2026-11-27T06:00:00+05:30. */
const IsoInstant = v.pipe(
  v.string(),
  v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, "an ISO time with a zone, e.g. 2026-11-27T06:00:00+05:30"),
  v.check((s) => !Number.isNaN(Date.parse(s)), "a real time"),
);

const spot = (fallback: string, index: string) =>
  field(v.pipe(v.string(), v.regex(/^(NSE|BSE):\S.*$/, 'Kite notation "NSE:<symbol>" or "BSE:<symbol>"')), fallback, `Spot instrument of ${index}, checked against the day's NSE/BSE instrument dump at start (a symbol not listed is an error listing the close matches).`);

/** The `provider.kite` group. */
export const KiteSettings = group(
  {
    api_key: field(v.nullable(v.pipe(v.string(), v.minLength(1))), null, "The Kite Connect app's API key (not secret; it is part of the login URL). Required with provider.kind \"kite\"."),
    api_secret: field(v.nullable(v.pipe(v.string(), v.minLength(1))), null, "The Kite Connect app's API secret, used only by `g6 kite login`. Set it with G6_PROVIDER__KITE__API_SECRET or in the secrets file.", { secret: true }),
    access_token: field(
      v.nullable(v.pipe(v.string(), v.minLength(1))),
      null,
      "The day's access token, written to the secrets file by `g6 kite login` (or G6_PROVIDER__KITE__ACCESS_TOKEN, which then wins over the file). A running engine picks up a new one without a restart.",
      { secret: true, reloadable: true },
    ),
    access_token_expires_at: field(
      v.nullable(IsoInstant),
      null,
      "When the access token expires (06:00 IST the day after the login), written by `g6 kite login`. Past it the engine stops calling Kite and waits for a new token. null: unknown (Kite's refusal tells).",
      { secretsFile: true, reloadable: true },
    ),
    rest_url: field(HttpUrl, "https://api.kite.trade", "REST API root."),
    login_url: field(HttpUrl, "https://kite.zerodha.com/connect/login", "Login page (opened in a browser by `g6 kite login`)."),
    ws_url: field(WsUrl, "wss://ws.kite.trade", "WebSocket ticker URL (streaming)."),
    mode: field(
      v.picklist(["rest", "stream"]),
      "rest",
      'How quotes are collected: "rest" polls /quote each cycle (500 legs a request, 1 request a second); "stream" keeps a live table of the WebSocket ticker\'s last ticks (up to 9,000 instruments) and copies it at each cycle.',
    ),
    stream: group(
      {
        margin_strikes: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)), 5, "Listed strikes subscribed beyond each side of a ladder, so the strikes a moved ATM needs are ticking before they are collected (dropped when the plan would pass 9,000 instruments)."),
        silence_ms: field(v.pipe(v.number(), v.integer(), v.minValue(500), v.maxValue(600_000)), 10_000, "A ticker connection silent this long (Kite sends a heartbeat every couple of seconds) is closed and reopened.", { unit: "milliseconds" }),
        backoff_base_ms: field(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(60_000)), 1000, "First wait before reconnecting a lost ticker connection; doubles each failed attempt, with jitter.", { unit: "milliseconds" }),
        backoff_max_ms: field(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(600_000)), 30_000, "Longest wait between reconnection attempts.", { unit: "milliseconds" }),
        connect_timeout_ms: field(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000)), 10_000, "Deadline for the ticker's connections to open at start.", { unit: "milliseconds" }),
        fallback_to_rest: field(v.boolean(), false, "When the ticker cannot be established at start (refused, unreachable), poll REST instead (logged, shown in /status and g6_provider_stream_fallback) until the ticker, retrying in the background every backoff_max_ms at most, connects again; false: the start fails."),
      },
      'Streaming (provider.kite.mode "stream").',
    ),
    redirect_url: field(
      v.pipe(v.string(), v.check(isLoopbackHttp, "a loopback http URL, e.g. http://127.0.0.1:5010/g6/kite/callback")),
      "http://127.0.0.1:5010/g6/kite/callback",
      "The Kite app's registered redirect URL, where `g6 kite login` listens for the request token (loopback http only).",
    ),
    timeout_ms: field(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000)), 7000, "Deadline of one REST request (profile, quotes).", {
      unit: "milliseconds",
    }),
    instruments_timeout_ms: field(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(600_000)), 60_000, "Deadline of one instrument dump download (a few MB).", {
      unit: "milliseconds",
    }),
    instruments_refresh: field(ClockTime, "08:30", "IST time after which the day's instrument dumps are downloaded (the exchanges publish them in the morning); a running engine switches to the new dumps at the first cycle after it.", {
      unit: "HH:MM IST",
    }),
    instruments_keep_days: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650)), 5, "Days of instrument dumps kept in the cache under <data_dir>/kite/instruments/ (a dump day is 5–10 MB); older day folders are removed after a new day's dumps are downloaded. Recorded data never needs them.", {
      unit: "days",
    }),
    spot_symbols: group(
      {
        NIFTY: spot("NSE:NIFTY 50", "NIFTY"),
        BANKNIFTY: spot("NSE:NIFTY BANK", "BANKNIFTY"),
        FINNIFTY: spot("NSE:NIFTY FIN SERVICE", "FINNIFTY"),
        MIDCPNIFTY: spot("NSE:NIFTY MID SELECT", "MIDCPNIFTY"),
        SENSEX: spot("BSE:SENSEX", "SENSEX"),
      },
      "Spot instrument of each index (Kite notation).",
    ),
  },
  "Zerodha Kite Connect provider (REST polling or WebSocket streaming).",
);
