/**
 * ChainBatch: the columnar layout of one cycle's option chains past the provider boundary.
 *
 * Legs are grouped by (index, expiry) into groups; inside a group legs come in strike pairs,
 * ascending by strike: leg 2k is the call (CE) and leg 2k+1 the put (PE) of the same strike.
 * Every numeric field is a typed array so a batch (or a shard of it) crosses to a worker by
 * transferring buffers, never by cloning objects. Missing market data is NaN, never a number
 * made up to fill the gap.
 *
 * Units: prices in index points; volume and OI in contracts as the exchange reports them;
 * times in epoch milliseconds; T in years (365-day); iv as a fraction; Greeks in G6 units
 * (delta per point, gamma per point², theta per calendar day, vega per vol point, rho per 1 %).
 */

/** Which price the IV was solved from. */
export const IV_SOURCE = { none: 0, mid: 1, last: 2 } as const;
/** How the group's forward was obtained. */
export const FORWARD_SOURCE = { parity: 1, spot_carry: 2 } as const;

/** Per-leg input fields, as filled by a provider (NaN = not quoted). */
export const LEG_INPUT_FIELDS = ["strike", "last", "avg", "bid", "ask", "volume", "oi", "netChange", "quoteTime"] as const;
/** Per-leg fields computed by enrichment. */
export const LEG_OUTPUT_FIELDS = ["iv", "delta", "gamma", "theta", "vega", "rho"] as const;
/** Per-group numeric fields. */
export const GROUP_FIELDS = ["spot", "atm", "T", "df", "forward"] as const;

export type LegInputField = (typeof LEG_INPUT_FIELDS)[number];
export type LegOutputField = (typeof LEG_OUTPUT_FIELDS)[number];
export type GroupField = (typeof GROUP_FIELDS)[number];

/** Small per-group string tables (index name, expiry tag, expiry date). */
export type GroupLabels = { index: string[]; tag: string[]; expiry: string[] };

export type ChainBatch = {
  legs: number;
  groups: number;
  labels: GroupLabels;
  /** Group of each leg. */
  group: Uint16Array;
  /** 1 for a call, 0 for a put. */
  isCall: Uint8Array;
  /** IV_SOURCE code per leg. */
  ivSource: Uint8Array;
  /** IV failure reason code per leg (0 = solved or not attempted; see analytics IV_FAILURE_REASONS, 1-based). */
  ivFail: Uint8Array;
  /** First leg of each group, and one past its last (legs [start[g], end[g])). */
  start: Uint32Array;
  end: Uint32Array;
  /** FORWARD_SOURCE code per group. */
  forwardSource: Uint8Array;
} & Record<LegInputField | LegOutputField, Float64Array> &
  Record<`g_${GroupField}`, Float64Array>;

/** One group's description for `createBatch`. */
export type GroupSpec = {
  index: string;
  tag: string;
  expiry: string;
  spot: number;
  atm: number;
  T: number;
  df: number;
  /** Ascending strikes; each gets a CE and a PE leg. */
  strikes: ArrayLike<number>;
};

/** Arrays of a batch by field name (as shipped to and from workers). */
export type BatchArrays = Omit<ChainBatch, "legs" | "groups" | "labels">;

/**
 * Assembles a batch object with every field in one fixed order, so the runtime gives all
 * batches one shape (hot loops read these fields per leg; a dictionary-mode object would make
 * each read a hash lookup).
 */
export function assembleBatch(legs: number, groups: number, labels: GroupLabels, a: BatchArrays): ChainBatch {
  return {
    legs,
    groups,
    labels,
    group: a.group,
    isCall: a.isCall,
    ivSource: a.ivSource,
    ivFail: a.ivFail,
    start: a.start,
    end: a.end,
    forwardSource: a.forwardSource,
    strike: a.strike,
    last: a.last,
    avg: a.avg,
    bid: a.bid,
    ask: a.ask,
    volume: a.volume,
    oi: a.oi,
    netChange: a.netChange,
    quoteTime: a.quoteTime,
    iv: a.iv,
    delta: a.delta,
    gamma: a.gamma,
    theta: a.theta,
    vega: a.vega,
    rho: a.rho,
    g_spot: a.g_spot,
    g_atm: a.g_atm,
    g_T: a.g_T,
    g_df: a.g_df,
    g_forward: a.g_forward,
  };
}

