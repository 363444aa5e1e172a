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
import { STRIKE_COLUMNS, type StrikeColumns } from "./chain-legs.ts";

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

/**
 * Recycled memory of one expiry's cycle: its strike columns (STRIKE_COLUMNS × n values, from
 * `reserve`) followed by its flow's per-strike figures. One hold: the cycle's result (the flow
 * in `CycleResult.flows`) until released; then the buffer goes back to its expiry's free list
 * and a later `reserve` overwrites it. The history keeps copies of what it compares
 * (HISTORY_COLUMNS), in memory of its own, recycled when a snapshot is dropped.
 */
type Lease = { holds: number; buffer: ArrayBuffer; strikes: number; free: ArrayBuffer[] };
type HistoryColumns = Pick<StrikeColumns, "strike" | "callOi" | "putOi" | "callLast" | "putLast">;
/** `buffer`: the history's own copy (null: the caller's fresh columns, kept as given). */
type Snapshot = { at: number; cols: HistoryColumns; buffer: ArrayBuffer | null };
type Memory = { results: ArrayBuffer[]; history: ArrayBuffer[] };
/** The session's first finite OI of each strike and side, aligned with the ascending strikes seen so far (NaN: none yet). */
type First = { strike: Float64Array; call: Float64Array; put: Float64Array };
type Track = { date: string; sessionAt: number; first: First; history: Snapshot[]; free: Memory };

/** Float64 figures per strike a flow adds (session and lookback OI change, lookback price change, per side). */
const FLOW_F64 = 6;
const HISTORY_COLUMNS = ["strike", "callOi", "putOi", "callLast", "putLast"] as const;
/** Released buffers kept per expiry for reuse (each list). */
const MAX_FREE = 4;
const leases = new WeakMap<StrikeFlow, Lease>();
const bytesFor = (strikes: number) => strikes * ((STRIKE_COLUMNS + FLOW_F64) * 8 + 2);

/** The smallest buffer of `free` holding `bytes` and at most twice that, taken out of it; else a fresh one with 1/16 headroom. */
function takeBuffer(free: ArrayBuffer[], bytes: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const c = free[i]!.byteLength;
    if (c >= bytes && c <= 2 * bytes && (best < 0 || c < free[best]!.byteLength)) best = i;
  }
  return best >= 0 ? free.splice(best, 1)[0]! : new ArrayBuffer(bytes + 8 * Math.ceil(bytes / 128));
}

function giveBuffer(free: ArrayBuffer[], buffer: ArrayBuffer): void {
  if (free.length < MAX_FREE) free.push(buffer);
}

/** Takes one more hold on `flow`'s memory (no effect on a flow not in recycled memory). */
export function retainFlow(flow: StrikeFlow): void {
  const lease = leases.get(flow);
  if (!lease) return;
  if (lease.holds <= 0) throw new Error("retainFlow: the flow was already released (its memory may be reused)");
  lease.holds++;
}

/**
 * Gives one hold on `flow`'s memory back (the engine gives its result's with the cycle's batch,
 * src/engine/holds.ts); at none a later cycle overwrites it. No effect on a flow not in recycled
 * memory. Throws when released more often than held.
 */
export function releaseFlow(flow: StrikeFlow): void {
  const lease = leases.get(flow);
  if (!lease) return;
  if (lease.holds <= 0) throw new Error("releaseFlow: released more often than held");
  if (--lease.holds === 0) giveBuffer(lease.free, lease.buffer);
}

/** The holds on `flow`'s memory now (null: not recycled memory). */
export function flowHolds(flow: StrikeFlow): number | null {
  return leases.get(flow)?.holds ?? null;
}

export type StrikeFlowTracker = {
  /**
   * Memory for the expiry's strike columns of this cycle (pass it to `strikeColumns`, then the
   * columns to `update`): at least STRIKE_COLUMNS × `strikes` values, taken from the expiry's
   * released memory when a buffer fits. The flow `update` returns then lives in the same memory
   * and holds it for its result until `releaseFlow` (see Lease).
   */
  reserve(key: { index: string; expiry: string }, strikes: number): Float64Array;
  /**
   * Records `cols` (arrays the tracker may keep: fresh, or views of this cycle's `reserve`) as the
   * expiry's snapshot at `at` on IST `date`; returns its flow.
   */
  update(key: { index: string; tag: string; expiry: string }, cols: StrikeColumns, at: number, date: string, s: FlowSettings): StrikeFlow;
};

