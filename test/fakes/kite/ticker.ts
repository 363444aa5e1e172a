/**
 * The WebSocket ticker of G6's fake Kite server: Bun.serve's `websocket` handler, upgraded at
 * the root path with `api_key` and `access_token` in the query (as wss://ws.kite.trade). The
 * official `kiteconnect` KiteTicker runs against it in test/providers/kite/ticker-oracle.test.ts.
 *
 * - Upgrade: a wrong API key or an unknown access token is refused with 403, a fourth
 *   connection of the key with 429 (3 connections per key).
 * - Client text frames `{"a":"subscribe"|"unsubscribe","v":[tokens]}` and
 *   `{"a":"mode","v":["ltp"|"quote"|"full",[tokens]]}`; a subscription starts in quote mode (as
 *   Kite's); more than 3000 tokens on one connection: the excess is refused with an `error` text
 *   frame.
 * - Every `tickMs` each connection gets one binary frame with the packets of its tokens whose
 *   values changed since they were last sent (timestamps aside), priced from the same market as
 *   /quote; a token just subscribed (or whose mode changed) is sent in full at the next tick.
 *   A connection with nothing to send for `heartbeatMs` gets a 1-byte heartbeat.
 * - Faults: `muteAfter(ms)` (the connections open then stay open and send nothing more),
 *   `dropAfter(ms)` (they are closed), `sendText` (e.g. an `error` frame), `volumeOverride`,
 *   `unavailable` (while set, every upgrade is refused with 503, as during an outage).
 */
import type { Server, ServerWebSocket } from "bun";
import type { FakeKiteMarket } from "./market.ts";
import type { FullQuote, IndexQuote, Quote } from "./protocol.ts";
import { SEGMENT_CODE } from "./protocol.ts";

export const TICKER_TOKENS_PER_CONNECTION = 3000;
export const TICKER_CONNECTIONS_PER_KEY = 3;

export type TickerMode = "ltp" | "quote" | "full";

type Conn = {
  id: number;
  modes: Map<number, TickerMode>;
  /** Token → signature of the values last sent. */
  sent: Map<number, string>;
  lastSendAt: number;
  muted: boolean;
};

export type FakeTickerCounters = {
  connections: number;
  refusedAuth: number;
  refusedTooMany: number;
  /** Client messages by action. */
  messages: Record<string, number>;
  binaryFrames: number;
  heartbeats: number;
  packets: number;
  dropped: number;
};

export type FakeTicker = {
  readonly counters: FakeTickerCounters;
  /** Tick period, ms (default 100). */
  tickMs: number;
  /** Silence after which a heartbeat is sent, ms (default 1000). */
  heartbeatMs: number;
  /** Volume sent for a quote key instead of the market's (e.g. above 2^31). */
  readonly volumeOverride: Map<string, number>;
  /** While true, every upgrade is refused with 503 (an outage of the ticker service). */
  unavailable: boolean;
  /** Open connections. */
  readonly open: number;
  /** Tokens subscribed over all open connections, and per connection. */
  subscribed(): number[];
  perConnection(): number[][];
  /** After `ms`, the connections open then go silent (stay open). */
  muteAfter(ms: number): void;
  /** After `ms`, the connections open then are closed by the server. */
  dropAfter(ms: number): void;
  /** Sends a text frame to every open connection. */
  sendText(obj: unknown): void;
  /** Sends raw bytes to every open connection. */
  sendBinary(bytes: Uint8Array): void;
  /** The upgrade (called by the server's fetch for a websocket request); a Response when refused. */
  upgrade(req: Request, server: Server<unknown>): Response | undefined;
  readonly websocket: import("bun").WebSocketHandler<Conn>;
  stop(): void;
};

const pricePaise = (p: number, div: number): number => Math.max(0, Math.round(p * div)) >>> 0;

