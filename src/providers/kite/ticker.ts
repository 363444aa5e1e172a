/**
 * The Kite ticker's connections: up to 3 WebSockets of at most 3,000 tokens each, every token in
 * `full` mode, decoding each binary frame on arrival into the tick table (ticker-decode.ts).
 *
 * Decisions:
 * - Tokens are spread over connections in the order they are wanted; a connection is opened
 *   only when its share is not empty. More than 9,000 tokens is refused (`setTokens` throws).
 * - Subscriptions follow `setTokens`: tokens new to the set get a slot (cleared) and are
 *   subscribed, with their mode set to full in the same breath; tokens that left are
 *   unsubscribed and their slots freed. Kite keeps no subscription across connections, so each
 *   (re)opened connection replays its whole share.
 * - A connection lost (closed by the server, dropped, or closed by the watchdog) clears the
 *   slots of its tokens: their values are unknown until they tick again, so they are missing,
 *   never carried over the gap. It reconnects after an exponential backoff with jitter
 *   (base·2^k, halved to full at random, capped).
 * - Liveness: Kite sends a heartbeat every couple of seconds when idle, so a connection silent
 *   for `silenceMs` is dead or mute (after the daily token rollover a socket can stay open and
 *   send nothing): it is closed and reopened.
 * - An upgrade refused with 403 is an auth failure: no reconnecting with that token; the
 *   provider reports `auth` (the running provider then stops calling until the credentials
 *   change), and a new access token reconnects. 429 (too many connections for the key) is
 *   retried with backoff, and said.
 * - Text frames: `error` is counted and logged once per new message, `message` logged once per
 *   new text, `order` counted; nothing is dropped silently.
 * - Decoding runs on the main thread, in the socket's message handler: at 9,000 instruments
 *   ticking 5 times a second it takes well under 1% of a core (docs/ARCHITECTURE.md, "Kite
 *   streaming"), less than a worker's message passing would cost.
 */
import { ProviderError } from "../../contracts/errors.ts";
import { assignSlot, clearSlot, createDecodeCounts, type DecodeCounts, decodeFrame, releaseSlot, type TickTable } from "./ticker-decode.ts";

export const TOKENS_PER_CONNECTION = 3000;
export const CONNECTIONS_PER_KEY = 3;
export const MAX_STREAM_TOKENS = TOKENS_PER_CONNECTION * CONNECTIONS_PER_KEY;

export type TickerLog = { info(message: string): void; warn(message: string): void };

export type TickerOptions = {
  /** e.g. wss://ws.kite.trade */
  url: string;
  apiKey: string;
  accessToken: () => string | undefined;
  table: TickTable;
  /** Wall clock, epoch ms (arrival stamps). */
  now: () => number;
  /** Silence after which a connection is closed and reopened, ms. */
  silenceMs: number;
  /** Reconnect backoff: first wait and cap, ms. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  random?: () => number;
  log?: TickerLog;
  /** Called after each binary frame is decoded (arrival time, packets written). */
  onFrame?: (arrivedAt: number, packets: number) => void;
};

export type TickerStats = {
  decode: DecodeCounts;
  /** Connections opened (first ones and reconnections). */
  opened: number;
  reconnects: number;
  /** Connections closed by the watchdog for silence. */
  stalls: number;
  /** Upgrades refused: 403 and 429. */
  refusedAuth: number;
  refusedTooMany: number;
  /** Text frames: error, message, order. */
  errorFrames: number;
  messageFrames: number;
  orderFrames: number;
  lastError: string | null;
};

type Link = {
  id: number;
  ws: WebSocket | null;
  tokens: Set<number>;
  open: boolean;
  lastFrameAt: number;
  attempts: number;
  timer: ReturnType<typeof setTimeout> | null;
};

export type Ticker = {
  readonly stats: TickerStats;
  /** Open connections. */
  readonly openConnections: number;
  /** Tokens wanted now. */
  readonly tokens: number;
  /** The auth failure that stopped the ticker, or null. */
  readonly authFailure: ProviderError | null;
  /**
   * The tokens to watch (a new set replaces the old: the difference is subscribed and
   * unsubscribed). Throws a `config` ProviderError beyond 9,000 tokens.
   */
  setTokens(tokens: Iterable<number>): void;
  /**
   * Opens the connections the tokens need and resolves when all are open, or rejects with the
   * first failure (auth, rate_limited, transient) or after `timeoutMs`.
   */
  start(timeoutMs: number): Promise<void>;
  /** When the access token changed since an auth failure, clears it and reconnects. */
  retryAuth(): void;
  /** Which connection carries each token (tests). */
  shares(): number[][];
  close(): void;
};

const MAX_PER_MESSAGE = 1000;

/** "Expected 101 status code: 403" of Bun's WebSocket error. */
function refusalStatus(message: string): number | undefined {
  const m = /status code: (\d{3})/.exec(message);
  return m ? Number(m[1]) : undefined;
}