/** `f` grown to the union of its strikes and the ascending `strikes` (new strikes have no first OI); `f` itself when it has them all. */
function withStrikes(f: First, strikes: Float64Array): First {
  const a = f.strike;
  let j = 0;
  let all = true;
  for (let i = 0; i < strikes.length && all; i++) {
    const k = strikes[i]!;
    while (j < a.length && a[j]! < k) j++;
    all = j < a.length && a[j] === k;
  }
  if (all) return f;
  const strike: number[] = [];
  const call: number[] = [];
  const put: number[] = [];
  let i = 0;
  j = 0;
  while (i < strikes.length || j < a.length) {
    const k = i < strikes.length ? strikes[i]! : Number.POSITIVE_INFINITY;
    const m = j < a.length ? a[j]! : Number.POSITIVE_INFINITY;
    if (i < strikes.length && (j >= a.length || k < m)) {
      // A strike not seen before (once, if `strikes` repeats it).
      if (strike.length === 0 || strike[strike.length - 1] !== k) {
        strike.push(k);
        call.push(Number.NaN);
        put.push(Number.NaN);
      }
      i++;
    } else {
      strike.push(m);
      call.push(f.call[j]!);
      put.push(f.put[j]!);
      if (k === m) i++;
      j++;
    }
  }
  return { strike: Float64Array.from(strike), call: Float64Array.from(call), put: Float64Array.from(put) };
}

/** A snapshot of the columns the lookback compares, copied into the history's recycled memory. */
function historyCopy(free: ArrayBuffer[], cols: StrikeColumns, at: number): Snapshot {
  const n = cols.strike.length;
  const buffer = takeBuffer(free, HISTORY_COLUMNS.length * n * 8);
  const copy = {} as HistoryColumns;
  HISTORY_COLUMNS.forEach((c, i) => {
    copy[c] = new Float64Array(buffer, i * n * 8, n);
    copy[c].set(cols[c]);
  });
  return { at, cols: copy, buffer };
}

