/**
 * The Kite Connect provider in stream mode (`provider.kite.mode: "stream"`): the listing, the
 * login check and the day's catalog are the REST provider's (provider.ts); quotes and spots come
 * from the ticker's tick table (ticker.ts, ticker-decode.ts), copied into the batch at the
 * cycle: no request per cycle, every leg as of its last tick.
 *
 * Decisions:
 * - Subscriptions follow the plan: the first `quotes` call of each new batch sets the tokens to
 *   watch: the index spots, plus, for each group, every listed contract from `margin` listed
 *   strikes below the group's lowest strike to `margin` above its highest; so when ATM moves,
 *   the strikes the next ladder needs are already ticking, and strikes that left the window are
 *   unsubscribed. A new dump day (tokens are reused by the exchanges) drops every subscription
 *   before the new day's tokens are subscribed.
 * - A leg that never ticked (and was not seeded) is missing (NaN), never filled from elsewhere.
 *   A leg's values are its last tick's, with the same missing-value rules as /quote (a zero
 *   last price, average, bid or ask is NaN); quoteTime is the tick's exchange time.
 * - Seed: a leg subscribed but with no tick yet when a cycle needs it is asked for once with
 *   REST /quote (at start that is every leg: the first snapshot is complete), at most one request
 *   per chunk of 500 legs, paced at Kite's 1 quote request a second by the provider itself (the
 *   engine does not pace a streaming provider). A tick that arrived first wins over the seed.
 * - Fallback: when the ticker cannot be established at open (refused, unreachable, 403, 429)
 *   and `fallback_to_rest` is set, the provider says so in one warning and serves every call
 *   by REST polling (paced by itself); `health()` shows it. Meanwhile the ticker keeps trying
 *   in the background with its reconnect backoff (at most `backoff_max_ms` apart; an auth
 *   refusal waits for a new token): the first call after it is connected again switches back
 *   to streaming, in one info line, and the legs without ticks yet are seeded as at a start.
 *   Without the setting, open fails with the ticker's error.
 * - Health (status and metrics): per index, the age of the newest and oldest tick of the
 *   batch's legs and the count of legs never ticked since their subscription.
 */
import type { ChainBatch } from "../../chain/batch.ts";
import { type LegRange, type Provider, type QuoteReport, type SpotQuote, type StreamHealth, type StreamIndexHealth } from "../../contracts/index.ts";
import { isIndexName, type IndexName } from "../../market/indices.ts";
import { createKiteClient, QUOTE_KEYS_PER_REQUEST } from "./client.ts";
import { contractsOf, type KiteCatalog } from "./instruments.ts";
import { checkAccessToken, createKiteProvider, type KiteProviderOptions } from "./provider.ts";
import { type KiteQuote, parseIstTimestamp, parseQuoteBody } from "./quote.ts";
import { createTicker, MAX_STREAM_TOKENS, type Ticker, type TickerLog } from "./ticker.ts";
import { createTickTable, DEPTH_LEVELS, type TickTable } from "./ticker-decode.ts";

export type KiteStreamSettings = {
  wsUrl: string;
  /** Listed strikes subscribed beyond each side of a group's ladder. */
  marginStrikes: number;
  silenceMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  connectTimeoutMs: number;
  fallbackToRest: boolean;
  log?: TickerLog;
  /** Sleeps `ms` (the seed's pacing); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called after each decoded frame (bench: frame-to-snapshot latency). */
  onFrame?: (arrivedAt: number, packets: number) => void;
};

export type KiteStreamProvider = Provider & {
  health(now: number): StreamHealth;
  /** Legs written from a /quote seed so far. */
  readonly seededLegs: number;
  readonly table: TickTable;
  readonly ticker: Ticker;
};

type BatchInfo = { tokens: Int32Array; keys: (string | undefined)[]; catalogDay: string };

const NAN = Number.NaN;
const pos = (x: number): number => (x > 0 ? x : NAN);
const num = (v: unknown): number => (typeof v === "number" && v >= 0 && Number.isFinite(v) ? v : NAN);

