/**
 * The Kite Connect provider's factory: the REST provider on the wall snapshot clock, following
 * the real market hours. It refuses to build without an API key or an access token (a
 * ConfigError saying to run `g6 kite login`), reads the token and its expiry from the running
 * config at every request (so a reloaded secrets file takes effect without a restart), and
 * fingerprints the token for the engine (MadeProvider.credentials).
 *
 * The plan estimate is exact for ladder mode: (strikes below + above + 1) × 2 legs for each
 * configured expiry selector of each enabled index (two selectors naming the same expiry count
 * twice: an upper bound). Universe mode is refused: every listed strike of every expiry is far
 * beyond what 1 quote request a second carries (docs/ARCHITECTURE.md, Kite Connect provider).
 * In stream mode the instruments to watch (the legs, `stream.margin_strikes` listed strikes
 * beyond each side of every ladder, and the spots) must fit Kite's 9,000 (3 connections of 3,000
 * tokens); a plan whose legs and spots alone exceed it is refused, naming the limit.
 */
import { createHash } from "node:crypto";
import { ConfigError } from "../../config/errors.ts";
import type { G6Config } from "../../config/schema.ts";
import { INDEX_NAMES, type IndexName } from "../../market/indices.ts";
import type { PlanEstimate, ProviderFactory } from "../registry.ts";
import { createWallClock } from "../wall-clock.ts";
import { createKiteProvider } from "./provider.ts";
import { createKiteStreamProvider } from "./stream.ts";
import { MAX_STREAM_TOKENS } from "./ticker.ts";

const enabled = (config: Readonly<G6Config>): IndexName[] => INDEX_NAMES.filter((i) => config.indices[i].enabled);

/** The Kite plan's size from config (ladder mode only). */
export function kitePlanEstimate(config: Readonly<G6Config>): PlanEstimate {
  if (config.collection_mode === "universe") {
    throw new ConfigError([
      'collection_mode: "universe" cannot be served by Kite Connect REST (every listed strike of every expiry, tens of thousands of legs, at 500 legs per quote request and 1 request a second); use "ladder" with fewer strikes, or streaming',
    ]);
  }
  let legs = 0;
  let margin = 0;
  const indices = enabled(config);
  for (const index of indices) {
    const rule = config.indices[index];
    legs += rule.expiries.length * (rule.strikes_below + rule.strikes_above + 1) * 2;
    margin += rule.expiries.length * 2 * config.provider.kite.stream.margin_strikes * 2;
  }
  if (config.provider.kite.mode === "stream" && legs + indices.length > MAX_STREAM_TOKENS) {
    throw new ConfigError([
      `provider.kite.mode: "stream" watches at most ${MAX_STREAM_TOKENS} instruments (Kite's 3 connections of 3000 tokens); this plan needs ${legs} legs and ${indices.length} index spots (${legs + indices.length}, ${legs + indices.length + margin} with provider.kite.stream.margin_strikes): collect fewer strikes or expiries`,
    ]);
  }
  return { legs, planned: [] };
}

export const kiteProviderFactory: ProviderFactory = {
  kind: "kite",
  estimate: kitePlanEstimate,
  create({ config, now, intervalMs, currentConfig, log }) {
    const k = config.provider.kite;
    const problems: string[] = [];
    if (k.api_key === null) problems.push("provider.kite.api_key: not set; the Kite Connect app's API key is required with provider.kind \"kite\"");
    if (k.access_token === null) {
      problems.push("provider.kite.access_token: not set; run `g6 kite login` (it stores the day's token in the secrets file), or set G6_PROVIDER__KITE__ACCESS_TOKEN");
    }
    if (problems.length) throw new ConfigError(problems);
    const running = () => (currentConfig ?? (() => config))().provider.kite;
    const options = {
      restUrl: k.rest_url,
      apiKey: k.api_key!,
      accessToken: () => running().access_token ?? undefined,
      accessTokenExpiresAt: () => {
        const at = running().access_token_expires_at;
        return at === null ? Number.NaN : Date.parse(at);
      },
      timeoutMs: k.timeout_ms,
      instrumentsTimeoutMs: k.instruments_timeout_ms,
      instrumentsRefresh: k.instruments_refresh,
      instrumentsKeepDays: k.instruments_keep_days,
      warn: log ? (message: string) => log.warn(message) : undefined,
      dataDir: config.storage.data_dir,
      indices: enabled(config),
      spotSymbols: k.spot_symbols,
      now,
    };
    const st = k.stream;
    const streaming =
      k.mode === "stream"
        ? createKiteStreamProvider(options, {
            wsUrl: k.ws_url,
            marginStrikes: st.margin_strikes,
            silenceMs: st.silence_ms,
            backoffBaseMs: st.backoff_base_ms,
            backoffMaxMs: st.backoff_max_ms,
            connectTimeoutMs: st.connect_timeout_ms,
            fallbackToRest: st.fallback_to_rest,
            ...(log ? { log } : {}),
          })
        : null;
    const provider = streaming ?? createKiteProvider(options);
    return {
      provider,
      ...(streaming ? { health: (at: number) => streaming.health(at) } : {}),
      snapshotClock: createWallClock({ now, intervalMs }),
      market: "wall",
      credentials: () => createHash("sha256").update(running().access_token ?? "").digest("hex"),
    };
  },
};
