/**
 * Strike flow: OI change per strike (calls and puts) since the session's first snapshot and over
 * a lookback, and each leg's build-up class, for the latest cycle.
 *
 * The tracker keeps, per (index, expiry), the first finite OI of each strike and side in the
 * session (IST date) and the recent snapshots back to the newest one at least `lookbackMinutes`
 * old. A change over the lookback is missing (NaN, build-up "unknown") until such a snapshot
 * exists, and for a strike the base snapshot did not have: never computed over a shorter span.
 * State is the tracker's own (a factory, no module state); the engine keeps one per run.
 *
 * Units: OI in contracts, prices in points, times epoch ms, thresholds in percent.
 */
import { BUILDUP_CLASSES, buildupCode, type Buildup } from "../analytics/index.ts";
import type { StrikeColumns } from "./chain-legs.ts";

/** One strike's OI change over the lookback (contracts) on one side. */
export type OiMove = { strike: number; side: "CE" | "PE"; change: number };

/** Per-strike flow of one expiry in the latest cycle (arrays aligned with `strike`, ascending). */
export type StrikeFlow = {
  index: string;
  tag: string;
  expiry: string;
  /** Snapshot instant of this cycle, epoch ms. */
  at: number;
  /** Instant of the session's first snapshot of this expiry, epoch ms. */
  sessionAt: number;
  /** Instant of the lookback's base snapshot, epoch ms; NaN when none is old enough yet. */
  lookbackAt: number;
  strike: Float64Array;
  callOi: Float64Array;
  putOi: Float64Array;
  callLast: Float64Array;
  putLast: Float64Array;
  /** OI now − the strike's first finite OI in the session, contracts (NaN: missing). */
  callOiChangeSession: Float64Array;
  putOiChangeSession: Float64Array;
  /** OI now − OI at the lookback's base snapshot, contracts. */
  callOiChangeLookback: Float64Array;
  putOiChangeLookback: Float64Array;
  /** Last price now − last price at the lookback's base snapshot, points. */
  callPriceChangeLookback: Float64Array;
  putPriceChangeLookback: Float64Array;
  /** Build-up class codes over the lookback (index into BUILDUP_CLASSES; 0 unknown). */
  callBuildup: Uint8Array;
  putBuildup: Uint8Array;
};

/** Per-expiry figures derived from the strike flow. */
export type ExpiryFlow = {
  /** Σ over strikes of the session / lookback OI change, contracts (NaN when no strike has one). */
  callOiChangeSession: number;
  putOiChangeSession: number;
  callOiChangeLookback: number;
  putOiChangeLookback: number;
  /** The class holding the largest Σ|ΔOI| over the lookback among the side's classified strikes. */
  callBuildup: Buildup;
  putBuildup: Buildup;
  /** The top-N strikes by OI added over the lookback (largest first), and by OI shed (most negative first). */
  topOiAdditions: OiMove[];
  topOiReductions: OiMove[];
};

export type FlowSettings = { lookbackMinutes: number; topN: number; oiThresholdPct: number; priceThresholdPct: number };

type Snapshot = { at: number; cols: StrikeColumns };
type Track = { date: string; sessionAt: number; firstCall: Map<number, number>; firstPut: Map<number, number>; history: Snapshot[] };

export type StrikeFlowTracker = {
  /** Records `cols` (fresh arrays the tracker may keep) as the expiry's snapshot at `at` on IST `date`; returns its flow. */
  update(key: { index: string; tag: string; expiry: string }, cols: StrikeColumns, at: number, date: string, s: FlowSettings): StrikeFlow;
};

