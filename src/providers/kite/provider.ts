/**
 * The Kite Connect REST provider: the Provider contract over G6's Kite client (client.ts), the
 * day's instrument catalog (instruments.ts, cached per day by cache.ts) and the /quote mapping
 * (quote.ts). It fetches and classifies; pacing (1 quote request a second, spots included),
 * chunking (500 keys), deadlines, retries and the auth-failed state are the running
 * provider's (src/engine/running-provider.ts), driven by the capabilities declared here.
 *
 * Decisions:
 * - open(): validates the access token with GET /user/profile (a refusal is `auth`), then loads
 *   the current dump day's NSE, BSE, NFO and BFO dumps from the cache, downloading (and caching)
 *   those missing, concurrently, and resolves each enabled index's spot symbol (a symbol not listed is a
 *   `config` error naming the close matches).
 * - The catalog is one dump day's. Every call first checks the dump day of the wall clock (see
 *   cache.ts); on a new one the next call loads the new dumps, so a long-running service crosses
 *   days without a restart. Concurrent calls share one load.
 * - The access token is read through `accessToken()` at every request (the running config, which
 *   a reload of the secrets file updates), and a known expiry (`access_token_expires_at`) that
 *   has passed fails a call as `auth` without calling Kite.
 * - Quote keys of a batch are built once per batch (WeakMap) from the catalog: a leg whose strike
 *   is not listed has no key and is never asked for (it stays NaN, as does a key Kite leaves out
 *   of `data`). The counts of absent, unlisted and zero-price legs are kept in `stats`.
 * - The snapshot instant `at` is the engine's (the scheduled tick); the quotes' own times go into
 *   the batch's `quoteTime`, from which the engine measures data age and snapshot skew.
 */
import type { ChainBatch } from "../../chain/batch.ts";
import { type Instrument, type LegRange, type Provider, ProviderError, type QuoteReport, type SpotQuote } from "../../contracts/index.ts";
import type { IndexName } from "../../market/indices.ts";
import { isIndexName } from "../../market/indices.ts";
import { dumpDay, pruneDumpDays, readCachedDump, writeCachedDump } from "./cache.ts";
import { createKiteClient, QUOTE_KEYS_PER_REQUEST, QUOTE_REQUESTS_PER_SECOND, type KiteClient } from "./client.ts";
import { buildCatalog, contractsOf, type Dumps, type KiteCatalog, parseInstrumentDump, quoteKeysFor } from "./instruments.ts";
import { KITE_EXCHANGES, type KiteExchange } from "./protocol.ts";
import { parseQuoteBody, spotQuotes, writeQuotes } from "./quote.ts";

export type KiteProviderOptions = {
  restUrl: string;
  apiKey: string;
  /** The access token in force (read at each request). */
  accessToken: () => string | undefined;
  /** When the access token expires, epoch ms (NaN: unknown); read at each request. */
  accessTokenExpiresAt: () => number;
  timeoutMs: number;
  instrumentsTimeoutMs: number;
  /** IST HH:MM after which the day's dumps are current. */
  instrumentsRefresh: string;
  /** Day folders of dumps kept in the cache (older ones are removed after a day's dumps are downloaded); default 5. */
  instrumentsKeepDays?: number;
  /** Where a cache prune that failed is reported (once per new message). */
  warn?: (message: string) => void;
  /** The data directory (the dump cache is under `<dataDir>/kite/instruments/`). */
  dataDir: string;
  /** Indices to catalog (the enabled ones). */
  indices: readonly IndexName[];
  /** Spot symbol per index (Kite notation). */
  spotSymbols: Partial<Record<IndexName, string>>;
  /** Wall clock, epoch ms. */
  now: () => number;
  fetch?: typeof fetch;
};

/** What the provider counted since it was built. */
export type KiteProviderStats = {
  /** Dumps downloaded and dumps read from the cache. */
  dumpsDownloaded: number;
  dumpsFromCache: number;
  /** Dump rows left out (malformed) in the current catalog. */
  dumpIssues: number;
  /** Legs asked for and absent from `data`; legs with no listed contract; zero-price legs with no trade. */
  absent: number;
  unlisted: number;
  noTrade: number;
  badValues: number;
};

export type KiteProvider = Provider & {
  readonly stats: Readonly<KiteProviderStats>;
  /** The dump day of the catalog in use ("" before open). */
  readonly catalogDay: string;
  /** The catalog of the current dump day (loaded when the day changed). */
  catalog(signal?: AbortSignal): Promise<KiteCatalog>;
};

/** Fails as `auth` (without calling Kite) when the token is missing or known to have expired. */
export function checkAccessToken(opts: Pick<KiteProviderOptions, "accessToken" | "accessTokenExpiresAt" | "now">): void {
  const token = opts.accessToken();
  if (token === undefined || token === "") throw new ProviderError("auth", "kite: no access token; run `g6 kite login`");
  const expires = opts.accessTokenExpiresAt();
  if (expires <= opts.now()) {
    throw new ProviderError("auth", `kite: the access token expired at ${new Date(expires).toISOString()}; run \`g6 kite login\``);
  }
}

