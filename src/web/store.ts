/**
 * The web dashboard's session store (in memory, bounded): per expiry (index + tag) the latest
 * chain, the session's first snapshot (the open's smile and OI, the base of OI change) and the
 * session's series (spot, PCR by OI and volume, max pain, ATM straddle, implied move, ATM IV).
 *
 * Bounds: one latest chain and one first snapshot per expiry; each expiry's series holds at most
 * `maxPoints` points: when full, every other point is dropped (the whole session stays visible
 * at half the resolution), so memory is O(expiries × maxPoints) whatever the cycle interval.
 * A new IST date starts a new session (everything is cleared).
 *
 * The chain is copied out of the cycle's batch (its typed arrays are recycled by later cycles):
 * a memcpy of the fields shown per leg, about 10 MB at 100,000 legs.
 */
import type { ChainBatch } from "../chain/batch.ts";
import type { CycleResult } from "../contracts/index.ts";
import { type StrikeFlow, strikeFlowOf } from "../chain/strike-flow.ts";

/** Per-leg numeric fields the chain view shows (NaN: missing). */
export const CHAIN_FIELDS = ["last", "netChange", "bid", "ask", "volume", "oi", "iv", "delta", "gamma", "theta", "vega"] as const;
export type ChainField = (typeof CHAIN_FIELDS)[number];

/** One expiry's chain at one snapshot: strikes ascending; per field, CE and PE values aligned with strikes. */
export type ChainSnapshot = {
  index: string;
  tag: string;
  expiry: string;
  cycle: number | null;
  /** Snapshot instant, epoch ms. */
  at: number;
  spot: number;
  atm: number;
  forward: number;
  strikes: Float64Array;
  ce: Record<ChainField, Float64Array>;
  pe: Record<ChainField, Float64Array>;
};

/** The session's per-expiry figures, one entry per snapshot. */
export const SERIES_FIELDS = ["spot", "pcrOi", "pcrVolume", "maxPain", "straddle", "impliedMove", "atmIv"] as const;
export type SeriesField = (typeof SERIES_FIELDS)[number];
export type SeriesPoint = { t: number } & Record<SeriesField, number>;

type Series = { t: number[] } & Record<SeriesField, number[]>;

export type ExpiryState = {
  index: string;
  tag: string;
  expiry: string;
  latest: ChainSnapshot;
  first: ChainSnapshot;
  series: Series;
  /**
   * The latest cycle's build-up class code per strike of `latest` (an index into
   * BUILDUP_CLASSES, 0 unknown), from the engine's strike flow; null when the cycle had none
   * (read back from files, or no flow for the expiry).
   */
  buildup: { ce: Uint8Array; pe: Uint8Array } | null;
};

export const expiryKey = (index: string, tag: string) => `${index}|${tag}`;

const newSeries = (): Series => {
  const s = { t: [] as number[] } as Series;
  for (const f of SERIES_FIELDS) s[f] = [];
  return s;
};

/** Keeps every other point (the newest always kept): halves a full series. */
function halve(s: Series): void {
  const n = s.t.length;
  const keep = (arr: number[]) => {
    const out: number[] = [];
    // Counting back from the newest, so the latest point survives every halving.
    for (let i = n - 1; i >= 0; i -= 2) out.push(arr[i]!);
    out.reverse();
    arr.length = 0;
    arr.push(...out);
  };
  keep(s.t);
  for (const f of SERIES_FIELDS) keep(s[f]);
}

/**
 * The flow's build-up codes at `strikes` (copies: the flow belongs to its cycle); a strike the
 * flow does not hold stays 0 (unknown). Null without a flow.
 */
function buildupOf(strikes: Float64Array, flow: StrikeFlow | null): ExpiryState["buildup"] {
  if (flow === null) return null;
  const ce = new Uint8Array(strikes.length);
  const pe = new Uint8Array(strikes.length);
  const at = new Map<number, number>();
  flow.strike.forEach((k, i) => at.set(k, i));
  strikes.forEach((k, i) => {
    const j = at.get(k);
    if (j === undefined) return;
    ce[i] = flow.callBuildup[j]!;
    pe[i] = flow.putBuildup[j]!;
  });
  return { ce, pe };
}

/**
 * One group of a batch as a chain snapshot (copies). With `into` of the same strike count, its
 * arrays are overwritten instead of allocating new ones (fresh memory is what a copy of 100,000
 * legs a cycle would mostly cost).
 */
