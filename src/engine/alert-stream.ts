/**
 * The run's one alert stream: each published cycle goes through one alert feed with the
 * configured and built-in rules (src/alerts/), and the alerts it raises go, once each, to the
 * daily JSONL journal, to g6_alerts_total and to every listener (the server's /events, the
 * webhook sink). The dashboard and the panel files show the stream's alerts (their summary
 * trackers subscribe to it): the rules run once a cycle.
 */
import type { ConsolaInstance } from "consola";
import { alertStateFromCycle, createAlertFeed, type Alert, type AlertRule, type AlertSource } from "../alerts/index.ts";
import { errorMessage, type CycleResult, type EngineStats } from "../contracts/index.ts";
import type { DailyJsonl } from "../files/jsonl.ts";

export type AlertStream = AlertSource & {
  /** The alerts of one published cycle (call once per cycle, in order); journaled, counted and handed to listeners. */
  observe(result: CycleResult, stats: Readonly<EngineStats>): Alert[];
  close(): void;
};

export type AlertStreamDeps = {
  rules: readonly AlertRule[];
  /** The journal (null: off). */
  journal: DailyJsonl | null;
  count: (alerts: readonly Alert[]) => void;
  log: ConsolaInstance;
};

export function createAlertStream(deps: AlertStreamDeps): AlertStream {
  const feed = createAlertFeed({ rules: deps.rules });
  const listeners = new Set<(alerts: readonly Alert[]) => void>();
  /** The journal's last failure (one log line when it starts failing, one when it works again). */
  let journalFailing = false;
  function journal(alerts: readonly Alert[]): void {
    if (!deps.journal) return;
    try {
      const byDay = new Map<string, Alert[]>();
      for (const a of alerts) {
        const day = a.at.slice(0, 10);
        byDay.set(day, [...(byDay.get(day) ?? []), a]);
      }
      for (const [day, list] of byDay) deps.journal.append(day, list);
      if (journalFailing) deps.log.info("alert journal: writing again");
      journalFailing = false;
    } catch (err) {
      if (!journalFailing) deps.log.warn(`alert journal: cannot append (${errorMessage(err)}); alerts still go to /events, the dashboard and the metrics`);
      journalFailing = true;
    }
  }
  return {
    observe(result, stats) {
      const alerts = feed.observe(alertStateFromCycle(result, stats));
      if (alerts.length === 0) return alerts;
      journal(alerts);
      deps.count(alerts);
      for (const l of listeners) l(alerts);
      return alerts;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      deps.journal?.close();
    },
  };
}
