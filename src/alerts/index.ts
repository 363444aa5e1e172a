export { createAlertFeed, type AlertFeed, type AlertFeedOptions } from "./feed.ts";
export { nextAlerts, NAMED_SINK_TARGETS } from "./rules.ts";
export { alertStateFromCycle, alertStateFromStatus, type AlertStatusDocument } from "./state.ts";
export { ALERT_KINDS, type Alert, type AlertEvent, type AlertSource, type AlertHistory, type AlertIndex, type AlertKind, type AlertLevel, type AlertState } from "./types.ts";
export { FIGURE_NAMES, readFigures, WATCHABLE, type FigureName, type FigureReading } from "./figures.ts";
export { BUILTIN_RULES, builtinRules, createRuleEngine, RULE_OPS, ruleProblems, type AlertRule, type BuiltinSettings, type RuleEngine, type RuleOp } from "./watch.ts";
