/** The `provider` group (always on): every Provider call, timed by the instrumented wrapper. */
import { describe, SECONDS_BUCKETS } from "../types.ts";

const m = describe("provider");

/** Provider contract methods, as `endpoint` label values. */
export const PROVIDER_ENDPOINTS = ["open", "list_expiries", "instruments", "spot", "quotes", "close"] as const;
export type ProviderEndpoint = (typeof PROVIDER_ENDPOINTS)[number];

export const PROVIDER_METRICS = {
  requests: m("counter", "g6_provider_requests_total", "Provider calls by endpoint and result (ok, error).", ["endpoint", "result"]),
  latency: m("histogram", "g6_provider_request_duration_seconds", "Provider call latency.", ["endpoint"], SECONDS_BUCKETS),
  rateLimited: m("counter", "g6_provider_rate_limit_waits_total", "Calls refused by the provider's rate limit (each one a wait before the next try).", ["endpoint"]),
  errors: m("counter", "g6_provider_errors_total", "Provider call failures by error code.", ["endpoint", "code"]),
  open: m("gauge", "g6_provider_open", "1 while the provider is opened (connected and authenticated), else 0."),
  skew: m("gauge", "g6_provider_snapshot_skew_seconds", "Last cycle's spread between its first and last quote time (NaN when no quote carried a time)."),
  age: m("gauge", "g6_provider_data_age_seconds", "Age of the last cycle's oldest quote when it was collected (NaN when no quote carried a time)."),
} as const;

/**
 * A streaming provider's figures (provider.kite.mode "stream"): registered only when the
 * provider streams, so they are not in the always-on estimate of the cardinality guard (a few
 * series per index).
 */
export const STREAM_METRICS = {
  fallback: m("gauge", "g6_provider_stream_fallback", "1 when streaming could not be established and the provider polls REST instead, else 0."),
  connections: m("gauge", "g6_provider_stream_connections", "Ticker connections open."),
  subscribed: m("gauge", "g6_provider_stream_subscribed", "Instruments subscribed on the ticker."),
  tickAge: m("gauge", "g6_provider_stream_tick_age_seconds", "Per index, at the end of the last cycle: age of the newest and the oldest tick of its legs (edge newest, oldest; NaN when none ticked).", ["index", "edge"]),
  neverTicked: m("gauge", "g6_provider_stream_never_ticked_legs", "Per index: legs with no tick since their subscription (seeded from /quote, or missing).", ["index"]),
  reconnects: m("counter", "g6_provider_stream_reconnects_total", "Ticker reconnection attempts."),
  stalls: m("counter", "g6_provider_stream_stalls_total", "Ticker connections closed for silence beyond provider.kite.stream.silence_ms."),
  errorFrames: m("counter", "g6_provider_stream_error_frames_total", "Ticker `error` text frames (and text frames that could not be read)."),
  packets: m("counter", "g6_provider_stream_packets_total", "Tick packets decoded."),
} as const;
