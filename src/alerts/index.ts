export { createAlertFeed, type AlertFeed } from "./feed.ts";
export { nextAlerts, NAMED_SINK_TARGETS } from "./rules.ts";
export { alertStateFromCycle, alertStateFromStatus, type AlertStatusDocument } from "./state.ts";
export { ALERT_KINDS, type Alert, type AlertHistory, type AlertIndex, type AlertKind, type AlertLevel, type AlertState } from "./types.ts";