/** Packs a quote into the ticker's packet of `mode` (index packets for index quotes). */
export function packQuote(q: Quote, mode: TickerMode, nowMs: number, volumeOverride?: number): Uint8Array {
  const token = q.instrument_token;
  const segment = token & 0xff;
  const div = segment === SEGMENT_CODE.CDS ? 1e7 : segment === SEGMENT_CODE.BCD ? 1e4 : 100;
  const isIndex = segment === SEGMENT_CODE.INDICES || !("depth" in q);
  const len = mode === "ltp" ? 8 : isIndex ? (mode === "full" ? 32 : 28) : mode === "full" ? 184 : 44;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint32(0, token);
  v.setUint32(4, pricePaise(q.last_price, div));
  if (len === 8) return b;
  const seconds = Math.floor(nowMs / 1000);
  if (isIndex) {
    const iq = q as IndexQuote;
    v.setUint32(8, pricePaise(iq.ohlc.high, div));
    v.setUint32(12, pricePaise(iq.ohlc.low, div));
    v.setUint32(16, pricePaise(iq.ohlc.open, div));
    v.setUint32(20, pricePaise(iq.ohlc.close, div));
    v.setInt32(24, Math.round((iq.last_price - iq.ohlc.close) * div));
    if (len === 32) v.setUint32(28, seconds);
    return b;
  }
  const f = q as FullQuote;
  v.setUint32(8, f.last_quantity);
  v.setUint32(12, pricePaise(f.average_price, div));
  v.setUint32(16, volumeOverride ?? f.volume);
  v.setUint32(20, f.buy_quantity);
  v.setUint32(24, f.sell_quantity);
  v.setUint32(28, pricePaise(f.ohlc.open, div));
  v.setUint32(32, pricePaise(f.ohlc.high, div));
  v.setUint32(36, pricePaise(f.ohlc.low, div));
  v.setUint32(40, pricePaise(f.ohlc.close, div));
  if (len === 44) return b;
  v.setUint32(44, f.last_trade_time === null ? 0 : seconds - 1);
  v.setUint32(48, f.oi);
  v.setUint32(52, f.oi_day_high);
  v.setUint32(56, f.oi_day_low);
  v.setUint32(60, seconds);
  let o = 64;
  for (const level of [...f.depth.buy, ...f.depth.sell]) {
    v.setUint32(o, level.quantity);
    v.setUint32(o + 4, pricePaise(level.price, div));
    v.setUint16(o + 8, level.orders);
    o += 12;
  }
  return b;
}

/** A frame of packets: u16 n, then (u16 len, packet) each. */
export function packFrame(packets: readonly Uint8Array[]): Uint8Array {
  let size = 2;
  for (const p of packets) size += 2 + p.length;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint16(0, packets.length);
  let o = 2;
  for (const p of packets) {
    v.setUint16(o, p.length);
    b.set(p, o + 2);
    o += 2 + p.length;
  }
  return b;
}

/** The signature of a packet without its timestamps (what "changed" compares). */
function signature(p: Uint8Array): string {
  const parts: number[] = [];
  for (let i = 0; i < p.length; i++) {
    // Index full: exchange time at 28–31; tradable full: last trade time 44–47 and exchange time 60–63.
    if (p.length === 32 && i >= 28) continue;
    if (p.length === 184 && ((i >= 44 && i < 48) || (i >= 60 && i < 64))) continue;
    parts.push(p[i]!);
  }
  return String.fromCharCode(...parts);
}

export type FakeTickerOptions = {
  apiKey: string;
  market: FakeKiteMarket;
  /** Whether an access token is valid now. */
  validToken: (token: string) => boolean;
};