export function createKiteProvider(opts: KiteProviderOptions): KiteProvider {
  const accessToken = () => opts.accessToken();
  const client: KiteClient = createKiteClient({ restUrl: opts.restUrl, apiKey: opts.apiKey, accessToken, timeoutMs: opts.timeoutMs, fetch: opts.fetch });
  const dumpClient: KiteClient = createKiteClient({ restUrl: opts.restUrl, apiKey: opts.apiKey, accessToken, timeoutMs: opts.instrumentsTimeoutMs, fetch: opts.fetch });
  const stats: KiteProviderStats = { dumpsDownloaded: 0, dumpsFromCache: 0, dumpIssues: 0, absent: 0, unlisted: 0, noTrade: 0, badValues: 0 };
  let catalog: KiteCatalog | null = null;
  let catalogDay = "";
  let loading: Promise<KiteCatalog> | null = null;
  let keysOf = new WeakMap<ChainBatch, (string | undefined)[]>();
  let lastPruneFailure: string | null = null;

  const checkToken = () => checkAccessToken(opts);

  async function loadCatalog(day: string, signal?: AbortSignal): Promise<KiteCatalog> {
    const dumps: Dumps = {};
    const downloadedBefore = stats.dumpsDownloaded;
    // The four dumps load concurrently (Kite allows 10 non-quote requests a second): one
    // call's deadline covers them all.
    await Promise.all(
      KITE_EXCHANGES.map(async (exchange) => {
        const cached = readCachedDump(opts.dataDir, day, exchange);
        if (cached !== null) {
          try {
            dumps[exchange] = parseInstrumentDump(cached, exchange);
            stats.dumpsFromCache++;
            return;
          } catch {
            // not a dump: download it again
          }
        }
        const text = await dumpClient.instrumentsCsv(exchange as KiteExchange, signal);
        dumps[exchange] = parseInstrumentDump(text, exchange);
        stats.dumpsDownloaded++;
        writeCachedDump(opts.dataDir, day, exchange, text);
      }),
    );
    if (stats.dumpsDownloaded > downloadedBefore) {
      const { failure } = pruneDumpDays(opts.dataDir, opts.instrumentsKeepDays ?? 5);
      if (failure !== null && failure !== lastPruneFailure) opts.warn?.(`kite: old instrument dumps not removed: ${failure}`);
      lastPruneFailure = failure;
    }
    let built: KiteCatalog;
    try {
      built = buildCatalog(dumps, { indices: opts.indices, spotSymbols: opts.spotSymbols });
    } catch (err) {
      // A spot symbol not listed: name the setting to fix.
      if (err instanceof ProviderError && err.code === "config") throw new ProviderError("config", `provider.kite.spot_symbols: ${err.message}`);
      throw err;
    }
    stats.dumpIssues = built.issues.length;
    return built;
  }

  /** The catalog of the current dump day, loading it when the day changed (one load at a time). */
  async function current(signal?: AbortSignal): Promise<KiteCatalog> {
    const day = dumpDay(opts.now(), opts.instrumentsRefresh);
    if (catalog !== null && day === catalogDay) return catalog;
    loading ??= loadCatalog(day, signal)
      .then((c) => {
        catalog = c;
        catalogDay = day;
        keysOf = new WeakMap();
        return c;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  async function quoteData(keys: string[], source: string, signal?: AbortSignal) {
    checkToken();
    return parseQuoteBody(await client.quoteText(keys, signal), source);
  }

  return {
    name: "kite",
    capabilities: { quoteRequestsPerSecond: QUOTE_REQUESTS_PER_SECOND, legsPerRequest: QUOTE_KEYS_PER_REQUEST, ladderFromListing: true },
    get stats() {
      return stats;
    },
    get catalogDay() {
      return catalogDay;
    },
    catalog: current,
    async open(signal) {
      checkToken();
      await client.profile(signal);
      await current(signal);
    },
    async listExpiries(index, today, signal) {
      if (!isIndexName(index)) return [];
      const c = await current(signal);
      return (c.indices.get(index)?.expiries ?? []).filter((e) => e >= today);
    },
    async instruments(index, expiry, signal): Promise<Instrument[]> {
      if (!isIndexName(index)) return [];
      return contractsOf(await current(signal), index, expiry);
    },
    async spot(indices, _at, signal): Promise<SpotQuote[]> {
      const c = await current(signal);
      const keys: [string, string][] = [];
      for (const index of indices) {
        const s = isIndexName(index) ? c.spots.get(index) : undefined;
        if (s) keys.push([index, s.quoteKey]);
      }
      if (keys.length === 0) return [];
      const data = await quoteData(
        keys.map(([, k]) => k),
        `quote spots (${keys.length} keys)`,
        signal,
      );
      const report = spotQuotes(data, keys);
      stats.badValues += report.badValues;
      return report.quotes;
    },
    async quotes(batch, _at, range?: LegRange, signal?): Promise<QuoteReport> {
      const c = await current(signal);
      let keys = keysOf.get(batch);
      if (!keys) keysOf.set(batch, (keys = quoteKeysFor(batch, c)));
      const r = range ?? { start: 0, end: batch.legs };
      const asked: string[] = [];
      for (let leg = r.start; leg < r.end; leg++) {
        const k = keys[leg];
        if (k !== undefined) asked.push(k);
      }
      if (asked.length > QUOTE_KEYS_PER_REQUEST) {
        throw new ProviderError("fatal", `kite: a quote request of ${asked.length} keys (at most ${QUOTE_KEYS_PER_REQUEST}): the engine must chunk`);
      }
      const data = asked.length ? await quoteData(asked, `quote legs ${r.start}–${r.end - 1} (${asked.length} keys)`, signal) : {};
      const w = writeQuotes(batch, data, keys, r);
      stats.absent += w.absent;
      stats.unlisted += w.unkeyed;
      stats.noTrade += w.noTrade;
      stats.badValues += w.badValues;
      return { returned: w.returned, requests: asked.length ? 1 : 0 };
    },
    async close() {
      // REST holds no connection; the catalog stays for a reopen.
    },
  };
}
