import type { SinkFault } from "../contracts/index.ts";
import type { FigureReading } from "./figures.ts";
/**
 * The alert vocabulary shared by the server's /events, the engine's dashboard and panel files,
 * and `g6 summary`. An alert is raised by a change between two observed states (see rules.ts);
 * the state has one neutral shape built from an engine cycle or from a status document
 * (state.ts), so every consumer says the same things.
 */

export type AlertLevel = "info" | "warn" | "error";

export const ALERT_KINDS = [
  "cycle_error",
  "provider_auth",
  "index_status",
  "expiry_status",
  "calendar_warning",
  "sink_fault",
  "sink_recovered",
  "sink_degraded",
  "overrun",
  "skipped_ticks",
  "rule",
  "load_control",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * One alert. `at` is the snapshot instant of the cycle that raised it (ISO IST); `subject` is
 * what it is about (an index, "NIFTY this_week", "csv data/…csv", "fetch auth", a warning);
 * `message` is the line people read.
 */
export type Alert = {
  kind: AlertKind;
  /**
   * Stable code: the kind for the change alerts ("sink_fault", "provider_auth", …), the rule's
   * name for a rule (a built-in health rule's name is fixed, e.g. "coverage_drop"). With
   * `subject`, it names one condition: a "raised" and its "cleared" share both.
   */
  code: string;
  level: AlertLevel;
  cycle: number;
  at: string;
  subject: string;
  message: string;
  /** "raised": a condition started; "cleared": it ended; "notice": a one-off (absent: a notice). */
  event?: AlertEvent;
  index?: string;
  /** The expiry tag ("this_week", or a date in universe mode), with `index`. */
  expiry?: string;
  /** When the condition was first seen (ISO IST): for a rule, the first of its consecutive cycles. */
  firstSeen?: string;
  /** When the condition was last seen standing (ISO IST). */
  lastSeen?: string;
  /** A rule's figure value that raised or cleared it, and the threshold it was compared with. */
  value?: number;
  threshold?: number;
};

export type AlertEvent = "raised" | "cleared" | "notice";

export type AlertIndex = { index: string; status: string; reason: string; expiries: readonly { tag: string; status: string; reason: string }[] };

/**
 * What the alert rules look at, from one cycle. Counters are totals since the engine started
 * (NaN when unknown); `sinks` lists each sink's targets that failed in the cycle.
 */
export type AlertState = {
  cycle: number;
  /** Snapshot instant, ISO IST ("2026-11-20T10:02:00+05:30"); its first 10 characters are the IST date. */
  at: string;
  indices: readonly AlertIndex[];
  errors: readonly { phase: string; code: string; message: string }[];
  /** Standing warnings of the cycle (holiday calendars not covering the expiries collected). */
  warnings: readonly string[];
  sinks: Readonly<Record<string, readonly SinkFault[]>>;
  /** Why each spooling sink is behind while nothing is lost (absent or "": it is not); see SinkTotals.degraded. */
  degraded?: Readonly<Record<string, string>>;
  overruns: number;
  skippedTicks: number;
  intervalSeconds: number;
  /** Last cycle's wall time, ms. */
  lastCycleMs: number;
  /** The load-control steps in force, in shed order (absent or empty: nothing shed). */
  shed?: readonly string[];
  /** The watchable figures of the cycle (figures.ts), for the threshold rules (absent: a status document, which has none). */
  readings?: readonly FigureReading[];
};

/**
 * What the rules remember between states: the previous state, and the IST date on which an
 * overrun and a skipped tick were last alerted (those are raised once a day).
 */
export type AlertHistory = { state: AlertState; overrunDay: string | null; skippedDay: string | null };

/** The run's one stream of alerts (the engine's): each cycle's alerts, in order, to every listener. */
export type AlertSource = { subscribe(listener: (alerts: readonly Alert[]) => void): () => void };