/** Writes a /quote full quote into `slot` as a seed (its values until the first tick). */
export function seedSlot(t: TickTable, slot: number, q: KiteQuote, at: number): void {
  t.seeded[slot] = 1;
  t.arrived[slot] = at;
  t.last[slot] = num(q.last_price);
  t.lastQty[slot] = num(q.last_quantity);
  t.avg[slot] = num(q.average_price);
  t.volume[slot] = num(q.volume);
  t.buyQty[slot] = num(q.buy_quantity);
  t.sellQty[slot] = num(q.sell_quantity);
  t.open[slot] = num(q.ohlc?.open);
  t.high[slot] = num(q.ohlc?.high);
  t.low[slot] = num(q.ohlc?.low);
  t.close[slot] = num(q.ohlc?.close);
  t.oi[slot] = num(q.oi);
  t.oiDayHigh[slot] = num(q.oi_day_high);
  t.oiDayLow[slot] = num(q.oi_day_low);
  t.exchangeTime[slot] = parseIstTimestamp(q.timestamp ?? null);
  t.lastTradeTime[slot] = parseIstTimestamp(q.last_trade_time ?? null);
  const d = slot * 2 * DEPTH_LEVELS;
  for (let i = 0; i < DEPTH_LEVELS; i++) {
    const b = q.depth?.buy?.[i];
    const s = q.depth?.sell?.[i];
    t.depthPrice[d + i] = num(b?.price);
    t.depthQty[d + i] = num(b?.quantity);
    t.depthOrders[d + i] = num(b?.orders);
    t.depthPrice[d + DEPTH_LEVELS + i] = num(s?.price);
    t.depthQty[d + DEPTH_LEVELS + i] = num(s?.quantity);
    t.depthOrders[d + DEPTH_LEVELS + i] = num(s?.orders);
  }
}

/** Whether a slot holds values (a tick or a seed). */
const hasData = (t: TickTable, s: number): boolean => t.ticks[s]! > 0 || t.seeded[s] === 1;

/**
 * Copies the tick table into the legs of `range` of `batch` (`tokens[leg]`: the leg's token, 0
 * none). Returns the legs that had values.
 */
export function snapshotLegs(t: TickTable, batch: ChainBatch, tokens: Int32Array, range: LegRange): number {
  const { last, avg, bid, ask, volume, oi, netChange, quoteTime } = batch;
  let returned = 0;
  for (let leg = range.start; leg < range.end; leg++) {
    const tok = tokens[leg]!;
    const s = tok === 0 ? undefined : t.slotOf.get(tok);
    if (s === undefined || !hasData(t, s)) {
      last[leg] = avg[leg] = bid[leg] = ask[leg] = volume[leg] = oi[leg] = netChange[leg] = quoteTime[leg] = NAN;
      continue;
    }
    returned++;
    const lp = pos(t.last[s]!);
    const d = s * 2 * DEPTH_LEVELS;
    last[leg] = lp;
    avg[leg] = pos(t.avg[s]!);
    bid[leg] = pos(t.depthPrice[d]!);
    ask[leg] = pos(t.depthPrice[d + DEPTH_LEVELS]!);
    volume[leg] = t.volume[s]!;
    oi[leg] = t.oi[s]!;
    netChange[leg] = lp - pos(t.close[s]!);
    quoteTime[leg] = t.exchangeTime[s]!;
  }
  return returned;
}

