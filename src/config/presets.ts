/**
 * Named workloads, selectable with `--preset NAME`. A preset is a partial config applied as its
 * own layer just above the built-in defaults (below the file, environment and flags), so anything
 * can still be overridden. The benchmarks run the same presets.
 */

export const PRESETS = {
  /** The Python G6's default collection: NIFTY 6/6 × 4 expiries, BANKNIFTY 10/10 × 2, FINNIFTY 5/5 × 2, SENSEX 10/10 × 4 (400 legs). */
  "g6-default": {
    indices: {
      NIFTY: { strikes_below: 6, strikes_above: 6, expiries: ["this_week", "next_week", "this_month", "next_month"] },
      BANKNIFTY: { strikes_below: 10, strikes_above: 10, expiries: ["this_month", "next_month"] },
      FINNIFTY: { strikes_below: 5, strikes_above: 5, expiries: ["this_month", "next_month"] },
      MIDCPNIFTY: { enabled: false },
      SENSEX: { strikes_below: 10, strikes_above: 10, expiries: ["this_week", "next_week", "this_month", "next_month"] },
    },
  },
  /** G6's own defaults (about 600 legs). */
  default: {},
  /**
   * The whole listed universe of the five indices: every strike of every listed expiry (about
   * 100,000 legs on the simulator's listing), written in the per-expiry CSV layout because the
   * per-offset G6 layout needs ~50,000 files a day at this size.
   */
  universe: {
    collection_mode: "universe",
    provider: { sim: { listed_weeks: 12, listed_months: 15, strike_range: 0.5 } },
    storage: { csv: { layout: "expiry_v1" } },
  },
} as const satisfies Record<string, Record<string, unknown>>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(s: string): s is PresetName {
  return Object.hasOwn(PRESETS, s);
}
