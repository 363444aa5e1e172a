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
import { ByteWriter } from "./bytes.ts";
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

/** Writes a CE/PE pair of fields (each preceded by a comma). */
function pair(w: ByteWriter, field: Float64Array, c: number, d: number): void {
  w.comma();
  w.fixed(field[c]!, d);
  w.comma();
  w.fixed(field[c + 1]!, d);
}

/** Renders the row bodies of groups [g0, g1) of the batch, stamped `stamp` (formatG6Timestamp). */
export function renderRowBodies(b: ChainBatch, g0: number, g1: number, stamp: string): RenderedRows {
  const l0 = g1 > g0 ? b.start[g0]! : 0;
  const l1 = g1 > g0 ? b.end[g1 - 1]! : 0;
  const pairEnd = new Uint32Array((l1 - l0) >> 1);
  // The rows' memory comes from this thread's recycled buffers (the CSV sink gives it back after its write).
  const capacity = Math.max(1024, (l1 - l0) * 140);
  const w = new ByteWriter(capacity, capacity >= LARGE_BYTES ? threadBuffers.take(capacity) : undefined);
  const encoder = new TextEncoder();
  const P = DECIMALS.price;
  for (let g = g0; g < g1; g++) {
    const prefix = encoder.encode(`${stamp},${b.labels.index[g]},${b.labels.tag[g]},${b.labels.expiry[g]},`);
    const atm = b.g_atm[g]!;
    const spot = b.g_spot[g]!;
    for (let c = b.start[g]!; c < b.end[g]!; c += 2) {
      if (!pairMissing(b, c)) {
        const p = c + 1;
        const strike = b.strike[c]!;
        w.bytes(prefix);
        w.int(strike - atm);
        w.comma();
        w.fixed(spot, P);
        w.comma();
        w.int(atm);
        w.comma();
        w.int(strike);
        pair(w, b.last, c, P);
        w.comma();
        w.fixed(straddleAt(b, c), P);
        pair(w, b.avg, c, P);
        w.comma();
        w.fixed(Number.isFinite(b.avg[c]!) && Number.isFinite(b.avg[p]!) ? b.avg[c]! + b.avg[p]! : Number.NaN, P);
        pair(w, b.volume, c, 0);
        pair(w, b.oi, c, 0);
        pair(w, b.iv, c, DECIMALS.iv);
        pair(w, b.delta, c, DECIMALS.delta);
        pair(w, b.theta, c, DECIMALS.theta);
        pair(w, b.vega, c, DECIMALS.vega);
        pair(w, b.gamma, c, DECIMALS.gamma);
        pair(w, b.rho, c, DECIMALS.rho);
      }
      pairEnd[(c - l0) >> 1] = w.pos;
    }
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
