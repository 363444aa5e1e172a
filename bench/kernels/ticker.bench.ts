/**
 * The Kite ticker decoder (src/providers/kite/ticker-decode.ts): full-mode packets per second
 * per core, against the physical bound of the same bytes (a plain DataView scan reading every
 * 32-bit word); the tick table's memory at 9,000 instruments; and the cycle's snapshot copy of
 * 9,000 legs from the table into a batch.
 */
import { createBatch } from "../../src/chain/batch.ts";
import { snapshotLegs } from "../../src/providers/kite/stream.ts";
import { assignSlot, createDecodeCounts, createTickTable, decodeFrame, TICK_TABLE_BYTES_PER_SLOT } from "../../src/providers/kite/ticker-decode.ts";
import { MAX_STREAM_TOKENS } from "../../src/providers/kite/ticker.ts";
import { timeIt } from "../stats.ts";

export type TickerFigures = {
  /** Full packets decoded per second, one core. */
  packetsPerSecond: number;
  /** The decoder's bytes per second, and a DataView scan's of the same frames. */
  decodeMBps: number;
  scanMBps: number;
  /** CPU share of one core to decode 9,000 instruments × 5 ticks/s (decoder only). */
  cpuAt45k: number;
  /** Tick table bytes (its typed arrays), and the heap growth of building one with its token map, at 9,000 slots. */
  tableBytes: number;
  heapBytes: number;
  /** µs to copy 9,000 legs from the table into a batch. */
  snapshotUs: number;
};

/** Frames of `perFrame` full packets over `tokens` instruments with varied values. */
export function fullFrames(tokens: readonly number[], perFrame: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < tokens.length; i += perFrame) {
    const n = Math.min(perFrame, tokens.length - i);
    const b = new Uint8Array(2 + n * (2 + 184));
    const v = new DataView(b.buffer);
    v.setUint16(0, n);
    let o = 2;
    for (let p = 0; p < n; p++) {
      v.setUint16(o, 184);
      v.setUint32(o + 2, tokens[i + p]!);
      for (let q = o + 6; q < o + 2 + 184; q += 4) v.setUint32(q, rnd() % 1_000_000);
      o += 2 + 184;
    }
    frames.push(b);
  }
  return frames;
}

export function niftyTokens(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((40_000 + i) << 8) | 2);
}

export function benchTicker(ms: number): TickerFigures {
  const tokens = niftyTokens(MAX_STREAM_TOKENS);
  const frames = fullFrames(tokens, 100);
  const bytes = frames.reduce((s, f) => s + f.length, 0);
  const table = createTickTable(MAX_STREAM_TOKENS);
  for (const t of tokens) assignSlot(table, t);
  const counts = createDecodeCounts();
  const decodeUs = timeIt(() => {
    for (const f of frames) decodeFrame(f, table, 1, counts);
  }, ms);
  let sink = 0;
  const views = frames.map((f) => new DataView(f.buffer, f.byteOffset, f.byteLength));
  const scanUs = timeIt(() => {
    for (const v of views) for (let o = 0; o + 4 <= v.byteLength; o += 4) sink += v.getUint32(o);
  }, ms);
  if (sink === -1) throw new Error("unreachable");
  const packetsPerSecond = tokens.length / (decodeUs / 1e6);

  const batch = createBatch([{ index: "NIFTY", tag: "this_week", expiry: "2026-12-01", spot: 24000, atm: 24000, T: 0.02, df: 1, strikes: Float64Array.from({ length: MAX_STREAM_TOKENS / 2 }, (_, k) => 10_000 + 50 * k) }]);
  const legTokens = Int32Array.from(tokens);
  const snapshotUs = timeIt(() => {
    if (snapshotLegs(table, batch, legTokens, { start: 0, end: batch.legs }) !== batch.legs) throw new Error("snapshot bench: legs missing");
  }, ms);

  // The heap growth of a whole table: typed arrays, the token map, the free list.
  Bun.gc(true);
  const before = process.memoryUsage().heapUsed;
  const keep = createTickTable(MAX_STREAM_TOKENS);
  for (const t of tokens) assignSlot(keep, t);
  Bun.gc(true);
  const after = process.memoryUsage().heapUsed;
  const tableBytes = TICK_TABLE_BYTES_PER_SLOT * MAX_STREAM_TOKENS;
  return {
    packetsPerSecond,
    decodeMBps: bytes / decodeUs,
    scanMBps: bytes / scanUs,
    cpuAt45k: 45_000 / packetsPerSecond,
    tableBytes,
    heapBytes: keep.capacity > 0 ? after - before : 0,
    snapshotUs,
  };
}