/** Allocates a batch for the given groups, with strikes/sides/groups set and every quote NaN. */
export function createBatch(specs: readonly GroupSpec[]): ChainBatch {
  let legs = 0;
  for (const s of specs) legs += 2 * s.strikes.length;
  const nan = (n: number) => new Float64Array(n).fill(Number.NaN);
  const G = specs.length;
  const batch = assembleBatch(
    legs,
    G,
    { index: specs.map((s) => s.index), tag: specs.map((s) => s.tag), expiry: specs.map((s) => s.expiry) },
    {
      group: new Uint16Array(legs),
      isCall: new Uint8Array(legs),
      ivSource: new Uint8Array(legs),
      ivFail: new Uint8Array(legs),
      start: new Uint32Array(G),
      end: new Uint32Array(G),
      forwardSource: new Uint8Array(G),
      strike: nan(legs),
      last: nan(legs),
      avg: nan(legs),
      bid: nan(legs),
      ask: nan(legs),
      volume: nan(legs),
      oi: nan(legs),
      netChange: nan(legs),
      quoteTime: nan(legs),
      iv: nan(legs),
      delta: nan(legs),
      gamma: nan(legs),
      theta: nan(legs),
      vega: nan(legs),
      rho: nan(legs),
      g_spot: nan(G),
      g_atm: nan(G),
      g_T: nan(G),
      g_df: nan(G),
      g_forward: nan(G),
    },
  );
  layoutBatch(batch, specs);
  return batch;
}

/**
 * Writes the groups' layout into `batch` (legs and groups sized for `specs`): each group's
 * start, end and numbers, each leg's group, side (calls set to 1: `isCall` must be zero on entry)
 * and strike.
 */
export function layoutBatch(batch: ChainBatch, specs: readonly GroupSpec[]): void {
  const G = specs.length;
  // Plain indexed loops over locals: at ~100,000 legs this runs every cycle on the main thread.
  const { group, isCall, strike } = batch;
  let leg = 0;
  for (let g = 0; g < G; g++) {
    const s = specs[g]!;
    const strikes = s.strikes;
    const n = strikes.length;
    batch.start[g] = leg;
    batch.g_spot[g] = s.spot;
    batch.g_atm[g] = s.atm;
    batch.g_T[g] = s.T;
    batch.g_df[g] = s.df;
    group.fill(g, leg, leg + 2 * n);
    for (let k = 0; k < n; k++) {
      const K = strikes[k]!;
      isCall[leg] = 1;
      strike[leg] = K;
      strike[leg + 1] = K;
      leg += 2;
    }
    batch.end[g] = leg;
  }
}

/** Per-leg price fields: a value ≤ 0 or not finite is not a price. */
const PRICE_FIELDS = ["last", "avg", "bid", "ask"] as const;
/** Per-leg count fields: zero is a real value (an untraded contract), a negative one is not. */
const COUNT_FIELDS = ["volume", "oi"] as const;

/**
 * The provider boundary: makes every value a provider wrote into legs [0, legs) one G6 can
 * trust, in place. A price (last, avg, bid, ask) ≤ 0 or not finite becomes NaN (missing):
 * feeds send 0 for "no trade" or "no bid", and summing it would make up a straddle or a day
 * change. Volume and OI of 0 stay (a contract can have no open interest); negative or
 * non-finite ones become NaN. Returns the number of values set to NaN.
 */
export function rejectInvalidQuotes(b: ChainBatch): number {
  let rejected = 0;
  for (const f of PRICE_FIELDS) {
    const a = b[f];
    for (let i = 0; i < b.legs; i++) {
      const x = a[i]!;
      // NaN fails both tests and is left alone (already missing, not counted).
      if (x <= 0 || x === Number.POSITIVE_INFINITY) {
        a[i] = Number.NaN;
        rejected++;
      }
    }
  }
  for (const f of COUNT_FIELDS) {
    const a = b[f];
    for (let i = 0; i < b.legs; i++) {
      const x = a[i]!;
      if (x < 0 || x === Number.POSITIVE_INFINITY) {
        a[i] = Number.NaN;
        rejected++;
      }
    }
  }
  return rejected;
}

/** True when the leg has a usable quote (a positive last price or a two-sided market). */
export function hasPrice(b: ChainBatch, i: number): boolean {
  return b.last[i]! > 0 || (b.bid[i]! > 0 && b.ask[i]! > 0);
}