export function createStrikeFlowTracker(): StrikeFlowTracker {
  const tracks = new Map<string, Track>();
  /** Free memory of expiries with no track yet (their first cycle reserves before it updates). */
  const spare = new Map<string, Memory>();
  /** This cycle's reserved memory, by expiry, until its update. */
  const reserved = new Map<string, Lease>();
  const dropHistory = (t: Track, count: number) => {
    for (const h of t.history.splice(0, count)) if (h.buffer) giveBuffer(t.free.history, h.buffer);
  };
  const memoryOf = (id: string): Memory => {
    const t = tracks.get(id);
    if (t) return t.free;
    let m = spare.get(id);
    if (!m) spare.set(id, (m = { results: [], history: [] }));
    return m;
  };
  return {
    reserve(key, strikes) {
      const id = `${key.index}|${key.expiry}`;
      const free = memoryOf(id).results;
      const buffer = takeBuffer(free, bytesFor(strikes));
      reserved.set(id, { holds: 0, buffer, strikes, free });
      return new Float64Array(buffer, 0, STRIKE_COLUMNS * strikes);
    },
    update(key, cols, at, date, s) {
      const id = `${key.index}|${key.expiry}`;
      let t = tracks.get(id);
      if (!t || t.date !== date) {
        const free = memoryOf(id);
        spare.delete(id);
        t = { date, sessionAt: at, first: { strike: new Float64Array(0), call: new Float64Array(0), put: new Float64Array(0) }, history: [], free };
        tracks.set(id, t);
      }
      // Drop finished sessions' tracks (another day's).
      for (const [k, other] of tracks) if (other.date !== date) tracks.delete(k);
      const n = cols.strike.length;
      // The flow's figures follow the columns in this cycle's reserved memory, when the columns are in it.
      const r = reserved.get(id);
      reserved.delete(id);
      const lease = r && r.buffer === cols.strike.buffer && n <= r.strikes ? r : null;
      const f64 = (c: number) => (lease ? new Float64Array(lease.buffer, (STRIKE_COLUMNS * lease.strikes + c * n) * 8, n).fill(Number.NaN) : new Float64Array(n).fill(Number.NaN));
      const u8 = (c: number) => (lease ? new Uint8Array(lease.buffer, (STRIKE_COLUMNS + FLOW_F64) * lease.strikes * 8 + c * n, n).fill(0) : new Uint8Array(n));
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
        callOiChangeSession: f64(0),
        putOiChangeSession: f64(1),
        callOiChangeLookback: f64(2),
        putOiChangeLookback: f64(3),
        callPriceChangeLookback: f64(4),
        putPriceChangeLookback: f64(5),
        callBuildup: u8(0),
        putBuildup: u8(1),
      };
      if (lease) {
        // One hold: the result's.
        lease.holds = 1;
        leases.set(flow, lease);
      }
      // Strikes and the session's first OI are both ascending: one walk, no lookups.
      const first = (t.first = withStrikes(t.first, cols.strike));
      for (let i = 0, j = 0; i < n; i++) {
        const k = cols.strike[i]!;
        while (j < first.strike.length && first.strike[j]! < k) j++;
        if (first.strike[j] !== k) continue;
        const c = cols.callOi[i]!;
        const p = cols.putOi[i]!;
        if (Number.isFinite(c) && Number.isNaN(first.call[j]!)) first.call[j] = c;
        if (Number.isFinite(p) && Number.isNaN(first.put[j]!)) first.put[j] = p;
        flow.callOiChangeSession[i] = c - first.call[j]!;
        flow.putOiChangeSession[i] = p - first.put[j]!;
      }
      // The base: the newest earlier snapshot at least the lookback old; older ones are dropped.
      const cutoff = at - s.lookbackMinutes * 60_000;
      let base = -1;
      for (let h = 0; h < t.history.length; h++) if (t.history[h]!.at <= cutoff) base = h;
      if (base > 0) dropHistory(t, base);
      const b = base >= 0 ? t.history[0]! : null;
      if (b) {
        flow.lookbackAt = b.at;
        const bs = b.cols.strike;
        for (let i = 0, j = 0; i < n; i++) {
          const k = cols.strike[i]!;
          while (j < bs.length && bs[j]! < k) j++;
          if (j >= bs.length || bs[j] !== k) continue;
          flow.callOiChangeLookback[i] = cols.callOi[i]! - b.cols.callOi[j]!;
          flow.putOiChangeLookback[i] = cols.putOi[i]! - b.cols.putOi[j]!;
          flow.callPriceChangeLookback[i] = cols.callLast[i]! - b.cols.callLast[j]!;
          flow.putPriceChangeLookback[i] = cols.putLast[i]! - b.cols.putLast[j]!;
          flow.callBuildup[i] = buildupCode(b.cols.callOi[j]!, cols.callOi[i]!, b.cols.callLast[j]!, cols.callLast[i]!, s.oiThresholdPct, s.priceThresholdPct);
          flow.putBuildup[i] = buildupCode(b.cols.putOi[j]!, cols.putOi[i]!, b.cols.putLast[j]!, cols.putLast[i]!, s.oiThresholdPct, s.priceThresholdPct);
        }
      }
      t.history.push(lease ? historyCopy(t.free.history, cols, at) : { at, cols, buffer: null });
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
 * Keeps `top` (at most n, best first: the largest `dir` × change) with the move (`strike`,
 * `side`, `change`) offered: an insertion into a short list, so a cycle allocates only the moves
 * it keeps. An equal change does not displace.
 */
function offer(top: OiMove[], n: number, strike: number, side: "CE" | "PE", change: number, dir: 1 | -1): void {
  if (top.length === n && !(dir * change > dir * top[n - 1]!.change)) return;
  let at = top.length;
  while (at > 0 && dir * change > dir * top[at - 1]!.change) at--;
  top.splice(at, 0, { strike, side, change });
  if (top.length > n) top.pop();
}

/** Per-expiry figures of `flow`: sums, build-up classes and the top-N OI additions and reductions over the lookback. */
export function expiryFlow(flow: StrikeFlow, topN: number): ExpiryFlow {
  // Largest change first; ties go to the lower strike, then CE before PE (strikes are visited ascending, CE first: an equal change does not displace).
  const additions: OiMove[] = [];
  const reductions: OiMove[] = [];
  for (let i = 0; i < flow.strike.length; i++) {
    const ce = flow.callOiChangeLookback[i]!;
    if (ce > 0) offer(additions, topN, flow.strike[i]!, "CE", ce, 1);
    else if (ce < 0) offer(reductions, topN, flow.strike[i]!, "CE", ce, -1);
    const pe = flow.putOiChangeLookback[i]!;
    if (pe > 0) offer(additions, topN, flow.strike[i]!, "PE", pe, 1);
    else if (pe < 0) offer(reductions, topN, flow.strike[i]!, "PE", pe, -1);
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