export function createFakeTicker(opts: FakeTickerOptions): FakeTicker {
  const keyOfToken = new Map<number, string>();
  for (const ex of ["NSE", "BSE", "NFO", "BFO"]) for (const r of opts.market.rows(ex)) keyOfToken.set(r.instrument_token, `${r.exchange}:${r.tradingsymbol}`);
  const sockets = new Set<ServerWebSocket<Conn>>();
  const counters: FakeTickerCounters = { connections: 0, refusedAuth: 0, refusedTooMany: 0, messages: {}, binaryFrames: 0, heartbeats: 0, packets: 0, dropped: 0 };
  const volumeOverride = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let nextId = 1;

  const ticker: FakeTicker = {
    counters,
    tickMs: 100,
    heartbeatMs: 1000,
    volumeOverride,
    unavailable: false,
    get open() {
      return sockets.size;
    },
    subscribed: () => [...sockets].flatMap((ws) => [...ws.data.modes.keys()]),
    perConnection: () => [...sockets].map((ws) => [...ws.data.modes.keys()]),
    muteAfter(ms) {
      const victims = [...sockets];
      later(ms, () => {
        for (const ws of victims) ws.data.muted = true;
      });
    },
    dropAfter(ms) {
      const victims = [...sockets];
      later(ms, () => {
        for (const ws of victims) {
          if (!sockets.has(ws)) continue;
          counters.dropped++;
          ws.close(1011, "dropped");
        }
      });
    },
    sendText(obj) {
      for (const ws of sockets) ws.send(JSON.stringify(obj));
    },
    sendBinary(bytes) {
      for (const ws of sockets) ws.send(bytes);
    },
    upgrade(req, server) {
      if (ticker.unavailable) return new Response("Service Unavailable", { status: 503 });
      const url = new URL(req.url);
      const key = url.searchParams.get("api_key");
      const token = url.searchParams.get("access_token") ?? "";
      if (key !== opts.apiKey || !opts.validToken(token)) {
        counters.refusedAuth++;
        return new Response("Forbidden", { status: 403 });
      }
      if (sockets.size >= TICKER_CONNECTIONS_PER_KEY) {
        counters.refusedTooMany++;
        return new Response("Too many connections", { status: 429 });
      }
      const data: Conn = { id: nextId++, modes: new Map(), sent: new Map(), lastSendAt: performance.now(), muted: false };
      if (server.upgrade(req, { data })) return undefined;
      return new Response("Upgrade failed", { status: 400 });
    },
    websocket: {
      open(ws) {
        sockets.add(ws);
        counters.connections++;
      },
      close(ws) {
        sockets.delete(ws);
      },
      message(ws, raw) {
        let msg: { a?: unknown; v?: unknown };
        try {
          msg = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
        } catch {
          ws.send(JSON.stringify({ type: "error", data: "Invalid message" }));
          return;
        }
        const action = String(msg.a);
        counters.messages[action] = (counters.messages[action] ?? 0) + 1;
        const c = ws.data;
        if (action === "subscribe" && Array.isArray(msg.v)) {
          let refused = 0;
          for (const t of msg.v as number[]) {
            if (c.modes.has(t)) continue;
            if (c.modes.size >= TICKER_TOKENS_PER_CONNECTION) {
              refused++;
              continue;
            }
            c.modes.set(t, "quote");
            c.sent.delete(t);
          }
          if (refused) ws.send(JSON.stringify({ type: "error", data: `Subscription limit exceeded: ${refused} tokens over ${TICKER_TOKENS_PER_CONNECTION}` }));
        } else if (action === "unsubscribe" && Array.isArray(msg.v)) {
          for (const t of msg.v as number[]) {
            c.modes.delete(t);
            c.sent.delete(t);
          }
        } else if (action === "mode" && Array.isArray(msg.v)) {
          const [mode, tokens] = msg.v as [TickerMode, number[]];
          if (mode !== "ltp" && mode !== "quote" && mode !== "full") {
            ws.send(JSON.stringify({ type: "error", data: `Invalid mode ${String(mode)}` }));
            return;
          }
          for (const t of tokens ?? []) {
            if (!c.modes.has(t)) continue;
            c.modes.set(t, mode);
            c.sent.delete(t);
          }
        } else {
          ws.send(JSON.stringify({ type: "error", data: `Unknown action ${action}` }));
        }
      },
    },
    stop() {
      clearInterval(loop);
      for (const t of timers) clearTimeout(t);
      for (const ws of sockets) ws.close();
    },
  };

  function later(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
  }

  function tick(): void {
    const now = performance.now();
    const wall = opts.market.now();
    for (const ws of sockets) {
      const c = ws.data;
      if (c.muted) continue;
      const packets: Uint8Array[] = [];
      for (const [token, mode] of c.modes) {
        const key = keyOfToken.get(token);
        if (key === undefined) continue;
        const q = opts.market.quote(key);
        if (q === undefined) continue;
        const p = packQuote(q, mode, wall, volumeOverride.get(key));
        const sig = signature(p);
        if (c.sent.get(token) === sig) continue;
        c.sent.set(token, sig);
        packets.push(p);
      }
      if (packets.length) {
        // Kite's frames stay well under the u16 packet count; split large ones anyway.
        for (let i = 0; i < packets.length; i += 500) ws.send(packFrame(packets.slice(i, i + 500)));
        counters.binaryFrames++;
        counters.packets += packets.length;
        c.lastSendAt = now;
      } else if (now - c.lastSendAt >= ticker.heartbeatMs) {
        ws.send(new Uint8Array([0]));
        counters.heartbeats++;
        c.lastSendAt = now;
      }
    }
  }
  // A period read each round (tests may shorten it).
  let period = 100;
  let loop = setInterval(tick, period);
  Object.defineProperty(ticker, "tickMs", {
    get: () => period,
    set: (ms: number) => {
      period = ms;
      clearInterval(loop);
      loop = setInterval(tick, ms);
    },
  });
  return ticker;
}
