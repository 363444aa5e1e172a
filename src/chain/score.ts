/**
 * Scoring: per-expiry aggregates, coverage and status, and the per-index overview.
 * Pure; runs on the main thread after enrichment (its cost is linear and small).
 */
import { argMaxStrike, impliedMove, maxPain, pcr, skew25 } from "../analytics/index.ts";
import { EXPIRY_TAG_BITS, isExpiryTag } from "../market/index.ts";
import { FORWARD_SOURCE, hasPrice, type ChainBatch } from "./batch.ts";

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
  /** Strike with the highest put OI. */
  support: number;
  /** Strike with the highest call OI. */
  resistance: number;
  rr25: number;
  bf25: number;
  status: Status;
  reason: string;
};

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

/** Every other element of `field` from `from` (a CE or PE column of a group), n values. */
function column(field: Float64Array, from: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = field[from + 2 * k]!;
  return out;
}

/** Aggregates of one group (expiry) of the batch. */
export function scoreGroup(b: ChainBatch, g: number): ExpirySummary {
  const start = b.start[g]!;
  const end = b.end[g]!;
  const n = (end - start) >> 1;
  const K = column(b.strike, start, n);
  const callOi = column(b.oi, start, n);
  const putOi = column(b.oi, start + 1, n);
  let legsCollected = 0;
  let fullFields = 0;
  let strikesWithData = 0;
  for (let k = 0; k < n; k++) {
    let any = false;
    for (let i = start + 2 * k; i < start + 2 * k + 2; i++) {
      if (!hasPrice(b, i)) continue;
      any = true;
      legsCollected++;
      if (Number.isFinite(b.volume[i]!) && Number.isFinite(b.oi[i]!)) fullFields++;
    }
    if (any) strikesWithData++;
  }
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
  const skew = skew25(column(b.delta, start, n), column(b.iv, start, n), column(b.delta, start + 1, n), column(b.iv, start + 1, n), atmIv);
  const strikeCoverage = n === 0 ? 0 : strikesWithData / n;
  const fieldCoverage = legsCollected === 0 ? Number.NaN : fullFields / legsCollected;
  let status: Status = "OK";
  let reason = "";
  if (legsCollected === 0) {
    status = "EMPTY";
    reason = "no quotes";
  } else if (strikesWithData < n) {
    status = "PARTIAL";
    reason = `${n - strikesWithData} of ${n} strikes without quotes`;
  } else if (fullFields < legsCollected) {
    status = "PARTIAL";
    reason = `${legsCollected - fullFields} legs missing volume or OI`;
  }
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
    pcrOi: pcr(putOi, callOi),
    pcrVolume: pcr(column(b.volume, start + 1, n), column(b.volume, start, n)),
    maxPain: maxPain(K, callOi, putOi),
    atmIv,
    straddle,
    impliedMove: impliedMove(straddle, spot),
    support: argMaxStrike(K, putOi),
    resistance: argMaxStrike(K, callOi),
    rr25: skew.rr25,
    bf25: skew.bf25,
    status,
    reason,
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
  for (const e of expiries) if (e.status !== "OK") reasons.push(`${e.tag} ${e.status}`);
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
