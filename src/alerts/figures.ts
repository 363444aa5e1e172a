/**
 * The figures an alert rule may watch, declared once: each has a scope (one value per cycle,
 * per index, per expiry or per sink), a unit and how it is read from a cycle and the engine
 * stats written with it. A figure that is missing in a cycle (no quotes, no legs requested) is
 * NaN: no evidence either way, never a number made up for it.
 */
import type { CycleResult, EngineStats, SinkTotals } from "../contracts/index.ts";

type ExpiryRow = CycleResult["expiries"][number];
type IndexRow = CycleResult["indices"][number];

type FigureBase = { unit: string; description: string };
export type FigureSpec =
  | (FigureBase & { scope: "cycle"; read: (result: CycleResult, stats: Readonly<EngineStats>) => number })
  | (FigureBase & { scope: "index"; read: (i: IndexRow) => number })
  | (FigureBase & { scope: "expiry"; read: (e: ExpiryRow) => number })
  /** `delta`: the figure is the change of `read` since the previous cycle of the same sink (NaN on the first). */
  | (FigureBase & { scope: "sink"; read: (t: Readonly<SinkTotals>) => number; delta?: boolean });

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
const positive = (x: number) => (x > 0 ? x : Number.NaN);

/** Every watchable figure, by the name rules use (`alerts.rules[].watch`). */
export const WATCHABLE = {
  pcr_oi: { scope: "expiry", unit: "ratio", description: "Put-call ratio of open interest of the expiry's collected strikes.", read: (e) => e.pcrOi },
  pcr_volume: { scope: "expiry", unit: "ratio", description: "Put-call ratio of volume of the expiry's collected strikes.", read: (e) => e.pcrVolume },
  atm_iv: { scope: "expiry", unit: "fraction per year", description: "Implied volatility at the money (0.15 is 15 %).", read: (e) => e.atmIv },
  max_pain: { scope: "expiry", unit: "points", description: "Max-pain strike of the expiry.", read: (e) => e.maxPain },
  straddle: { scope: "expiry", unit: "points", description: "ATM straddle price (call + put).", read: (e) => e.straddle },
  implied_move: { scope: "expiry", unit: "fraction", description: "ATM straddle over spot.", read: (e) => e.impliedMove },
  strike_coverage: { scope: "expiry", unit: "fraction", description: "Strikes with data over strikes requested.", read: (e) => e.strikeCoverage },
  field_coverage: { scope: "expiry", unit: "fraction", description: "Collected legs with every field over legs collected.", read: (e) => e.fieldCoverage },
  spot: { scope: "index", unit: "points", description: "Index spot.", read: (i) => positive(i.spot) },
  spot_change_pct: { scope: "index", unit: "percent", description: "Spot against the previous close.", read: (i) => (i.spot > 0 && i.prevClose > 0 ? (i.spot / i.prevClose - 1) * 100 : Number.NaN) },
  coverage: { scope: "index", unit: "fraction", description: "Legs collected over legs requested, all expiries of the index (NaN when none was requested).", read: (i) => ratio(i.legsCollected, i.legsRequested) },
  // Against the snapshot instant, as the dashboard's data age: a simulated or replayed session's instants are not wall time.
  data_age_seconds: { scope: "cycle", unit: "seconds", description: "Age of the cycle's oldest quote at the snapshot instant (NaN when the provider gave no quote times).", read: (r) => (r.quoteTimes ? (r.at - r.quoteTimes.first) / 1000 : Number.NaN) },
  quote_skew_seconds: { scope: "cycle", unit: "seconds", description: "Spread of the cycle's quote times, newest minus oldest.", read: (r) => (r.quoteTimes ? r.quoteTimes.skewMs / 1000 : Number.NaN) },
  budget_used: { scope: "cycle", unit: "fraction", description: "Last cycle's wall time over the interval.", read: (_r, s) => s.budgetUsed },
  cycle_seconds: { scope: "cycle", unit: "seconds", description: "Last cycle's wall time.", read: (_r, s) => s.lastCycleMs / 1000 },
  legs_collected: { scope: "cycle", unit: "legs", description: "Legs collected in the cycle.", read: (r) => r.legsCollected },
  cycle_errors: { scope: "cycle", unit: "errors", description: "Errors the cycle recorded.", read: (r) => r.errors.length },
  spool_bytes: { scope: "sink", unit: "bytes", description: "Bytes waiting in the sink's spool on disk.", read: (t) => t.spoolBytes },
  spool_growth_bytes: { scope: "sink", unit: "bytes", description: "Change of the sink's spool bytes since the previous cycle.", read: (t) => t.spoolBytes, delta: true },
  sink_queued: { scope: "sink", unit: "cycles", description: "Cycles waiting for the sink.", read: (t) => t.queued },
  sink_errors: { scope: "sink", unit: "errors", description: "Failed writes of the sink since the previous cycle.", read: (t) => t.errors, delta: true },
  sink_dropped: { scope: "sink", unit: "cycles", description: "Cycles the sink dropped since the previous cycle.", read: (t) => t.dropped, delta: true },
} as const satisfies Record<string, FigureSpec>;

export type FigureName = keyof typeof WATCHABLE;
export const FIGURE_NAMES = Object.keys(WATCHABLE) as FigureName[];

/**
 * One value of one figure in one cycle: `key` names what it is about ("" for the cycle, the
 * index, "NIFTY this_week", the sink name).
 */
export type FigureReading = { figure: FigureName; key: string; index?: string; expiry?: string; sink?: string; value: number };

/** Every figure's readings of a cycle (sink deltas are left to the rules, which remember the previous cycle: here they are the raw totals). */
export function readFigures(result: CycleResult, stats: Readonly<EngineStats>): FigureReading[] {
  const out: FigureReading[] = [];
  for (const name of FIGURE_NAMES) {
    const spec: FigureSpec = WATCHABLE[name];
    switch (spec.scope) {
      case "cycle":
        out.push({ figure: name, key: "", value: spec.read(result, stats) });
        break;
      case "index":
        for (const i of result.indices) out.push({ figure: name, key: i.index, index: i.index, value: spec.read(i) });
        break;
      case "expiry":
        for (const e of result.expiries) out.push({ figure: name, key: `${e.index} ${e.tag}`, index: e.index, expiry: e.tag, value: spec.read(e) });
        break;
      case "sink":
        for (const [sink, t] of Object.entries(stats.sinks)) out.push({ figure: name, key: sink, sink, value: spec.read(t) });
        break;
    }
  }
  return out;
}
