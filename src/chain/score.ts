/**
 * Scoring: per-expiry aggregates, coverage and status, and the per-index overview.
 * Pure; runs on the main thread after enrichment (its cost is linear and small).
 */
import { impliedMove, skew25 } from "../analytics/index.ts";
import { EXPIRY_TAG_BITS, isExpiryTag } from "../market/index.ts";
import { FORWARD_SOURCE, hasPrice, type ChainBatch } from "./batch.ts";
import { STRIKE_COLUMNS, strikeColumns } from "./chain-legs.ts";
import { emptyHistoryFigures, scopeAggregates, type TraderFigures } from "./trader.ts";

export type Status = "OK" | "PARTIAL" | "EMPTY";

export type ExpirySummary = {
  index: string;
  tag: string;
  expiry: string;
  group: number;
  spot: number;
  atm: number;
  forward: number;
  forwardSource: "parity" | "spot_carry";
  /** Years to 15:30 IST on the expiry date. */
  T: number;
  strikesRequested: number;
  strikesWithData: number;
  legsRequested: number;
  /** Legs with a usable price. */
  legsCollected: number;
  /** Strikes with any usable leg / strikes requested. */
  strikeCoverage: number;
  /** Legs with price, volume and OI present / legs returned. NaN when none returned. */
  fieldCoverage: number;
  pcrOi: number;
  pcrVolume: number;
  maxPain: number;
  atmIv: number;
  /** ATM call + put last price, points. */
  straddle: number;
  /** straddle / spot, fraction. */
  impliedMove: number;
  /** Strike with the highest put OI at or below spot. */
  support: number;
  /** Strike with the highest call OI at or above spot. */
  resistance: number;
  rr25: number;
  bf25: number;
  status: Status;
  reason: string;
} & TraderFigures;

/** What the plan knew about each index (for masks and index status). */
export type IndexPlan = {
  index: string;
  spot: number;
  atm: number;
  /** Previous session close, day open/high/low of the index (NaN when unknown). */
  prevClose: number;
  open: number;
  high: number;
  low: number;
  /** Configured expiry selectors, in order. */
  selectors: readonly string[];
  /** Selectors that matched no listed expiry. */
  unresolved: readonly string[];
  /** Why the index has no data at all, when it has none (e.g. no spot). */
  error?: string;
  /** Selectors left out of the plan by load control (missing, not failed). */
  shed?: readonly string[];
};

export type IndexSummary = Pick<IndexPlan, "index" | "spot" | "atm" | "prevClose" | "open" | "high" | "low"> & {
  legsRequested: number;
  legsCollected: number;
  expiriesExpected: number;
  expiriesCollected: number;
  expectedMask: number;
  collectedMask: number;
  missingMask: number;
  status: Status;
  reason: string;
};

function selectorBit(sel: string): number {
  return isExpiryTag(sel) ? EXPIRY_TAG_BITS[sel] : 0;
}

/**
 * Scratch memory for the columns `scoreGroup` reads and drops within the call (the strikes, the
 * smile, the window's strike columns): grown as needed, never handed out past the call. Fresh
 * arrays for every expiry of every cycle cost far more than the copies (first touch of fresh
 * memory; see src/chain/batch-pool.ts).
 */
let scratch = new Float64Array(0);

function scratchFor(values: number): Float64Array {
  if (scratch.length < values) scratch = new Float64Array(Math.max(values, 2 * scratch.length));
  return scratch;
}

/** Every other element of `field` from `from` (a CE or PE column of a group), n values, into `out`. */
function column(field: Float64Array, from: number, n: number, out: Float64Array): Float64Array {
  for (let k = 0; k < n; k++) out[k] = field[from + 2 * k]!;
  return out;
}

/** What is missing in one group: per strike pair, which sides lack a price; per quoted leg, which fields. */
export type Gaps = {
  legsCollected: number;
  /** Quoted legs with volume and OI present. */
  fullFields: number;
  strikesWithData: number;
  /** Strikes with neither side quoted, only the put quoted (CE missing), only the call quoted (PE missing). */
  bothMissing: number;
  ceMissing: number;
  peMissing: number;
  /** Quoted legs without OI, without volume. */
  oiMissing: number;
  volumeMissing: number;
};

