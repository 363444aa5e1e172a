/** The `cycle` group (always on): cycles, durations per phase, overruns, skips, budget, guard. */
import { describe, SECONDS_BUCKETS } from "../types.ts";

const m = describe("cycle");

/** Phases timed per cycle: the engine's cycle phases plus emission (sinks, metrics). */
export const CYCLE_PHASE_LABELS = ["spot", "plan", "fetch", "enrich", "score", "emit"] as const;

export const CYCLE_METRICS = {
  cycles: m("counter", "g6_cycles_total", "Cycles run."),
  failed: m("counter", "g6_cycles_failed_total", "Cycles that recorded at least one error."),
  duration: m("histogram", "g6_cycle_duration_seconds", "Wall time of a cycle including emission.", [], SECONDS_BUCKETS),
  phase: m("histogram", "g6_cycle_phase_duration_seconds", "Wall time of one phase of a cycle.", ["phase"], SECONDS_BUCKETS),
  overruns: m("counter", "g6_cycle_overruns_total", "Cycles that took longer than the interval."),
  skipped: m("counter", "g6_cycle_skipped_ticks_total", "Scheduler ticks skipped because a cycle was still running or the wake-up came after the next tick."),
  late: m("counter", "g6_cycle_late_ticks_total", "Cycles that started more than 5 % of the interval (at least 25 ms) after their tick because the event loop was busy."),
  budget: m("gauge", "g6_cycle_budget_used_ratio", "Last cycle's wall time over the interval (0 when the interval is 0)."),
  last: m("gauge", "g6_cycle_last_number", "Number of the last cycle run."),
  lastSuccess: m("gauge", "g6_cycle_last_success_timestamp_seconds", "Wall-clock time of the last cycle without errors, Unix seconds."),
  seriesEstimate: m("gauge", "g6_metrics_series_estimated", "Series the enabled metric groups expose, as estimated by the cardinality guard."),
  guardTrips: m("counter", "g6_metrics_guard_trips_total", "Times the cardinality guard degraded option detail."),
  detailLevel: m("gauge", "g6_metrics_option_detail_level", "Option detail in force: 2 all strikes, 1 a band around ATM, 0 none."),
  alerts: m("counter", "g6_alerts_total", "Alert events (raised, cleared and one-off notices) by alert code and severity (info, warn, error); codes are the change alerts' kinds and the rules' names.", ["code", "severity"]),
  loadShed: m("gauge", "g6_load_shed_steps", "Load-control steps shed now (0: full work; see load_control)."),
  loadSteps: m("counter", "g6_load_steps_total", "Load-control steps shed and restored, by direction (shed, restored) and step.", ["direction", "step"]),
} as const;