export function chainOfGroup(b: ChainBatch, g: number, cycle: number | null, at: number, into?: ChainSnapshot): ChainSnapshot {
  const start = b.start[g]!;
  const end = b.end[g]!;
  const n = (end - start) >> 1;
  const reuse = into !== undefined && into.strikes.length === n;
  // A new snapshot's columns are views of one allocation (one per expiry, not 23).
  const block = reuse ? null : new Float64Array(n * (1 + 2 * CHAIN_FIELDS.length));
  const view = (k: number) => block!.subarray(k * n, (k + 1) * n);
  const strikes = reuse ? into.strikes : view(0);
  const ce = reuse ? into.ce : ({} as Record<ChainField, Float64Array>);
  const pe = reuse ? into.pe : ({} as Record<ChainField, Float64Array>);
  if (!reuse) {
    CHAIN_FIELDS.forEach((f, k) => {
      ce[f] = view(1 + 2 * k);
      pe[f] = view(2 + 2 * k);
    });
  }
  // Field by field over a local column: a per-leg lookup of the field by name costs ~10× more at 100,000 legs.
  const strike = b.strike;
  for (let k = 0; k < n; k++) strikes[k] = strike[start + 2 * k]!;
  for (const f of CHAIN_FIELDS) {
    const col = b[f];
    const c = ce[f];
    const p = pe[f];
    for (let k = 0, i = start; k < n; k++, i += 2) {
      c[k] = col[i]!;
      p[k] = col[i + 1]!;
    }
  }
  const meta = { index: b.labels.index[g]!, tag: b.labels.tag[g]!, expiry: b.labels.expiry[g]!, cycle, at, spot: b.g_spot[g]!, atm: b.g_atm[g]!, forward: b.g_forward[g]! };
  return reuse ? Object.assign(into, meta) : { ...meta, strikes, ce, pe };
}

export type SeedHistory = { first: ChainSnapshot; latest: ChainSnapshot; points: readonly SeriesPoint[] };

export type SessionStore = {
  /** The IST date of the session held ("" before anything). */
  readonly date: string;
  /** Records one cycle (a new date clears the store first). */
  observe(r: CycleResult): void;
  /**
   * Adds one expiry's history read back from the day's files (points in time order): only points
   * older than the expiry's first live point are kept. Ignored unless `date` is the session's.
   */
  seed(date: string, history: SeedHistory): void;
  /** Starts a new session for `date` (clears everything). */
  reset(date: string): void;
  expiries(): ExpiryState[];
  get(index: string, tag: string): ExpiryState | undefined;
  /** Points held over every series (for the bound's test and the docs). */
  readonly points: number;
};

export function createSessionStore(maxPoints: number): SessionStore {
  if (!(maxPoints >= 2)) throw new Error(`series bound must be at least 2 points, got ${maxPoints}`);
  let date = "";
  const byKey = new Map<string, ExpiryState>();

  const push = (s: Series, p: SeriesPoint) => {
    const n = s.t.length;
    // Keep the series in time order: a point at or before the newest is a repeat (seeded then live).
    if (n > 0 && p.t <= s.t[n - 1]!) return;
    if (n >= maxPoints) halve(s);
    s.t.push(p.t);
    for (const f of SERIES_FIELDS) s[f].push(p[f]);
  };
  const record = (chain: ChainSnapshot, point: SeriesPoint, buildup: ExpiryState["buildup"] = null) => {
    const key = expiryKey(chain.index, chain.tag);
    let e = byKey.get(key);
    if (!e) {
      e = { index: chain.index, tag: chain.tag, expiry: chain.expiry, latest: chain, first: chain, series: newSeries(), buildup };
      byKey.set(key, e);
    } else if (chain.at >= e.latest.at) {
      e.latest = chain;
      e.expiry = chain.expiry;
      e.buildup = buildup;
    }
    if (chain.at < e.first.at) e.first = chain;
    push(e.series, point);
  };
  const reset = (d: string) => {
    date = d;
    byKey.clear();
  };

  return {
    get date() {
      return date;
    },
    get points() {
      let n = 0;
      for (const e of byKey.values()) n += e.series.t.length;
      return n;
    },
    reset,
    observe(r) {
      if (r.date !== date) reset(r.date);
      for (const x of r.expiries) {
        // The latest chain's arrays are rewritten in place (never the first snapshot's: it is kept for the session).
        const e = byKey.get(expiryKey(x.index, x.tag));
        const spare = e && e.latest !== e.first && e.latest.at <= r.at ? e.latest : undefined;
        const chain = chainOfGroup(r.batch, x.group, r.cycle, r.at, spare);
        const buildup = buildupOf(chain.strikes, strikeFlowOf(r.flows, x.index, x.tag));
        record(chain, { t: r.at, spot: x.spot, pcrOi: x.pcrOi, pcrVolume: x.pcrVolume, maxPain: x.maxPain, straddle: x.straddle, impliedMove: x.impliedMove, atmIv: x.atmIv }, buildup);
      }
    },
    seed(d, h) {
      if (d !== date || h.points.length === 0) return;
      const key = expiryKey(h.first.index, h.first.tag);
      const e = byKey.get(key);
      // Only history older than the live data: live points win where both exist.
      const liveFrom = e && e.series.t.length ? e.series.t[0]! : Number.POSITIVE_INFINITY;
      const series = newSeries();
      for (const p of h.points) if (p.t < liveFrom) push(series, p);
      if (e) {
        for (let i = 0; i < e.series.t.length; i++) {
          const p = { t: e.series.t[i]! } as SeriesPoint;
          for (const f of SERIES_FIELDS) p[f] = e.series[f][i]!;
          push(series, p);
        }
        e.series = series;
        if (h.first.at < e.first.at) e.first = h.first;
        return;
      }
      byKey.set(key, { index: h.latest.index, tag: h.latest.tag, expiry: h.latest.expiry, latest: h.latest, first: h.first, series, buildup: null });
    },
    expiries: () => [...byKey.values()],
    get: (index, tag) => byKey.get(expiryKey(index, tag)),
  };
}
