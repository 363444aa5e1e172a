/**
 * An alert feed: the history of the rules for one consumer (the server, a dashboard, a
 * `g6 summary` reader). Each consumer keeps its own, so each raises every alert once. A feed
 * given threshold rules (watch.ts) raises theirs too, from the states' figure readings; the
 * change alerts get the instant their condition was first and last seen.
 */
import { nextAlerts } from "./rules.ts";
import { type AlertRule, createRuleEngine } from "./watch.ts";
import type { Alert, AlertHistory, AlertState } from "./types.ts";

export type AlertFeed = {
  /**
   * The alerts `state` raises after the states observed before. The same cycle observed again
   * (a status file re-read, the server after the file) is no change, so it raises nothing.
   */
  observe(state: AlertState): Alert[];
};

export type AlertFeedOptions = {
  /** Threshold rules: the configured ones and the built-in health rules (see alertRulesOf in src/config/alerts.ts). */
  rules?: readonly AlertRule[];
};

export function createAlertFeed(opts: AlertFeedOptions = {}): AlertFeed {
  let history: AlertHistory | null = null;
  const rules = createRuleEngine(opts.rules ?? []);
  /** Raised change conditions standing, by code and subject: when first seen. */
  const open = new Map<string, string>();
  let prevAt: string | null = null;
  let prevCycle: number | null = null;
  return {
    observe(state) {
      const next = nextAlerts(history, state);
      history = next.history;
      for (const a of next.alerts) {
        const id = `${a.code}|${a.subject}`;
        if (a.event === "raised") {
          open.set(id, a.at);
          a.firstSeen = a.at;
          a.lastSeen = a.at;
        } else if (a.event === "cleared") {
          // The condition stood until the cycle before this one.
          a.firstSeen = open.get(id) ?? a.at;
          a.lastSeen = prevAt ?? a.at;
          open.delete(id);
        }
      }
      // A cycle observed again (the status file re-read) is no new evidence for the threshold rules.
      const again = state.cycle === prevCycle && state.at === prevAt;
      prevAt = state.at;
      prevCycle = state.cycle;
      return again ? next.alerts : [...next.alerts, ...rules.observe(state)];
    },
  };
}
