/**
 * Rendering G6 CSV rows (pure): option rows from a chain batch, overview rows from the cycle's
 * summaries, byte for byte as format.ts describes. The CSV sink writes them; the compute pool
 * renders option row bodies alongside enrichment.
 */
import { LARGE_BYTES, threadBuffers } from "../chain/recycle.ts";
import type { ChainBatch } from "../chain/batch.ts";
import type { ExpirySummary, IndexSummary } from "../chain/score.ts";
import { EXPIRY_TAG_BITS, formatG6Timestamp } from "../market/index.ts";
import type { RenderedRows } from "../contracts/index.ts";
import { ByteWriter, FIXED_MAX_BYTES, putBytes, writeFixed } from "./bytes.ts";

const COMMA = 44;
import { DECIMALS, fmt } from "./format.ts";

/** Straddle price tp = ce + pe for the strike pair starting at call leg `c` (NaN if a side is missing). */
export function straddleAt(b: ChainBatch, c: number): number {
  const ce = b.last[c]!;
  const pe = b.last[c + 1]!;
  return Number.isFinite(ce) && Number.isFinite(pe) ? ce + pe : Number.NaN;
}

/** True when neither leg of the strike pair has a quote: no row is written for it. */
export function pairMissing(b: ChainBatch, c: number): boolean {
  return !Number.isFinite(b.last[c]!) && !Number.isFinite(b.last[c + 1]!);
}

/** Writes a CE/PE pair of fields at `pos` (each preceded by a comma); returns the position after them. */
function putPair(buf: Uint8Array, pos: number, field: Float64Array, c: number, d: number): number {
  buf[pos++] = COMMA;
  pos = writeFixed(buf, pos, field[c]!, d);
  buf[pos++] = COMMA;
  return writeFixed(buf, pos, field[c + 1]!, d);
}

/** `,call,put,call+put` of legs c and c + 1 (the straddle columns: ce, pe, tp; avg_ce, avg_pe, avg_tp). */
function putPairSum(buf: Uint8Array, pos: number, field: Float64Array, c: number, d: number): number {
  pos = putPair(buf, pos, field, c, d);
  buf[pos++] = COMMA;
  return writeFixed(buf, pos, field[c]! + field[c + 1]!, d);
}

/** Numeric fields of a row body after the group's constant part (offset, strike, 22 values). */
const ROW_FIELDS = 24;

/**
 * Renders the row bodies of groups [g0, g1) of the batch, stamped `stamp` (formatG6Timestamp).
 * A group's constant bytes (the prefix up to the offset, then `,spot,atm,`) are rendered once;
 * each row reserves its bound once and writes its numbers straight into the buffer.
 */
export function renderRowBodies(b: ChainBatch, g0: number, g1: number, stamp: string): RenderedRows {
  const l0 = g1 > g0 ? b.start[g0]! : 0;
  const l1 = g1 > g0 ? b.end[g1 - 1]! : 0;
  const pairEnd = new Uint32Array((l1 - l0) >> 1);
  // The rows' memory comes from this thread's recycled buffers (the CSV sink gives it back after its write).
  const capacity = Math.max(1024, (l1 - l0) * 140);
  const w = new ByteWriter(capacity, capacity >= LARGE_BYTES ? threadBuffers.take(capacity) : undefined);
  const encoder = new TextEncoder();
  const P = DECIMALS.price, IV = DECIMALS.iv, DELTA = DECIMALS.delta, THETA = DECIMALS.theta;
  const VEGA = DECIMALS.vega, GAMMA = DECIMALS.gamma, RHO = DECIMALS.rho;
  const { strike, last, avg, volume, oi, iv, delta, theta, vega, gamma, rho } = b;
  const groupPart = new ByteWriter(256);
  for (let g = g0; g < g1; g++) {
    const prefix = encoder.encode(`${stamp},${b.labels.index[g]},${b.labels.tag[g]},${b.labels.expiry[g]},`);
    const atm = b.g_atm[g]!;
    groupPart.reset();
    groupPart.comma();
    groupPart.fixed(b.g_spot[g]!, P);
    groupPart.comma();
    groupPart.int(atm);
    groupPart.comma();
    const middle = groupPart.view().slice();
    const bound = prefix.length + middle.length + ROW_FIELDS * (FIXED_MAX_BYTES + 1);
    let buf = w.buf;
    let pos = w.pos;
    for (let c = b.start[g]!, end = b.end[g]!; c < end; c += 2) {
      const p = c + 1;
      const ce = last[c]!;
      const pe = last[p]!;
      // No quote on either side: no row.
      if (ce - ce === 0 || pe - pe === 0) {
        if (buf.length - pos < bound) {
          w.pos = pos;
          buf = w.reserve(bound);
        }
        const k = strike[c]!;
        pos = putBytes(buf, pos, prefix);
        pos = writeFixed(buf, pos, k - atm, 0);
        pos = putBytes(buf, pos, middle);
        pos = writeFixed(buf, pos, k, 0);
        pos = putPairSum(buf, pos, last, c, P);
        pos = putPairSum(buf, pos, avg, c, P);
        pos = putPair(buf, pos, volume, c, 0);
        pos = putPair(buf, pos, oi, c, 0);
        pos = putPair(buf, pos, iv, c, IV);
        pos = putPair(buf, pos, delta, c, DELTA);
        pos = putPair(buf, pos, theta, c, THETA);
        pos = putPair(buf, pos, vega, c, VEGA);
        pos = putPair(buf, pos, gamma, c, GAMMA);
        pos = putPair(buf, pos, rho, c, RHO);
      }
      pairEnd[(c - l0) >> 1] = pos;
    }
    w.pos = pos;
  }
  return { pairStart: l0 >> 1, bytes: w.view(), pairEnd };
}

/** Ends a rendered row: `,tp_net_change,tp_day_change` and the newline. */
export function writeRowTail(w: ByteWriter, netChange: number, dayChange: number): void {
  w.comma();
  w.fixed(netChange, DECIMALS.price);
  w.comma();
  w.fixed(dayChange, DECIMALS.price);
  w.newline();
}

/** The overview row of one index: PCR (OI) per tag, day width, changes, expiry masks. VIX is not collected: empty. */
export function overviewRow(s: IndexSummary, expiries: readonly ExpirySummary[], at: number): string {
  const pcrByTag = new Map<string, number>();
  // The ladder's PCR in every analytics.scope: the column keeps the meaning it was recorded with.
  for (const e of expiries) if (e.index === s.index && e.tag in EXPIRY_TAG_BITS) pcrByTag.set(e.tag, e.pcrOiWindow);
  const pcrOf = (tag: string) => fmt(pcrByTag.get(tag) ?? Number.NaN, DECIMALS.pcr);
  const P = DECIMALS.price;
  return [
    formatG6Timestamp(at),
    s.index,
    pcrOf("this_week"),
    pcrOf("next_week"),
    pcrOf("this_month"),
    pcrOf("next_month"),
    fmt(s.high - s.low, P),
    fmt(s.spot, P),
    fmt(s.spot - s.prevClose, P),
    fmt(s.spot - s.open, P),
    "",
    String(s.expiriesExpected),
    String(s.expiriesCollected),
    String(s.expectedMask),
    String(s.collectedMask),
    String(s.missingMask),
  ].join(",");
}
