/**
 * The summary tracker: the small rolling state around the pure builder. It keeps the last
 * `windowCycles` cycle times and the most recent alerts, and turns each cycle into a snapshot.
 * One tracker per consumer (dashboard, panel files); calls come from the main thread only.
 */
import type { MarketCalendar } from "../market/calendar.ts";
import { formatIsoIst } from "../market/ist.ts";
import { alertStateFromCycle, createAlertFeed, type Alert, type AlertRule, type AlertSource } from "../alerts/index.ts";
import { buildSummary, summaryAlert, type AlertLevel, type PoolFacts, type SummaryAlert, type SummaryLinks, type SummarySnapshot } from "./model.ts";
import type { CycleResult, EngineStats, SnapshotBuilder } from "../contracts/index.ts";

/** Alerts kept for the alerts panel. */
export const MAX_ALERTS = 8;

export type SummaryTrackerOptions = {
  calendar: MarketCalendar;
  /** Cycles in the p50/p95 window (≥ 1). */
  windowCycles: number;
  links: SummaryLinks;
  /** Wall clock, epoch ms. */
  now: () => number;
  /** Current worker pool facts, or null when work runs inline. */
  pool?: () => PoolFacts | null;
  /** Threshold alert rules (the configured and built-in ones), run on each cycle as the engine's alert stream runs them. */
  rules?: readonly AlertRule[];
  /**
   * The run's alert stream (src/engine/alert-stream.ts): when given, the tracker shows the
   * stream's alerts of the cycles up to the one it observes instead of running `rules` itself
   * (the rules are evaluated once a cycle, by the stream).
   */
  alerts?: AlertSource;
};

export type SummaryTracker = {
  /** Records the cycle and returns its snapshot. Call once per emitted cycle, in order. */
  observe(result: CycleResult, stats: Readonly<EngineStats>): SummarySnapshot;
  /** Adds an alert from outside the cycle (e.g. a log line while the dashboard owns the screen). */
  alert(level: AlertLevel, message: string): void;
};

export function createSummaryTracker(opts: SummaryTrackerOptions): SummaryTracker {
  const cycleMs: number[] = [];
  const alerts: SummaryAlert[] = [];
  const feed = opts.alerts ? null : createAlertFeed({ rules: opts.rules ?? [] });
  const push = (a: SummaryAlert) => {
    alerts.push(a);
    if (alerts.length > MAX_ALERTS) alerts.splice(0, alerts.length - MAX_ALERTS);
  };
  /** The stream's alerts not shown yet, in cycle order (only the last MAX_ALERTS can be). */
  const followed: Alert[] = [];
  opts.alerts?.subscribe((list) => {
    followed.push(...list);
    if (followed.length > MAX_ALERTS) followed.splice(0, followed.length - MAX_ALERTS);
  });
  return {
    observe(result, stats) {
      cycleMs.push(stats.lastCycleMs);
      if (cycleMs.length > opts.windowCycles) cycleMs.splice(0, cycleMs.length - opts.windowCycles);
      if (feed) for (const a of feed.observe(alertStateFromCycle(result, stats))) push(summaryAlert(a));
      else {
        let k = 0;
        while (k < followed.length && followed[k]!.cycle <= result.cycle) push(summaryAlert(followed[k++]!));
        followed.splice(0, k);
      }
      return buildSummary({
        result,
        stats,
        calendar: opts.calendar,
        now: opts.now(),
        cycleMsHistory: cycleMs,
        alerts,
        pool: opts.pool?.() ?? null,
        links: opts.links,
      });
    },
    alert(level, message) {
      push({ level, at: formatIsoIst(opts.now()), message });
    },
  };
}

/** The tracker as a snapshot builder (what the panels sink is given): each call observes one cycle. */
export function snapshotOf(tracker: SummaryTracker): SnapshotBuilder<SummarySnapshot> {
  return (result, stats) => tracker.observe(result, stats);
}