export function createKiteStreamProvider(opts: KiteProviderOptions, stream: KiteStreamSettings): KiteStreamProvider {
  const rest = createKiteProvider(opts);
  const client = createKiteClient({ restUrl: opts.restUrl, apiKey: opts.apiKey, accessToken: opts.accessToken, timeoutMs: opts.timeoutMs, fetch: opts.fetch });
  const table = createTickTable(MAX_STREAM_TOKENS);
  const ticker = createTicker({
    url: stream.wsUrl,
    apiKey: opts.apiKey,
    accessToken: opts.accessToken,
    table,
    now: opts.now,
    silenceMs: stream.silenceMs,
    backoffBaseMs: stream.backoffBaseMs,
    backoffMaxMs: stream.backoffMaxMs,
    random: stream.random,
    log: stream.log,
    onFrame: stream.onFrame,
  });
  const sleep = stream.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let infoOf = new WeakMap<ChainBatch, BatchInfo>();
  let lastBatch: { batch: ChainBatch; info: BatchInfo } | null = null;
  let fallback: string | null = null;
  let fallbackSince = 0;
  let subscribedDay = "";
  let spotTokens = new Map<IndexName, { token: number; key: string }>();
  let planTokens = new Set<number>();
  /**
   * The window of each batch a cycle asks for, by its order in the cycle (a cycle asks for its
   * ladder, then, in analytics.scope "chain", its chain legs); `planAt` is the snapshot instant
   * of the current cycle. Subscribed: every slot's latest window, so the ladder and the chain
   * legs never unsubscribe each other, and a strike that left the ladder is unsubscribed at once
   * unless the chain legs still want it.
   */
  let planAt = Number.NaN;
  let planSlot = 0;
  let windows: Set<number>[] = [];
  /** Tokens asked for by a seed already (never twice per subscription). */
  const seedTried = new Set<number>();
  let seedRequests = 0;
  let seededLegs = 0;
  let nextRequestAt = 0;

  /** The last paced request's end (settled either way): the next one starts after it. */
  let pacedTail: Promise<unknown> = Promise.resolve();

  /**
   * One /quote request paced at 1 a second (seeds and the fallback's calls). Serialised: the
   * engine does not pace a streaming provider and may ask for several chunks at once (the chain
   * legs of analytics.scope "chain" are many), so each request waits for the one before it
   * and then a second after it.
   */
  function paced<T>(call: () => Promise<T>): Promise<T> {
    const run = pacedTail.then(async () => {
      const wait = nextRequestAt - performance.now();
      if (wait > 0) await sleep(wait);
      try {
        return await call();
      } finally {
        nextRequestAt = performance.now() + 1000;
      }
    });
    pacedTail = run.catch(() => undefined);
    return run;
  }

  const checkToken = () => checkAccessToken(opts);

  /** Ticker trouble as a call's error: an auth failure stops the calls. */
  function streamCheck(): void {
    ticker.retryAuth();
    if (ticker.authFailure) throw ticker.authFailure;
  }

  /** The spot tokens of the enabled indices of `c`. */
  function spotsOf(c: KiteCatalog): Map<IndexName, { token: number; key: string }> {
    const out = new Map<IndexName, { token: number; key: string }>();
    for (const index of opts.indices) {
      const s = c.spots.get(index);
      if (s) out.set(index, { token: s.token, key: s.quoteKey });
    }
    return out;
  }

  /** Follows a new dump day: every old subscription dropped, the spots of the new day watched. */
  async function followDay(signal?: AbortSignal): Promise<KiteCatalog> {
    const c = await rest.catalog(signal);
    if (rest.catalogDay !== subscribedDay) {
      if (subscribedDay !== "") ticker.setTokens([]);
      seedTried.clear();
      subscribedDay = rest.catalogDay;
      spotTokens = spotsOf(c);
      planTokens = new Set();
      windows = [];
      planAt = Number.NaN;
      infoOf = new WeakMap();
      ticker.setTokens([...spotTokens.values()].map((s) => s.token));
    }
    return c;
  }

  /** The tokens of a batch's groups with `margin` listed strikes each side. */
  function windowTokens(batch: ChainBatch, c: KiteCatalog, margin: number): Set<number> {
    const want = new Set<number>();
    for (let g = 0; g < batch.groups; g++) {
      const contracts = contractsOf(c, batch.labels.index[g] as IndexName, batch.labels.expiry[g]!);
      if (contracts.length === 0 || batch.end[g]! <= batch.start[g]!) continue;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let leg = batch.start[g]!; leg < batch.end[g]!; leg++) {
        lo = Math.min(lo, batch.strike[leg]!);
        hi = Math.max(hi, batch.strike[leg]!);
      }
      const strikes = [...new Set(contracts.map((x) => x.strike))];
      let iLo = strikes.findIndex((k) => k >= lo);
      if (iLo < 0) iLo = strikes.length - 1;
      let iHi = strikes.length - 1;
      while (iHi > 0 && strikes[iHi]! > hi) iHi--;
      const from = strikes[Math.max(0, iLo - margin)]!;
      const to = strikes[Math.min(strikes.length - 1, iHi + margin)]!;
      for (const x of contracts) if (x.strike >= from && x.strike <= to) want.add(x.token);
    }
    return want;
  }

  function infoFor(batch: ChainBatch, c: KiteCatalog, at: number): BatchInfo {
    const have = infoOf.get(batch);
    if (have) return have;
    const tokens = new Int32Array(batch.legs);
    const keys: (string | undefined)[] = new Array(batch.legs).fill(undefined);
    for (let g = 0; g < batch.groups; g++) {
      const listed = new Map<string, { token: number; key: string }>();
      for (const x of contractsOf(c, batch.labels.index[g] as IndexName, batch.labels.expiry[g]!)) listed.set(`${x.strike}${x.isCall ? "C" : "P"}`, { token: x.token, key: x.quoteKey });
      for (let leg = batch.start[g]!; leg < batch.end[g]!; leg++) {
        const x = listed.get(`${batch.strike[leg]}${batch.isCall[leg] ? "C" : "P"}`);
        if (x) {
          tokens[leg] = x.token;
          keys[leg] = x.key;
        }
      }
    }
    const info: BatchInfo = { tokens, keys, catalogDay: rest.catalogDay };
    infoOf.set(batch, info);
    // The plan: this batch's window (with the margin while it fits) joins the cycle's.
    const first = at !== planAt;
    planSlot = first ? 0 : planSlot + 1;
    planAt = at;
    const spots = [...spotTokens.values()].map((s) => s.token);
    const others = windows.filter((_, k) => k !== planSlot);
    const plan = (margin: number) => {
      windows[planSlot] = windowTokens(batch, c, margin);
      return new Set([...spots, ...others.flatMap((w) => [...w]), ...windows[planSlot]!]);
    };
    let want = plan(stream.marginStrikes);
    if (want.size > MAX_STREAM_TOKENS) want = plan(0);
    for (const t of planTokens) if (!want.has(t)) seedTried.delete(t);
    ticker.setTokens(want);
    planTokens = want;
    // Health describes the cycle's first batch: its ladder.
    if (first) lastBatch = { batch, info };
    return info;
  }

  /** Seeds the legs of `range` that have no values yet (each token once per subscription): one paced request. */
  async function seed(info: BatchInfo, range: LegRange, signal?: AbortSignal): Promise<number> {
    const asked: string[] = [];
    const slotOfKey = new Map<string, number>();
    for (let leg = range.start; leg < range.end; leg++) {
      const tok = info.tokens[leg]!;
      if (tok === 0 || seedTried.has(tok)) continue;
      const s = table.slotOf.get(tok);
      if (s === undefined || hasData(table, s)) continue;
      seedTried.add(tok);
      asked.push(info.keys[leg]!);
      slotOfKey.set(info.keys[leg]!, s);
      if (asked.length >= QUOTE_KEYS_PER_REQUEST) break;
    }
    if (asked.length === 0) return 0;
    checkToken();
    const data = await paced(async () => parseQuoteBody(await client.quoteText(asked, signal), `quote seed (${asked.length} keys)`));
    seedRequests++;
    const at = opts.now();
    for (const [key, s] of slotOfKey) {
      const q = data[key];
      // A tick that came first is newer than the seed.
      if (q && table.ticks[s] === 0 && table.tokenOf[s] !== 0) {
        seedSlot(table, s, q, at);
        seededLegs++;
      }
    }
    return 1;
  }

  function startFallback(err: unknown): void {
    const why = err instanceof Error ? err.message : String(err);
    fallback = why;
    fallbackSince = performance.now();
    // The ticker is left running: it reconnects with its backoff, and `polling()` notices.
    stream.log?.warn(`kite: streaming unavailable (${why}); polling REST instead until the ticker connects (provider.kite.stream.fallback_to_rest)`);
  }

  /** Whether calls are served by REST polling: true in fallback until the ticker is connected again. */
  function polling(): boolean {
    if (fallback === null) return false;
    ticker.retryAuth();
    if (ticker.authFailure !== null || ticker.openConnections === 0) return true;
    fallback = null;
    stream.log?.info(`kite: streaming resumed after ${Math.round((performance.now() - fallbackSince) / 1000)} s of REST polling`);
    return false;
  }

  return {
    name: "kite",
    // Quotes come from the tick table: chunks of 500 legs keep a chunk's seed to one /quote request.
    capabilities: { legsPerRequest: QUOTE_KEYS_PER_REQUEST, streams: true, ladderFromListing: true, maxLegsPerCycle: MAX_STREAM_TOKENS },
    table,
    ticker,
    get seededLegs() {
      return seededLegs;
    },
    async open(signal) {
      await rest.open(signal);
      if (fallback !== null) return;
      await followDay(signal);
      try {
        await ticker.start(stream.connectTimeoutMs);
      } catch (err) {
        if (!stream.fallbackToRest) throw err;
        startFallback(err);
        return;
      }
      // Seed the spots so the first cycle has them whether they ticked yet or not.
      const keys = [...spotTokens.values()].filter((s) => !hasData(table, table.slotOf.get(s.token)!));
      if (keys.length === 0) return;
      checkToken();
      const data = await paced(async () => parseQuoteBody(await client.quoteText(keys.map((k) => k.key), signal), `quote seed spots (${keys.length} keys)`));
      seedRequests++;
      for (const k of keys) {
        const s = table.slotOf.get(k.token);
        const q = data[k.key];
        if (s !== undefined && q && table.ticks[s] === 0) seedSlot(table, s, q, opts.now());
      }
    },
    listExpiries: (index, today, signal) => rest.listExpiries(index, today, signal),
    instruments: (index, expiry, signal) => rest.instruments(index, expiry, signal),
    async spot(indices, at, signal): Promise<SpotQuote[]> {
      if (polling()) return paced(() => rest.spot(indices, at, signal));
      streamCheck();
      await followDay(signal);
      const out: SpotQuote[] = [];
      for (const index of indices) {
        const sp = isIndexName(index) ? spotTokens.get(index) : undefined;
        const s = sp ? table.slotOf.get(sp.token) : undefined;
        if (s === undefined || !hasData(table, s)) continue;
        const last = pos(table.last[s]!);
        if (last !== last) continue;
        out.push({ index, last, open: pos(table.open[s]!), high: pos(table.high[s]!), low: pos(table.low[s]!), prevClose: pos(table.close[s]!), time: table.exchangeTime[s]! });
      }
      return out;
    },
    async quotes(batch, at, range, signal): Promise<QuoteReport> {
      const r = range ?? { start: 0, end: batch.legs };
      if (polling()) {
        if (r.end - r.start <= QUOTE_KEYS_PER_REQUEST) return paced(() => rest.quotes(batch, at, r, signal));
        const report: QuoteReport = { returned: 0, requests: 0 };
        for (let s = r.start; s < r.end; s += QUOTE_KEYS_PER_REQUEST) {
          const part = await paced(() => rest.quotes(batch, at, { start: s, end: Math.min(r.end, s + QUOTE_KEYS_PER_REQUEST) }, signal));
          report.returned += part.returned;
          report.requests += part.requests;
        }
        return report;
      }
      streamCheck();
      const c = await followDay(signal);
      const info = infoFor(batch, c, at);
      let requests = 0;
      for (let s = r.start; s < r.end; s += QUOTE_KEYS_PER_REQUEST) requests += await seed(info, { start: s, end: Math.min(r.end, s + QUOTE_KEYS_PER_REQUEST) }, signal);
      return { returned: snapshotLegs(table, batch, info.tokens, r), requests };
    },
    health(now) {
      const indices: StreamIndexHealth[] = [];
      if (lastBatch && fallback === null) {
        const { batch, info } = lastBatch;
        const by = new Map<string, StreamIndexHealth>();
        for (let g = 0; g < batch.groups; g++) {
          const index = batch.labels.index[g]!;
          let h = by.get(index);
          if (!h) by.set(index, (h = { index, legs: 0, newestAgeMs: NAN, oldestAgeMs: NAN, neverTicked: 0 }));
          let newest = Number.NEGATIVE_INFINITY;
          let oldest = Number.POSITIVE_INFINITY;
          for (let leg = batch.start[g]!; leg < batch.end[g]!; leg++) {
            const tok = info.tokens[leg]!;
            const s = tok === 0 ? undefined : table.slotOf.get(tok);
            if (s === undefined) continue;
            h.legs++;
            if (table.ticks[s] === 0) {
              h.neverTicked++;
              continue;
            }
            newest = Math.max(newest, table.arrived[s]!);
            oldest = Math.min(oldest, table.arrived[s]!);
          }
          if (Number.isFinite(newest)) {
            const n = now - newest;
            const o = now - oldest;
            h.newestAgeMs = h.newestAgeMs === h.newestAgeMs ? Math.min(h.newestAgeMs, n) : n;
            h.oldestAgeMs = h.oldestAgeMs === h.oldestAgeMs ? Math.max(h.oldestAgeMs, o) : o;
          }
        }
        indices.push(...by.values());
      }
      return {
        mode: fallback === null ? "stream" : "rest_fallback",
        reason: fallback ?? ticker.stats.lastError,
        connections: ticker.openConnections,
        subscribed: ticker.tokens,
        indices,
        reconnects: ticker.stats.reconnects,
        stalls: ticker.stats.stalls,
        errorFrames: ticker.stats.errorFrames,
        packets: ticker.stats.decode.packets,
        seedRequests,
      };
    },
    async close() {
      ticker.close();
      await rest.close();
    },
  };
}
