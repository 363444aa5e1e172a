/**
 * An alert feed: the history of the rules for one consumer (the server, a dashboard, a
 * `g6 summary` reader). Each consumer keeps its own, so each raises every alert once.
 */
import { nextAlerts } from "./rules.ts";
import type { Alert, AlertHistory, AlertState } from "./types.ts";

export type AlertFeed = {
  /**
   * The alerts `state` raises after the states observed before. The same cycle observed again
   * (a status file re-read, the server after the file) is no change, so it raises nothing.
   */
  observe(state: AlertState): Alert[];
};

export function createAlertFeed(): AlertFeed {
  let history: AlertHistory | null = null;
  return {
    observe(state) {
      const next = nextAlerts(history, state);
      history = next.history;
      return next.alerts;
    },
  };
}