/** Index of `k` in ascending `a`, or −1. */
function find(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = a[mid]!;
    if (v === k) return mid;
    if (v < k) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

const nanArray = (n: number) => new Float64Array(n).fill(Number.NaN);

export function createStrikeFlowTracker(): StrikeFlowTracker {
  const tracks = new Map<string, Track>();
  return {
    update(key, cols, at, date, s) {
      const id = `${key.index}|${key.expiry}`;
      let t = tracks.get(id);
      if (!t || t.date !== date) {
        t = { date, sessionAt: at, firstCall: new Map(), firstPut: new Map(), history: [] };
        tracks.set(id, t);
      }
      // Drop finished sessions' tracks (another day's).
      for (const [k, other] of tracks) if (other.date !== date) tracks.delete(k);
      const n = cols.strike.length;
      const flow: StrikeFlow = {
        ...key,
        at,
        sessionAt: t.sessionAt,
        lookbackAt: Number.NaN,
        strike: cols.strike,
        callOi: cols.callOi,
        putOi: cols.putOi,
        callLast: cols.callLast,
        putLast: cols.putLast,
        callOiChangeSession: nanArray(n),
        putOiChangeSession: nanArray(n),
        callOiChangeLookback: nanArray(n),
        putOiChangeLookback: nanArray(n),
        callPriceChangeLookback: nanArray(n),
        putPriceChangeLookback: nanArray(n),
        callBuildup: new Uint8Array(n),
        putBuildup: new Uint8Array(n),
      };
      for (let i = 0; i < n; i++) {
        const k = cols.strike[i]!;
        const c = cols.callOi[i]!;
        const p = cols.putOi[i]!;
        if (Number.isFinite(c) && !t.firstCall.has(k)) t.firstCall.set(k, c);
        if (Number.isFinite(p) && !t.firstPut.has(k)) t.firstPut.set(k, p);
        flow.callOiChangeSession[i] = c - (t.firstCall.get(k) ?? Number.NaN);
        flow.putOiChangeSession[i] = p - (t.firstPut.get(k) ?? Number.NaN);
      }
      // The base: the newest earlier snapshot at least the lookback old; older ones are dropped.
      const cutoff = at - s.lookbackMinutes * 60_000;
      let base = -1;
      for (let h = 0; h < t.history.length; h++) if (t.history[h]!.at <= cutoff) base = h;
      if (base > 0) t.history.splice(0, base);
      const b = base >= 0 ? t.history[0]! : null;
      if (b) {
        flow.lookbackAt = b.at;
        for (let i = 0; i < n; i++) {
          const j = find(b.cols.strike, cols.strike[i]!);
          if (j < 0) continue;
          flow.callOiChangeLookback[i] = cols.callOi[i]! - b.cols.callOi[j]!;
          flow.putOiChangeLookback[i] = cols.putOi[i]! - b.cols.putOi[j]!;
          flow.callPriceChangeLookback[i] = cols.callLast[i]! - b.cols.callLast[j]!;
          flow.putPriceChangeLookback[i] = cols.putLast[i]! - b.cols.putLast[j]!;
          flow.callBuildup[i] = buildupCode(b.cols.callOi[j]!, cols.callOi[i]!, b.cols.callLast[j]!, cols.callLast[i]!, s.oiThresholdPct, s.priceThresholdPct);
          flow.putBuildup[i] = buildupCode(b.cols.putOi[j]!, cols.putOi[i]!, b.cols.putLast[j]!, cols.putLast[i]!, s.oiThresholdPct, s.priceThresholdPct);
        }
      }
      t.history.push({ at, cols });
      return flow;
    },
  };
}

/** Σ of the finite values; NaN when none is finite. */
function finiteSum(a: Float64Array): number {
  let sum = 0;
  let any = false;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      any = true;
    }
  }
  return any ? sum : Number.NaN;
}

/**
 * One side's expiry class: among strikes classified long/short build-up, short covering or long
 * unwinding, the class with the largest Σ|ΔOI|; "neutral" when strikes were compared but none
 * passed the thresholds; "unknown" when none could be compared.
 */
function expiryBuildup(codes: Uint8Array, dOi: Float64Array): Buildup {
  const weight = new Float64Array(BUILDUP_CLASSES.length);
  let neutral = false;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 1) neutral = true;
    else if (c > 1) weight[c] += Math.abs(dOi[i]!);
  }
  let best = 0;
  for (let c = 2; c < weight.length; c++) if (weight[c]! > 0 && (best === 0 || weight[c]! > weight[best]!)) best = c;
  if (best > 0) return BUILDUP_CLASSES[best]!;
  return neutral ? "neutral" : "unknown";
}

/**
 * Keeps `top` (at most n, best first by `better`) with `m` offered: an insertion into a short
 * list, so a cycle allocates only the moves it keeps.
 */
function offer(top: OiMove[], n: number, m: OiMove, better: (a: OiMove, b: OiMove) => boolean): void {
  if (top.length === n && !better(m, top[n - 1]!)) return;
  let at = top.length;
  while (at > 0 && better(m, top[at - 1]!)) at--;
  top.splice(at, 0, m);
  if (top.length > n) top.pop();
}

/** Per-expiry figures of `flow`: sums, build-up classes and the top-N OI additions and reductions over the lookback. */
export function expiryFlow(flow: StrikeFlow, topN: number): ExpiryFlow {
  // Largest change first; ties go to the lower strike, then CE before PE (strikes are visited ascending, CE first: an equal change does not displace).
  const additions: OiMove[] = [];
  const reductions: OiMove[] = [];
  const more = (a: OiMove, b: OiMove) => a.change > b.change;
  const less = (a: OiMove, b: OiMove) => a.change < b.change;
  for (let i = 0; i < flow.strike.length; i++) {
    for (const side of ["CE", "PE"] as const) {
      const change = side === "CE" ? flow.callOiChangeLookback[i]! : flow.putOiChangeLookback[i]!;
      if (change > 0) offer(additions, topN, { strike: flow.strike[i]!, side, change }, more);
      else if (change < 0) offer(reductions, topN, { strike: flow.strike[i]!, side, change }, less);
    }
  }
  return {
    callOiChangeSession: finiteSum(flow.callOiChangeSession),
    putOiChangeSession: finiteSum(flow.putOiChangeSession),
    callOiChangeLookback: finiteSum(flow.callOiChangeLookback),
    putOiChangeLookback: finiteSum(flow.putOiChangeLookback),
    callBuildup: expiryBuildup(flow.callBuildup, flow.callOiChangeLookback),
    putBuildup: expiryBuildup(flow.putBuildup, flow.putOiChangeLookback),
    topOiAdditions: additions,
    topOiReductions: reductions,
  };
}

/** The flow of `index` and expiry tag (or date) in the latest cycle's flows, or null. */
export function strikeFlowOf(flows: readonly StrikeFlow[] | undefined, index: string, expiry: string): StrikeFlow | null {
  return flows?.find((f) => f.index === index && (f.tag === expiry || f.expiry === expiry)) ?? null;
}
