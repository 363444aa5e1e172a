/**
 * The replay provider: serves a recorded G6 CSV tree through the Provider contract, one
 * recorded day in memory at a time (recording.ts). Per snapshot instant it answers with what
 * was recorded at that instant: spot from the overview rows (or the option rows' index
 * price), the expiries and strikes the day's option rows hold as the listing, and per leg the
 * recorded last, avg, volume and OI; bid, ask and the net change were never recorded and stay
 * NaN. Unless `recompute`, it also writes the recorded IV and Greeks and declares
 * `suppliesAnalytics`, so enrichment keeps them and the rows come out as recorded.
 *
 * A relative expiry tag (this_week …) is served only from rows recorded under that tag: the
 * listing is what the record holds, not the exchange's, so a tag the recording never collected
 * could otherwise resolve to another tag's expiry and be filled with its rows.
 */
import type { ChainBatch } from "../../chain/batch.ts";
import { INDICES, isExpiryTag, istDate, type IndexName } from "../../market/index.ts";
import type { Instrument, LegRange, Provider, QuoteReport, SpotQuote } from "../../contracts/index.ts";
import { LEG_FIELDS, QUOTE_FIELDS, type RecordedDay } from "./recording.ts";

export type ReplayProviderOptions = {
  /** The recorded day of an IST date (loaded on first use, one day kept). */
  day: (date: string) => RecordedDay;
  /** Re-derive IV and Greeks (do not supply the recorded ones). */
  recompute: boolean;
};

export function createReplayProvider(opts: ReplayProviderOptions): Provider {
  let today = "";
  /** The day of the instant last asked for (spot comes first in a cycle). */
  const dayOf = (date: string) => {
    today = date;
    return opts.day(date);
  };
  const current = () => (today === "" ? null : opts.day(today));
  // The leading LEG_FIELDS served: the quotes, and the analytics unless recomputed.
  const fields = LEG_FIELDS.slice(0, opts.recompute ? QUOTE_FIELDS.length : LEG_FIELDS.length);

  return {
    name: "replay",
    capabilities: opts.recompute ? {} : { suppliesAnalytics: true },
    async open() {},
    async close() {},
    async listExpiries(index, date) {
      return dayOf(date).expiries(index).filter((e) => e >= date);
    },
    async instruments(index, expiry) {
      const day = current();
      if (!day) return [];
      const lotSize = INDICES[index as IndexName]?.lotSize ?? Number.NaN;
      const yymmdd = expiry.slice(2).replaceAll("-", "");
      const out: Instrument[] = [];
      for (const strike of day.strikes(index, expiry)) {
        for (const isCall of [true, false]) {
          // A recording has no exchange tokens: each contract of the listing gets its own number.
          out.push({ token: out.length + 1, symbol: `${index}${yymmdd}${strike}${isCall ? "CE" : "PE"}`, index, expiry, strike, isCall, lotSize });
        }
      }
      return out;
    },
    async spot(indices, at) {
      const day = dayOf(istDate(at));
      const out: SpotQuote[] = [];
      for (const index of indices) {
        const s = day.spot(index, at);
        if (s) out.push({ index, last: s.last, open: s.open, high: s.high, low: s.low, prevClose: s.prevClose, time: at, ...(s.atm > 0 ? { atm: s.atm } : {}) });
      }
      return out;
    },
    async quotes(batch: ChainBatch, at: number, range?: LegRange): Promise<QuoteReport> {
      const day = dayOf(istDate(at));
      const lo = Math.max(0, range?.start ?? 0);
      const hi = Math.min(batch.legs, range?.end ?? batch.legs);
      let returned = 0;
      if (lo >= hi) return { returned, requests: 0 };
      const into = fields.map((f) => batch[f]);
      const n = into.length;
      for (let g = batch.group[lo]!; g <= batch.group[hi - 1]!; g++) {
        const index = batch.labels.index[g]!;
        const expiry = batch.labels.expiry[g]!;
        const tag = batch.labels.tag[g]!;
        const tags = day.tags(index, expiry);
        if (isExpiryTag(tag) && [...tags].some(isExpiryTag) && !tags.has(tag)) continue;
        const rows = day.rowsAt(index, expiry, at);
        if (!rows) continue;
        for (let i = Math.max(lo, batch.start[g]!); i < Math.min(hi, batch.end[g]!); i++) {
          const ref = rows.get(batch.strike[i]!);
          if (ref === undefined) continue;
          const cols = day.sideColumns(ref, batch.isCall[i] === 1);
          const row = day.rowOf(ref);
          let any = false;
          for (let k = 0; k < n; k++) {
            const x = cols[k]![row]!;
            into[k]![i] = x;
            if (x === x) any = true;
          }
          if (any) {
            batch.quoteTime[i] = at;
            returned++;
          }
        }
      }
      return { returned, requests: 1 };
    },
  };
}
