/**
 * Plan (pure): config + spot + listed expiries → the groups of legs to fetch this cycle.
 * An expiry selector that matches no listed expiry is reported, never replaced by a guess.
 */
import type { GroupSpec } from "../chain/batch.ts";
import type { IndexPlan } from "../chain/score.ts";
import type { G6Config } from "../config/schema.ts";
import { atmStrike, INDICES, resolveExpiry, strikeLadder, timeToExpiryYears, type IndexName } from "../market/index.ts";
import type { SpotQuote } from "../contracts/index.ts";

export type PlanInput = {
  config: Readonly<G6Config>;
  /** Snapshot instant, epoch ms, and its IST date. */
  at: number;
  today: string;
  spots: ReadonlyMap<string, SpotQuote>;
  /** Listed expiries per index (absent: the listing failed). */
  listed: ReadonlyMap<string, readonly string[]>;
  /** Universe mode, or a ladder from the listing: listed strikes per `${index}|${expiry}` (absent: unknown). */
  listedStrikes?: ReadonlyMap<string, Float64Array>;
  /** Cut each expiry's ladder from its listed strikes (the provider's `ladderFromListing`) instead of the index's constant step. */
  ladderFromListing?: boolean;
  /** Work shed by load control (src/engine/load-control.ts); absent: none. */
  shed?: PlanShed | null;
};

/**
 * What load control leaves out of a plan. Far expiries are every collected expiry of an index
 * after its nearest: `farExpiries` leaves them out, `farStrikes` (not null) cuts their ladders
 * to ATM ± that many strikes; `chainLegs` leaves out the chain legs of analytics.scope "chain"
(the aggregates fall back to the ladder, each expiry's scope "window"). What is left out is
missing (the index says so), never filled.
 */
export type PlanShed = { farExpiries: boolean; farStrikes: number | null; chainLegs?: boolean };

/** `strikes` cut to `n` either side of `atm` (or the strike nearest it). */
function aroundAtm(strikes: Float64Array, atm: number, n: number): Float64Array {
  let at = 0;
  for (let i = 1; i < strikes.length; i++) if (Math.abs(strikes[i]! - atm) < Math.abs(strikes[at]! - atm)) at = i;
  return strikes.slice(Math.max(0, at - n), Math.min(strikes.length, at + n + 1));
}

/**
 * The ladder of `below` and `above` listed strikes around the listed strike nearest `spot` (a tie
 * goes to the higher strike, as atmStrike rounds halves up), clipped to what is listed; its ATM.
 * `listed` is ascending and not empty.
 */
export function listedLadder(listed: Float64Array, spot: number, below: number, above: number): { atm: number; strikes: Float64Array } {
  let at = 0;
  for (let i = 1; i < listed.length; i++) if (Math.abs(listed[i]! - spot) <= Math.abs(listed[at]! - spot)) at = i;
  const atm = listed[at]!;
  return { atm, strikes: listed.slice(Math.max(0, at - below), Math.min(listed.length, at + above + 1)) };
}

/**
 * The ATM a source recorded with the spot (SpotQuote.atm), when it is a nearest strike to the
 * spot (within half a step, and half a cent for the spot's 2-decimal rounding): the record then
 * decides a tie. Otherwise (absent, another rule, a wrong record) null: G6's rounding decides.
 */
export function recordedAtm(spot: SpotQuote, step: number): number | null {
  const atm = spot.atm;
  if (atm === undefined || !(atm > 0)) return null;
  return Math.abs(atm - spot.last) <= step / 2 + 0.005 ? atm : null;
}

export type CyclePlan = { groups: GroupSpec[]; indices: IndexPlan[] };

/** The indices enabled in config, in registry order. */
export function enabledIndices(config: Readonly<G6Config>): IndexName[] {
  return (Object.keys(config.indices) as IndexName[]).filter((name) => config.indices[name].enabled);
}

export function planCycle(input: PlanInput): CyclePlan {
  const { config, at, today } = input;
  const groups: GroupSpec[] = [];
  const indices: IndexPlan[] = [];
  for (const index of enabledIndices(config)) {
    const ic = config.indices[index];
    const spec = INDICES[index];
    const spot = input.spots.get(index);
    const listed = input.listed.get(index);
    const selectors: readonly string[] = ic.expiries;
    const base = {
      index,
      selectors,
      spot: spot?.last ?? Number.NaN,
      prevClose: spot?.prevClose ?? Number.NaN,
      open: spot?.open ?? Number.NaN,
      high: spot?.high ?? Number.NaN,
      low: spot?.low ?? Number.NaN,
    };
    if (!spot || !(spot.last > 0)) {
      indices.push({ ...base, atm: Number.NaN, unresolved: [], error: "no spot quote" });
      continue;
    }
    if (!listed) {
      indices.push({ ...base, atm: Number.NaN, unresolved: [...selectors], error: "no expiry listing" });
      continue;
    }
    let atm = recordedAtm(spot, spec.strikeStep) ?? atmStrike(spot.last, spec.strikeStep);
    const universe = config.collection_mode === "universe";
    const fromListing = !universe && input.ladderFromListing === true;
    let indexAtm = fromListing ? Number.NaN : atm;
    const ladder = strikeLadder(atm, spec.strikeStep, ic.strikes_below, ic.strikes_above);
    const unresolved: string[] = [];
    const targets = universe ? listed.filter((e) => e >= today).map((e) => ({ tag: e, expiry: e as string | undefined })) : selectors.map((tag) => ({ tag, expiry: resolveExpiry(tag, listed, today) }));
    if (universe) base.selectors = targets.map((t) => t.tag);
    const shed = input.shed;
    let nearest: string | undefined;
    if (shed) for (const t of targets) if (t.expiry !== undefined && t.expiry >= today && (nearest === undefined || t.expiry < nearest)) nearest = t.expiry;
    const shedTags: string[] = [];
    for (const { tag, expiry } of targets) {
      const far = shed !== undefined && shed !== null && expiry !== undefined && nearest !== undefined && expiry !== nearest;
      if (far && shed.farExpiries) {
        shedTags.push(tag);
        continue;
      }
      let strikes = expiry && (universe || fromListing ? input.listedStrikes?.get(`${index}|${expiry}`) : ladder);
      if (!expiry || !strikes || strikes.length === 0) {
        unresolved.push(tag);
        continue;
      }
      if (fromListing) {
        const cut = listedLadder(strikes, spot.last, ic.strikes_below, ic.strikes_above);
        strikes = cut.strikes;
        atm = cut.atm;
        if (Number.isNaN(indexAtm)) indexAtm = atm;
      }
      if (far && shed.farStrikes !== null) strikes = aroundAtm(strikes, atm, shed.farStrikes);
      const T = timeToExpiryYears(at, expiry, config.market.close);
      groups.push({ index, tag, expiry, spot: spot.last, atm, T, df: Math.exp(-config.risk_free_rate * T), strikes });
    }
    indices.push({ ...base, atm: indexAtm, unresolved, ...(shedTags.length ? { shed: shedTags } : {}) });
  }
  return { groups, indices };
}