export function createTicker(opts: TickerOptions): Ticker {
  const random = opts.random ?? Math.random;
  const table = opts.table;
  const stats: TickerStats = {
    decode: createDecodeCounts(),
    opened: 0,
    reconnects: 0,
    stalls: 0,
    refusedAuth: 0,
    refusedTooMany: 0,
    errorFrames: 0,
    messageFrames: 0,
    orderFrames: 0,
    lastError: null,
  };
  const links: Link[] = Array.from({ length: CONNECTIONS_PER_KEY }, (_, id) => ({ id, ws: null, tokens: new Set(), open: false, lastFrameAt: 0, attempts: 0, timer: null }));
  let wanted = new Set<number>();
  let authFailure: ProviderError | null = null;
  let refusedToken: string | undefined;
  let closed = false;
  let started = false;
  let lastMessage: string | null = null;
  /** Waiters of `start`. */
  let waiters: { resolve: () => void; reject: (e: ProviderError) => void }[] = [];
  const watchdog = setInterval(checkSilence, Math.max(50, Math.floor(opts.silenceMs / 4)));
  (watchdog as { unref?: () => void }).unref?.();

  const send = (l: Link, msg: unknown) => {
    if (l.ws && l.open) l.ws.send(JSON.stringify(msg));
  };
  function subscribe(l: Link, tokens: number[]): void {
    for (let i = 0; i < tokens.length; i += MAX_PER_MESSAGE) {
      const part = tokens.slice(i, i + MAX_PER_MESSAGE);
      send(l, { a: "subscribe", v: part });
      send(l, { a: "mode", v: ["full", part] });
    }
  }
  function unsubscribe(l: Link, tokens: number[]): void {
    for (let i = 0; i < tokens.length; i += MAX_PER_MESSAGE) send(l, { a: "unsubscribe", v: tokens.slice(i, i + MAX_PER_MESSAGE) });
  }

  function settle(err?: ProviderError): void {
    const need = links.filter((l) => l.tokens.size > 0);
    if (!err && !need.every((l) => l.open)) return;
    const ws = waiters;
    waiters = [];
    for (const w of ws) err ? w.reject(err) : w.resolve();
  }

  function onText(text: string): void {
    let msg: { type?: unknown; data?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      stats.errorFrames++;
      report(`a text frame that is not JSON: ${text.slice(0, 80)}`);
      return;
    }
    if (msg.type === "error") {
      stats.errorFrames++;
      report(`Kite ticker error: ${String(msg.data)}`);
    } else if (msg.type === "message") {
      stats.messageFrames++;
      const said = String(msg.data);
      if (said !== lastMessage) opts.log?.info(`kite ticker: ${said}`);
      lastMessage = said;
    } else if (msg.type === "order") {
      stats.orderFrames++;
    } else {
      stats.errorFrames++;
      report(`a text frame of unknown type ${JSON.stringify(msg.type)}`);
    }
  }

  /** Logs an error once per change of its text. */
  function report(what: string): void {
    if (what !== stats.lastError) opts.log?.warn(`kite ticker: ${what}`);
    stats.lastError = what;
  }

  /** The link's tokens become unknown (NaN) until they tick again. */
  function forget(l: Link): void {
    for (const t of l.tokens) {
      const s = table.slotOf.get(t);
      if (s !== undefined) clearSlot(table, s);
    }
  }

  function connect(l: Link): void {
    if (closed || authFailure || l.ws || l.tokens.size === 0) return;
    const token = opts.accessToken();
    if (token === undefined || token === "") {
      fail(new ProviderError("auth", "kite ticker: no access token; run `g6 kite login`"), token);
      return;
    }
    const url = `${opts.url.replace(/\/+$/, "")}/?api_key=${encodeURIComponent(opts.apiKey)}&access_token=${encodeURIComponent(token)}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      lost(l, `cannot connect (${(err as Error).message})`);
      return;
    }
    ws.binaryType = "arraybuffer";
    l.ws = ws;
    ws.onopen = () => {
      if (l.ws !== ws) return;
      l.open = true;
      l.attempts = 0;
      l.lastFrameAt = performance.now();
      stats.opened++;
      if (stats.lastError !== null && stats.lastError.startsWith("connection")) {
        opts.log?.info(`kite ticker: connection ${l.id + 1} open again`);
        stats.lastError = null;
      }
      subscribe(l, [...l.tokens]);
      settle();
    };
    ws.onmessage = (e: MessageEvent) => {
      if (l.ws !== ws) return;
      l.lastFrameAt = performance.now();
      const data = e.data;
      if (typeof data === "string") return onText(data);
      const arrivedAt = opts.now();
      const n = decodeFrame(new Uint8Array(data as ArrayBuffer), table, arrivedAt, stats.decode);
      opts.onFrame?.(arrivedAt, n);
    };
    ws.onerror = (e: Event) => {
      if (l.ws !== ws) return;
      const message = (e as ErrorEvent).message ?? "";
      const status = refusalStatus(message);
      if (status === 403) {
        stats.refusedAuth++;
        detach(l);
        fail(new ProviderError("auth", "kite ticker: the upgrade was refused with 403 (the access token is invalid or expired); run `g6 kite login`"), token);
      } else if (status === 429) {
        stats.refusedTooMany++;
        lost(l, "upgrade refused with 429: too many connections for this API key (at most 3; another program may hold some)", "rate_limited");
      } else {
        lost(l, `connection ${l.id + 1} failed${message ? ` (${message.replace(url, opts.url)})` : ""}`);
      }
    };
    ws.onclose = (e: CloseEvent) => {
      if (l.ws !== ws) return;
      lost(l, `connection ${l.id + 1} closed (code ${e.code}${e.reason ? `, ${e.reason}` : ""})`);
    };
  }

  function detach(l: Link): void {
    const ws = l.ws;
    l.ws = null;
    l.open = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try {
        ws.close();
      } catch {
        // already closed
      }
    }
  }

  function fail(err: ProviderError, token: string | undefined): void {
    authFailure = err;
    refusedToken = token;
    report(err.message);
    for (const l of links) {
      detach(l);
      forget(l);
    }
    settle(err);
  }

  /** A connection lost: forget its values, reconnect after a backoff. */
  function lost(l: Link, why: string, code: "transient" | "rate_limited" = "transient"): void {
    const wasOpen = l.open;
    detach(l);
    forget(l);
    if (closed) return;
    report(why.startsWith("connection") ? why : `connection ${l.id + 1}: ${why}`);
    if (!wasOpen) settle(new ProviderError(code, `kite ticker: ${why}`));
    const wait = Math.min(opts.backoffMaxMs, opts.backoffBaseMs * 2 ** l.attempts) * (0.5 + random() / 2);
    l.attempts++;
    if (l.timer) clearTimeout(l.timer);
    l.timer = setTimeout(() => {
      l.timer = null;
      if (!started || closed) return;
      stats.reconnects++;
      connect(l);
    }, wait);
  }

  function checkSilence(): void {
    const t = performance.now();
    for (const l of links) {
      if (!l.open || t - l.lastFrameAt <= opts.silenceMs) continue;
      stats.stalls++;
      lost(l, `connection ${l.id + 1} silent for ${Math.round(t - l.lastFrameAt)} ms (more than ${opts.silenceMs} ms): reopening`);
    }
  }

  return {
    stats,
    get openConnections() {
      return links.filter((l) => l.open).length;
    },
    get tokens() {
      return wanted.size;
    },
    get authFailure() {
      return authFailure;
    },
    setTokens(tokens) {
      const next = new Set(tokens);
      if (next.size > MAX_STREAM_TOKENS) {
        throw new ProviderError(
          "config",
          `kite ticker: ${next.size} instruments to stream; Kite allows at most ${MAX_STREAM_TOKENS} (${CONNECTIONS_PER_KEY} connections of ${TOKENS_PER_CONNECTION}): collect fewer strikes or expiries`,
        );
      }
      for (const l of links) {
        const gone = [...l.tokens].filter((t) => !next.has(t));
        for (const t of gone) {
          l.tokens.delete(t);
          releaseSlot(table, t);
        }
        if (gone.length) unsubscribe(l, gone);
      }
      const added: number[][] = links.map(() => []);
      for (const t of next) {
        if (wanted.has(t) && links.some((l) => l.tokens.has(t))) continue;
        const l = links.find((x) => x.tokens.size < TOKENS_PER_CONNECTION)!;
        l.tokens.add(t);
        assignSlot(table, t);
        added[l.id]!.push(t);
      }
      wanted = next;
      for (const l of links) {
        if (added[l.id]!.length) subscribe(l, added[l.id]!);
        if (started && !l.ws && !l.timer) connect(l);
        if (l.tokens.size === 0 && l.ws) detach(l);
      }
    },
    start(timeoutMs) {
      started = true;
      if (authFailure) return Promise.reject(authFailure);
      const p = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ProviderError("transient", `kite ticker: not connected within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
      for (const l of links) connect(l);
      settle();
      return p;
    },
    retryAuth() {
      if (!authFailure) return;
      const token = opts.accessToken();
      if (token === undefined || token === "" || token === refusedToken) return;
      opts.log?.info("kite ticker: new access token; reconnecting");
      authFailure = null;
      stats.lastError = null;
      for (const l of links) {
        l.attempts = 0;
        connect(l);
      }
    },
    shares: () => links.map((l) => [...l.tokens]),
    close() {
      closed = true;
      clearInterval(watchdog);
      for (const l of links) {
        if (l.timer) clearTimeout(l.timer);
        l.timer = null;
        detach(l);
      }
      settle(new ProviderError("transient", "kite ticker: closed"));
    },
  };
}
