/**
 * The Kite ticker's binary frames decoded into a tick table: typed-array columns indexed by a
 * slot, one slot per subscribed instrument token. Pure and allocation-free per frame: no
 * DataView, no objects, no strings; integers are read byte by byte, big-endian and UNSIGNED.
 *
 * Frame layout (../shared/DOMAIN.md §5): `u16 n`, then n × (`u16 len`, packet of `len` bytes); a
 * 1-byte frame is a heartbeat. Packet kind by length: 8 ltp, 44 quote, 184 full (tradables), 28
 * index quote, 32 index full. Prices are in paise (÷100), CDS ÷1e7, BCD ÷1e4 (segment = token &
 * 0xFF).
 *
 * Decisions:
 * - Unsigned reads: the official JS client reads signed 32-bit integers, so a volume above
 *   2^31 comes out negative there; here it is right.
 * - A packet of a token with no slot (unsubscribed meanwhile, or never ours) is skipped and
 *   counted; a packet of a length the protocol does not define is skipped and counted; a frame
 *   whose packets run past its end stops there and is counted malformed (the packets before it
 *   stand).
 * - Index packets carry high before low and open after them (offsets 8 high, 12 low, 16 open,
 *   20 close); their `change` field (offset 24) is not read: net change is derived from close.
 * - Zero means "none" in Kite's packets (no trade, empty depth level): the table keeps the raw
 *   values and the snapshot (ticker-table.ts) applies the same missing-value rules as /quote.
 */

/** Segment codes (token & 0xFF) whose prices are not in paise. */
const SEGMENT_CDS = 3;
const SEGMENT_BCD = 6;
const SEGMENT_INDICES = 9;

/** Packet lengths by kind. */
export const PACKET_LTP = 8;
export const PACKET_INDEX_QUOTE = 28;
export const PACKET_INDEX_FULL = 32;
export const PACKET_QUOTE = 44;
export const PACKET_FULL = 184;

/** Depth levels a side in a full packet. */
export const DEPTH_LEVELS = 5;

/** The divisor that turns a packet's integer price into rupees/points for a token. */
export function priceDivisor(token: number): number {
  const segment = token & 0xff;
  return segment === SEGMENT_CDS ? 1e7 : segment === SEGMENT_BCD ? 1e4 : 100;
}

/**
 * The last tick of every subscribed instrument, by slot. NaN: never sent. `ticks[slot]` counts
 * packets since the slot was assigned; `arrived[slot]` is when the frame of the last one arrived
 * (epoch ms). Depth columns hold DEPTH_LEVELS bids then DEPTH_LEVELS asks per slot.
 */
export type TickTable = {
  readonly capacity: number;
  /** Token → slot. */
  readonly slotOf: Map<number, number>;
  /** Slot → token (0: free). */
  readonly tokenOf: Uint32Array;
  /** Free slots (a stack). */
  readonly free: number[];
  readonly ticks: Uint32Array;
  readonly arrived: Float64Array;
  /** Set by a /quote seed (1) until the first tick of the slot. */
  readonly seeded: Uint8Array;
  readonly last: Float64Array;
  readonly lastQty: Float64Array;
  readonly avg: Float64Array;
  readonly volume: Float64Array;
  readonly buyQty: Float64Array;
  readonly sellQty: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Epoch ms. */
  readonly lastTradeTime: Float64Array;
  readonly oi: Float64Array;
  readonly oiDayHigh: Float64Array;
  readonly oiDayLow: Float64Array;
  /** Epoch ms of the exchange's timestamp of the tick. */
  readonly exchangeTime: Float64Array;
  /** capacity × 10: 5 bids then 5 asks. */
  readonly depthQty: Float64Array;
  readonly depthPrice: Float64Array;
  readonly depthOrders: Float64Array;
};

/** The per-slot value columns (reset to NaN when a slot is freed or reassigned). */
const VALUE_COLUMNS = [
  "arrived",
  "last",
  "lastQty",
  "avg",
  "volume",
  "buyQty",
  "sellQty",
  "open",
  "high",
  "low",
  "close",
  "lastTradeTime",
  "oi",
  "oiDayHigh",
  "oiDayLow",
  "exchangeTime",
] as const;

/** Bytes one slot takes (for the memory figure). */
export const TICK_TABLE_BYTES_PER_SLOT = 4 + 4 + 1 + VALUE_COLUMNS.length * 8 + 3 * 2 * DEPTH_LEVELS * 8;

export function createTickTable(capacity: number): TickTable {
  const nan = (n: number) => new Float64Array(n).fill(Number.NaN);
  const depth = capacity * 2 * DEPTH_LEVELS;
  return {
    capacity,
    slotOf: new Map(),
    tokenOf: new Uint32Array(capacity),
    free: Array.from({ length: capacity }, (_, i) => capacity - 1 - i),
    ticks: new Uint32Array(capacity),
    arrived: nan(capacity),
    seeded: new Uint8Array(capacity),
    last: nan(capacity),
    lastQty: nan(capacity),
    avg: nan(capacity),
    volume: nan(capacity),
    buyQty: nan(capacity),
    sellQty: nan(capacity),
    open: nan(capacity),
    high: nan(capacity),
    low: nan(capacity),
    close: nan(capacity),
    lastTradeTime: nan(capacity),
    oi: nan(capacity),
    oiDayHigh: nan(capacity),
    oiDayLow: nan(capacity),
    exchangeTime: nan(capacity),
    depthQty: nan(depth),
    depthPrice: nan(depth),
    depthOrders: nan(depth),
  };
}

