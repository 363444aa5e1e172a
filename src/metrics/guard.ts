/**
 * The cardinality guard: keeps the exposition under a series budget by degrading per-strike
 * option detail (all strikes → a band around ATM → none) and restoring it, one step at a time,
 * only after the richer level has fit comfortably (below budget × (1 − hysteresis)) for several
 * consecutive cycles. Pure: the caller gives the estimates; the guard keeps the level.
 */

/** Option detail levels: 0 none, 1 a band around ATM, 2 every strike. */
export type DetailLevel = 0 | 1 | 2;

export type GuardOptions = {
  /** Series budget of the whole exposition. */
  budget: number;
  /** Richest level allowed by config (0 when option detail is disabled). */
  maxLevel: DetailLevel;
  /** Fraction of the budget kept free before restoring a richer level. */
  hysteresis: number;
  /** Consecutive cycles the richer level must fit before it is restored. */
  restoreCycles: number;
};

/** Estimated series at each level: [none, band, all]. */
export type LevelEstimates = readonly [number, number, number];

export type GuardDecision = { level: DetailLevel; estimate: number; tripped: boolean };

export type CardinalityGuard = {
  readonly level: DetailLevel;
  readonly trips: number;
  /** Decides this cycle's level from its estimates; counts a trip when it degrades. */
  step(estimates: LevelEstimates): GuardDecision;
};

/** A guard starting at the richest allowed level. */
export function createCardinalityGuard(opts: GuardOptions): CardinalityGuard {
  let level: DetailLevel = opts.maxLevel;
  let trips = 0;
  let calm = 0;
  return {
    get level() {
      return level;
    },
    get trips() {
      return trips;
    },
    step(estimates) {
      let tripped = false;
      if (estimates[level] > opts.budget) {
        let next = level;
        while (next > 0 && estimates[next] > opts.budget) next = (next - 1) as DetailLevel;
        level = next;
        trips++;
        tripped = true;
        calm = 0;
      } else if (level < opts.maxLevel) {
        const richer = (level + 1) as DetailLevel;
        calm = estimates[richer] <= opts.budget * (1 - opts.hysteresis) ? calm + 1 : 0;
        if (calm >= opts.restoreCycles) {
          level = richer;
          calm = 0;
        }
      }
      return { level, estimate: estimates[level], tripped };
    },
  };
}
