/**
 * Per-leg columns of the chain view beyond the collected fields. One function,
 * `extraLegColumns`, makes them: a new per-leg figure (for example build-up analytics) plugs in
 * here and reaches the chain endpoint and the page without other changes. A value that cannot
 * be known is null (the page shows "—"); none is ever made up.
 */
import { BUILDUP_CLASSES } from "../analytics/index.ts";
import type { ExpiryState } from "./store.ts";

export type LegValue = number | string | null;
/** A column: its key, heading, unit ("" for a label) and one value per strike for each side. */
export type LegColumn = { key: string; label: string; unit: string; ce: LegValue[]; pe: LegValue[] };

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * OI change since the session's first snapshot, per strike (null where the strike was not in
 * the first snapshot or either OI is missing); the build-up class over the engine's OI-change
 * lookback (analytics.oi_change, analytics.buildup): null while unknown (no lookback snapshot
 * yet, a missing price or OI, or a chain read back from files).
 */
export function extraLegColumns(e: ExpiryState): LegColumn[] {
  const { latest, first } = e;
  const at = new Map<number, number>();
  first.strikes.forEach((k, i) => at.set(k, i));
  const change = (now: Float64Array, then: Float64Array) =>
    Array.from(latest.strikes, (k, i) => {
      const j = at.get(k);
      return j === undefined ? null : finiteOrNull(now[i]! - then[j]!);
    });
  const none = () => Array.from(latest.strikes, (): LegValue => null);
  // Code 0 is "unknown": shown as missing, never as a class.
  const classes = (codes: Uint8Array) => Array.from(codes, (c): LegValue => (c === 0 ? null : BUILDUP_CLASSES[c]!.replace("_", " ")));
  return [
    { key: "oi_change", label: "OI chg", unit: "contracts", ce: change(latest.ce.oi, first.ce.oi), pe: change(latest.pe.oi, first.pe.oi) },
    { key: "buildup", label: "Build-up", unit: "", ce: e.buildup ? classes(e.buildup.ce) : none(), pe: e.buildup ? classes(e.buildup.pe) : none() },
  ];
}