function countGaps(b: ChainBatch, start: number, n: number): Gaps {
  const g: Gaps = { legsCollected: 0, fullFields: 0, strikesWithData: 0, bothMissing: 0, ceMissing: 0, peMissing: 0, oiMissing: 0, volumeMissing: 0 };
  const countFields = (i: number) => {
    g.legsCollected++;
    const hasVolume = Number.isFinite(b.volume[i]!);
    const hasOi = Number.isFinite(b.oi[i]!);
    if (hasVolume && hasOi) g.fullFields++;
    if (!hasOi) g.oiMissing++;
    if (!hasVolume) g.volumeMissing++;
  };
  for (let k = 0; k < n; k++) {
    const c = start + 2 * k;
    const ce = hasPrice(b, c);
    const pe = hasPrice(b, c + 1);
    if (ce) countFields(c);
    if (pe) countFields(c + 1);
    if (ce || pe) g.strikesWithData++;
    if (!ce && !pe) g.bothMissing++;
    else if (!ce) g.ceMissing++;
    else if (!pe) g.peMissing++;
  }
  return g;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The one status rule, the same for every index and expiry: EMPTY when no leg has a price, OK
 * when every requested leg has a price, volume and OI, else PARTIAL. The reason says what is
 * missing: legs without a price (by strike: both sides, CE only, PE only), then quoted legs
 * without OI or volume. `n` is the number of strikes requested (2n legs).
 */
export function expiryStatus(gaps: Gaps, n: number): { status: Status; reason: string } {
  const legs = 2 * n;
  if (gaps.legsCollected === 0) return { status: "EMPTY", reason: legs === 0 ? "no strikes to collect" : `no quotes for any of ${legs} legs` };
  const parts: string[] = [];
  const unquoted = legs - gaps.legsCollected;
  if (unquoted > 0) {
    const where: string[] = [];
    if (gaps.bothMissing) where.push(`${plural(gaps.bothMissing, "strike")} missing CE+PE`);
    if (gaps.ceMissing) where.push(`${where.length ? gaps.ceMissing : plural(gaps.ceMissing, "strike")} missing CE`);
    if (gaps.peMissing) where.push(`${where.length ? gaps.peMissing : plural(gaps.peMissing, "strike")} missing PE`);
    parts.push(`${unquoted} of ${legs} legs without quotes (${where.join(", ")})`);
  }
  if (gaps.oiMissing) parts.push(`${plural(gaps.oiMissing, "leg")} missing OI`);
  if (gaps.volumeMissing) parts.push(`${plural(gaps.volumeMissing, "leg")} missing volume`);
  return parts.length ? { status: "PARTIAL", reason: parts.join(", ") } : { status: "OK", reason: "" };
}

/** Aggregates of one group (expiry) of the batch. */
export function scoreGroup(b: ChainBatch, g: number): ExpirySummary {
  const start = b.start[g]!;
  const end = b.end[g]!;
  const n = (end - start) >> 1;
  // Five columns of n, then the window's strike columns (STRIKE_COLUMNS × n).
  const mem = scratchFor((5 + STRIKE_COLUMNS) * n);
  const view = (c: number) => mem.subarray(c * n, (c + 1) * n);
  const K = column(b.strike, start, n, view(0));
  const gaps = countGaps(b, start, n);
  const { legsCollected, fullFields, strikesWithData } = gaps;
  const spot = b.g_spot[g]!;
  const atm = b.g_atm[g]!;
  let atmK = -1;
  for (let k = 0; k < n; k++) if (K[k] === atm) atmK = k;
  let atmIv = Number.NaN;
  let straddle = Number.NaN;
  if (atmK >= 0) {
    const c = start + 2 * atmK;
    const ivs = [b.iv[c]!, b.iv[c + 1]!].filter(Number.isFinite);
    if (ivs.length) atmIv = ivs.reduce((a, x) => a + x, 0) / ivs.length;
    const cl = b.last[c]!;
    const pl = b.last[c + 1]!;
    if (cl > 0 && pl > 0) straddle = cl + pl;
  }
  const skew = skew25(column(b.delta, start, n, view(1)), column(b.iv, start, n, view(2)), column(b.delta, start + 1, n, view(3)), column(b.iv, start + 1, n, view(4)), atmIv);
  const strikeCoverage = n === 0 ? 0 : strikesWithData / n;
  const fieldCoverage = legsCollected === 0 ? Number.NaN : fullFields / legsCollected;
  const { status, reason } = expiryStatus(gaps, n);
  // Window scope: the ladder's strikes; the cycle replaces these in chain scope (src/engine/trader-analytics.ts).
  const window = scopeAggregates(strikeColumns(b, g, null, mem.subarray(5 * n)), spot, "window");
  return {
    index: b.labels.index[g]!,
    tag: b.labels.tag[g]!,
    expiry: b.labels.expiry[g]!,
    group: g,
    spot,
    atm,
    forward: b.g_forward[g]!,
    forwardSource: b.forwardSource[g] === FORWARD_SOURCE.parity ? "parity" : "spot_carry",
    T: b.g_T[g]!,
    strikesRequested: n,
    strikesWithData,
    legsRequested: 2 * n,
    legsCollected,
    strikeCoverage,
    fieldCoverage,
    ...window,
    atmIv,
    straddle,
    impliedMove: impliedMove(straddle, spot),
    rr25: skew.rr25,
    bf25: skew.bf25,
    status,
    reason,
    pcrOiWindow: window.pcrOi,
    ...emptyHistoryFigures(),
  };
}

/** Per-index overview from its expiries' summaries and the plan (masks per DOMAIN §4). */
export function scoreIndex(plan: IndexPlan, expiries: readonly ExpirySummary[]): IndexSummary {
  let expectedMask = 0;
  let collectedMask = 0;
  let legsRequested = 0;
  let legsCollected = 0;
  let collected = 0;
  for (const sel of plan.selectors) expectedMask |= selectorBit(sel);
  for (const e of expiries) {
    legsRequested += e.legsRequested;
    legsCollected += e.legsCollected;
    if (e.status !== "EMPTY") {
      collected++;
      collectedMask |= selectorBit(e.tag);
    }
  }
  const expected = plan.selectors.length;
  let status: Status = "OK";
  const reasons: string[] = [];
  if (plan.error) reasons.push(plan.error);
  if (plan.unresolved.length) reasons.push(`not listed: ${plan.unresolved.join(", ")}`);
  if (plan.shed?.length) reasons.push(`shed by load control: ${plan.shed.join(", ")}`);
  for (const e of expiries) if (e.status !== "OK") reasons.push(`${e.tag}: ${e.reason}`);
  if (collected === 0) status = "EMPTY";
  else if (collected < expected || reasons.length) status = "PARTIAL";
  return {
    index: plan.index,
    spot: plan.spot,
    atm: plan.atm,
    prevClose: plan.prevClose,
    open: plan.open,
    high: plan.high,
    low: plan.low,
    legsRequested,
    legsCollected,
    expiriesExpected: expected,
    expiriesCollected: collected,
    expectedMask,
    collectedMask,
    missingMask: expectedMask & ~collectedMask,
    status,
    reason: reasons.join("; "),
  };
}