/** Clears a slot's values (NaN) and counters. */
export function clearSlot(t: TickTable, slot: number): void {
  for (const c of VALUE_COLUMNS) t[c][slot] = Number.NaN;
  t.ticks[slot] = 0;
  t.seeded[slot] = 0;
  const d = slot * 2 * DEPTH_LEVELS;
  t.depthQty.fill(Number.NaN, d, d + 2 * DEPTH_LEVELS);
  t.depthPrice.fill(Number.NaN, d, d + 2 * DEPTH_LEVELS);
  t.depthOrders.fill(Number.NaN, d, d + 2 * DEPTH_LEVELS);
}

/** Gives `token` a slot (its existing one, or a free one, cleared); -1 when the table is full. */
export function assignSlot(t: TickTable, token: number): number {
  const have = t.slotOf.get(token);
  if (have !== undefined) return have;
  const s = t.free.pop();
  if (s === undefined) return -1;
  t.tokenOf[s] = token;
  t.slotOf.set(token, s);
  clearSlot(t, s);
  return s;
}

/** Frees `token`'s slot (its values cleared). */
export function releaseSlot(t: TickTable, token: number): void {
  const s = t.slotOf.get(token);
  if (s === undefined) return;
  t.slotOf.delete(token);
  t.tokenOf[s] = 0;
  clearSlot(t, s);
  t.free.push(s);
}

/** What decoding counted (accumulated; the caller resets when it wants). */
export type DecodeCounts = {
  frames: number;
  heartbeats: number;
  packets: number;
  /** Packets of a token with no slot. */
  unknownToken: number;
  /** Packets of a length the protocol does not define. */
  unknownLength: number;
  /** Frames cut short (a packet running past the end). */
  malformed: number;
};

export function createDecodeCounts(): DecodeCounts {
  return { frames: 0, heartbeats: 0, packets: 0, unknownToken: 0, unknownLength: 0, malformed: 0 };
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
/** Unix seconds → epoch ms; 0 (not sent) → NaN. */
const secondsMs = (s: number): number => (s === 0 ? Number.NaN : s * 1000);

/**
 * Decodes one binary frame into `t`, stamping each packet's slot with `arrivedAt` (epoch ms).
 * Returns the packets written.
 */
export function decodeFrame(b: Uint8Array, t: TickTable, arrivedAt: number, counts: DecodeCounts): number {
  counts.frames++;
  const n = b.length;
  if (n < 2) {
    counts.heartbeats++;
    return 0;
  }
  const packets = u16(b, 0);
  let o = 2;
  let written = 0;
  for (let p = 0; p < packets; p++) {
    if (o + 2 > n) {
      counts.malformed++;
      return written;
    }
    const len = u16(b, o);
    o += 2;
    if (o + len > n) {
      counts.malformed++;
      return written;
    }
    counts.packets++;
    if (len !== PACKET_FULL && len !== PACKET_QUOTE && len !== PACKET_LTP && len !== PACKET_INDEX_FULL && len !== PACKET_INDEX_QUOTE) {
      counts.unknownLength++;
      o += len;
      continue;
    }
    const token = u32(b, o);
    const slot = t.slotOf.get(token);
    if (slot === undefined) {
      counts.unknownToken++;
      o += len;
      continue;
    }
    const div = priceDivisor(token);
    t.ticks[slot]!++;
    t.seeded[slot] = 0;
    t.arrived[slot] = arrivedAt;
    t.last[slot] = u32(b, o + 4) / div;
    if ((token & 0xff) === SEGMENT_INDICES || len === PACKET_INDEX_QUOTE || len === PACKET_INDEX_FULL) {
      if (len >= PACKET_INDEX_QUOTE) {
        t.high[slot] = u32(b, o + 8) / div;
        t.low[slot] = u32(b, o + 12) / div;
        t.open[slot] = u32(b, o + 16) / div;
        t.close[slot] = u32(b, o + 20) / div;
      }
      if (len === PACKET_INDEX_FULL) t.exchangeTime[slot] = secondsMs(u32(b, o + 28));
    } else if (len >= PACKET_QUOTE) {
      t.lastQty[slot] = u32(b, o + 8);
      t.avg[slot] = u32(b, o + 12) / div;
      t.volume[slot] = u32(b, o + 16);
      t.buyQty[slot] = u32(b, o + 20);
      t.sellQty[slot] = u32(b, o + 24);
      t.open[slot] = u32(b, o + 28) / div;
      t.high[slot] = u32(b, o + 32) / div;
      t.low[slot] = u32(b, o + 36) / div;
      t.close[slot] = u32(b, o + 40) / div;
      if (len === PACKET_FULL) {
        t.lastTradeTime[slot] = secondsMs(u32(b, o + 44));
        t.oi[slot] = u32(b, o + 48);
        t.oiDayHigh[slot] = u32(b, o + 52);
        t.oiDayLow[slot] = u32(b, o + 56);
        t.exchangeTime[slot] = secondsMs(u32(b, o + 60));
        let d = slot * 2 * DEPTH_LEVELS;
        for (let q = o + 64; q < o + 184; q += 12) {
          t.depthQty[d] = u32(b, q);
          t.depthPrice[d] = u32(b, q + 4) / div;
          t.depthOrders[d] = u16(b, q + 8);
          d++;
        }
      }
    }
    written++;
    o += len;
  }
  return written;
}
