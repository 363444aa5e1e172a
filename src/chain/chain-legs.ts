/**
 * Chain legs: the legs the whole-chain aggregates need besides the CSV ladder.
 *
 * In `analytics.scope: "chain"` each collected expiry (group g of the cycle's ChainBatch) gets a
 * group g of a second, separate ChainBatch holding its listed strikes that are NOT in the ladder:
 * the ladder's legs are fetched once, for the CSV rows, and the chain batch only adds what lies
 * outside. The chain batch goes through the same (running) provider, so it is chunked and paced
 * like the ladder; it is never enriched, rendered or written as CSV rows. Its groups line up
 * one-to-one with the ladder batch's (a group with no outside strike is empty).
 *
 * `strikeColumns` merges the two into one per-expiry view, ascending by strike: OI, volume and
 * last price of calls and puts, NaN where missing.
 */
import { createBatch, type ChainBatch, type GroupSpec } from "./batch.ts";

/** What the whole-expiry aggregates are computed on (analytics.scope): every listed strike, or the ladder. */
export const ANALYTICS_SCOPES = ["chain", "window"] as const;
export type AnalyticsScope = (typeof ANALYTICS_SCOPES)[number];

/** Strikes of `listed` (ascending) not in `ladder` (ascending). */
export function outsideStrikes(listed: ArrayLike<number>, ladder: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < listed.length; i++) {
    const k = listed[i]!;
    while (j < ladder.length && ladder[j]! < k) j++;
    if (j < ladder.length && ladder[j] === k) continue;
    out.push(k);
  }
  return Float64Array.from(out);
}

/**
 * The chain batch's groups for the ladder's `groups`: per group, its expiry's listed strikes
 * (`listedStrikes` key `${index}|${expiry}`) outside the ladder; none when the listing is unknown.
 */
export function chainLegSpecs(groups: readonly GroupSpec[], listedStrikes: ReadonlyMap<string, Float64Array>): GroupSpec[] {
  return groups.map((g) => {
    const listed = listedStrikes.get(`${g.index}|${g.expiry}`);
    return { ...g, strikes: listed ? outsideStrikes(listed, g.strikes) : new Float64Array(0) };
  });
}

/** The chain batch for `groups` (see chainLegSpecs), made by `create` (a batch pool's `acquire`; default fresh). */
export function createChainLegs(groups: readonly GroupSpec[], listedStrikes: ReadonlyMap<string, Float64Array>, create: (specs: readonly GroupSpec[]) => ChainBatch = createBatch): ChainBatch {
  return create(chainLegSpecs(groups, listedStrikes));
}

/** One expiry's legs by strike, ascending; NaN = missing. Volume and OI in contracts, prices in points. */
export type StrikeColumns = {
  strike: Float64Array;
  callOi: Float64Array;
  putOi: Float64Array;
  callVolume: Float64Array;
  putVolume: Float64Array;
  callLast: Float64Array;
  putLast: Float64Array;
};

/** The strike count of group `g` of `ladder` merged with `chain`'s (what `strikeColumns` returns at most). */
export function strikeCount(ladder: ChainBatch, g: number, chain: ChainBatch | null): number {
  const na = (ladder.end[g]! - ladder.start[g]!) >> 1;
  return chain !== null && g < chain.groups ? na + ((chain.end[g]! - chain.start[g]!) >> 1) : na;
}

/** Float64 values per strike that `strikeColumns` writes into its `memory`. */
export const STRIKE_COLUMNS = 7;

/**
 * Group `g` of `ladder` merged with group `g` of `chain` (null: the ladder alone) into strike
 * columns, ascending by strike. A strike in both (never, by construction) is taken from the ladder.
 * `memory` (at least STRIKE_COLUMNS × strikeCount values): the columns are views of it, every
 * value overwritten (recycled memory instead of 7 fresh arrays an expiry a cycle); absent: fresh.
 */
export function strikeColumns(ladder: ChainBatch, g: number, chain: ChainBatch | null, memory?: Float64Array): StrikeColumns {
  const a0 = ladder.start[g]!;
  const na = (ladder.end[g]! - a0) >> 1;
  const hasChain = chain !== null && g < chain.groups;
  const b0 = hasChain ? chain.start[g]! : 0;
  const nb = hasChain ? (chain.end[g]! - b0) >> 1 : 0;
  const n = na + nb;
  if (memory !== undefined && memory.length < STRIKE_COLUMNS * n) throw new Error(`strikeColumns: memory for ${memory.length} values, ${STRIKE_COLUMNS * n} needed`);
  const col = (c: number) => (memory === undefined ? new Float64Array(n) : memory.subarray(c * n, (c + 1) * n));
  // One literal shape and plain loops over locals: this runs for every expiry every cycle.
  const strike = col(0);
  const callOi = col(1);
  const putOi = col(2);
  const callVolume = col(3);
  const putVolume = col(4);
  const callLast = col(5);
  const putLast = col(6);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < na || j < nb) {
    const ka = i < na ? ladder.strike[a0 + 2 * i]! : Number.POSITIVE_INFINITY;
    const kb = j < nb ? chain!.strike[b0 + 2 * j]! : Number.POSITIVE_INFINITY;
    let b: ChainBatch;
    let leg: number;
    if (ka <= kb) {
      b = ladder;
      leg = a0 + 2 * i++;
      if (ka === kb) j++;
    } else {
      b = chain!;
      leg = b0 + 2 * j++;
    }
    strike[k] = b.strike[leg]!;
    callOi[k] = b.oi[leg]!;
    putOi[k] = b.oi[leg + 1]!;
    callVolume[k] = b.volume[leg]!;
    putVolume[k] = b.volume[leg + 1]!;
    callLast[k] = b.last[leg]!;
    putLast[k] = b.last[leg + 1]!;
    k++;
  }
  if (k === n) return { strike, callOi, putOi, callVolume, putVolume, callLast, putLast };
  return {
    strike: strike.subarray(0, k),
    callOi: callOi.subarray(0, k),
    putOi: putOi.subarray(0, k),
    callVolume: callVolume.subarray(0, k),
    putVolume: putVolume.subarray(0, k),
    callLast: callLast.subarray(0, k),
    putLast: putLast.subarray(0, k),
  };
}
