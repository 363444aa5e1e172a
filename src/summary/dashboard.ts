/**
 * The dashboard's wiring: which renderer runs (live, plain or none), the display that feeds it
 * snapshots and notices, and the log reporter used while the live screen owns the terminal (the
 * loop of `g6 summary` is in follow.ts). Process state (stdout, signals, environment) comes in
 * through `TerminalIo` and plain values from the command line; nothing here reads it directly.
 *
 * Logs while live: the dashboard owns the screen, so log lines are not printed. Warnings and
 * errors become entries of the alerts panel; info and debug lines are dropped (the dashboard
 * shows the same facts).
 */
import { alertRulesOf } from "../config/alerts.ts";
import type { AlertSource } from "../alerts/index.ts";
import type { ConsolaReporter } from "consola";
import type { G6Config } from "../config/schema.ts";
import type { MarketCalendar } from "../market/calendar.ts";
import type { MarketStatus } from "../contracts/index.ts";
import { idleLine } from "./idle.ts";
import type { AlertLevel, SummaryLinks, SummarySnapshot } from "./model.ts";
import { createPlainPrinter } from "./plain.ts";
import { createLiveScreen } from "./screen.ts";
import { createSummaryTracker, type SummaryTracker } from "./tracker.ts";

export type SummaryMode = "live" | "plain" | "off";

/** The terminal as the dashboard sees it. */
export type TerminalIo = {
  write(text: string): void;
  isTty: boolean;
  size(): { columns: number; rows: number };
  /** Calls `fn` on every terminal resize; returns the unsubscribe. */
  onResize(fn: () => void): () => void;
};

/** The renderer for a `summary.mode` setting: live needs a terminal outside CI; `--plain` wins. */
export function resolveMode(setting: G6Config["summary"]["mode"], facts: { isTty: boolean; ci: boolean; plainFlag: boolean }): SummaryMode {
  if (setting === "off") return "off";
  if (facts.plainFlag || setting === "plain" || !facts.isTty) return "plain";
  if (setting === "live") return "live";
  return facts.ci ? "plain" : "live";
}

export type Display = {
  readonly mode: SummaryMode;
  show(snapshot: SummarySnapshot): void;
  /**
   * A live provider's market state changed: while closed, the live screen shows the idle line
   * (idle.ts) above the last snapshot, or alone before the first, and redraws it every second
   * so the countdown moves; plain output prints the line once.
   */
  market?(status: MarketStatus): void;
  /** Shows a line of text while there is no snapshot to show (e.g. what `g6 summary` waits for). */
  notice(message: string): void;
  /** Restores the terminal (live) and stops listening for resizes. Idempotent. */
  close(): void;
};

/** How often the idle line's countdown is redrawn, ms. */
export const IDLE_REDRAW_MS = 1000;

export type DisplayOptions = {
  color: boolean;
  maxFps: number;
  /** Wall clock for the idle countdown, epoch ms (default Date.now). */
  now?: () => number;
  /** Countdown redraw period, ms (default IDLE_REDRAW_MS). */
  redrawMs?: number;
};

/** A display in `mode` on `io`; a live display takes over the screen at once. */
export function createDisplay(io: TerminalIo, mode: SummaryMode, opts: DisplayOptions): Display {
  const now = opts.now ?? Date.now;
  if (mode === "off") return { mode, show() {}, market() {}, notice() {}, close() {} };
  if (mode === "plain") {
    const printer = createPlainPrinter((text) => io.write(text));
    return {
      mode,
      show: (s) => void printer.show(s),
      market(status) {
        const line = idleLine(status, now());
        if (line) io.write(`[g6] ${line}\n`);
      },
      notice: (m) => io.write(`[g6] ${m}\n`),
      close() {},
    };
  }
  const screen = createLiveScreen({ write: (t) => io.write(t), size: () => io.size(), color: opts.color, maxFps: opts.maxFps });
  screen.start();
  const unsubscribe = io.onResize(() => screen.resize());
  let last: SummarySnapshot | null = null;
  let closed: MarketStatus | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  const redraw = () => {
    const line = idleLine(closed, now());
    if (last) screen.show(line ? { ...last, idle: line } : last);
    else if (line) screen.notice(line);
  };
  const stopTimer = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
  return {
    mode,
    show(s) {
      last = s;
      redraw();
    },
    market(status) {
      closed = status.state === "closed" ? status : null;
      stopTimer();
      if (closed) {
        timer = setInterval(redraw, opts.redrawMs ?? IDLE_REDRAW_MS);
        timer.unref?.();
      }
      redraw();
    },
    notice: (m) => screen.notice(m),
    close() {
      stopTimer();
      unsubscribe();
      screen.stop();
    },
  };
}

/** A consola reporter that turns warnings and errors into alerts and drops the rest (live mode). */
export function alertReporter(alert: (level: AlertLevel, message: string) => void): ConsolaReporter {
  return {
    log(logObj) {
      if (logObj.level > 1) return;
      const message = [logObj.tag ? `[${logObj.tag}]` : "", ...logObj.args.map((a) => (a instanceof Error ? a.message : String(a)))].filter(Boolean).join(" ");
      alert(logObj.level === 0 ? "error" : "warn", message);
    },
  };
}

/** Where the dashboard links point: the metrics endpoint when the server is on, the data root. */
export function summaryLinks(config: Readonly<G6Config>): SummaryLinks {
  const { server } = config;
  return { metricsUrl: server.enabled ? `http://${server.host}:${server.port}/metrics` : null, dataDir: config.storage.data_dir };
}

/** A summary tracker set up from config: its window, links, wall clock and pool facts. */
export function configuredTracker(
  config: Readonly<G6Config>,
  calendar: MarketCalendar,
  env: { now: () => number; pool: { stats: { workers: number; restarts: number } } | null; alerts?: AlertSource },
): SummaryTracker {
  return createSummaryTracker({
    calendar,
    windowCycles: config.summary.history_cycles,
    links: summaryLinks(config),
    now: env.now,
    pool: () => (env.pool ? { workers: env.pool.stats.workers, restarts: env.pool.stats.restarts } : null),
    rules: alertRulesOf(config),
    ...(env.alerts ? { alerts: env.alerts } : {}),
  });
}
