/**
 * `alerts` and `load_control`: the alert rules (src/alerts/), where alerts go (the daily JSONL
 * journal, an optional webhook), and adaptive load control (src/engine/load-control.ts).
 * Composed into the root schema; kept in its own module so the root schema stays a list of groups.
 */
import * as v from "valibot";
import { BUILTIN_RULES, builtinRules, FIGURE_NAMES, RULE_OPS, ruleProblems, type AlertRule, type BuiltinSettings } from "../alerts/index.ts";
import { field, group } from "./fields.ts";

const Name = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,62}$/, "a name of lowercase letters, digits and _ (it is the alert code and a metric label)"));
const Fraction = v.pipe(v.number(), v.minValue(0), v.maxValue(1));

const Rule = v.strictObject({
  name: v.pipe(Name, v.check((s) => !(BUILTIN_RULES as readonly string[]).includes(s), `not a built-in rule's name (${BUILTIN_RULES.join(", ")})`)),
  watch: v.picklist(FIGURE_NAMES, `a watchable figure (${FIGURE_NAMES.join(", ")})`),
  op: v.picklist(RULE_OPS, `a comparison (${RULE_OPS.join(" ")})`),
  threshold: v.pipe(v.number(), v.finite()),
  clear: v.optional(v.nullable(v.pipe(v.number(), v.finite())), null),
  for_cycles: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 1),
  severity: v.optional(v.picklist(["info", "warn", "error"]), "warn"),
  cooldown_seconds: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(86_400)), 0),
  index: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1))), null),
  expiry: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1))), null),
  sink: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1))), null),
});

const Rules = v.pipe(
  v.array(Rule),
  v.maxLength(200),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const message of ruleProblems(dataset.value as AlertRule[], "rule")) addIssue({ message });
  }),
);

export const LOAD_STEPS = ["option_detail", "chain_legs", "far_strikes", "far_expiries"] as const;
export type LoadStep = (typeof LOAD_STEPS)[number];

export const AlertsSettings = group(
  {
    rules: field(
      Rules,
      [],
      `Threshold rules: {name, watch, op, threshold, clear?, for_cycles?, severity?, cooldown_seconds?, index?, expiry?, sink?}. A rule raises alert "name" for one subject when figure "watch" passes "op threshold" for for_cycles consecutive cycles, stays quiet while it no longer passes the threshold but still passes "op clear" (hysteresis; clear defaults to the threshold), clears once it does not, and is not raised again for cooldown_seconds (snapshot time) after a raise. index, expiry (tag), sink: only that subject. Figures: ${FIGURE_NAMES.join(", ")} (units in docs/ARCHITECTURE.md, "Alert rules").`,
      { unit: "rules" },
    ),
    builtin: group(
      {
        enabled: field(v.boolean(), true, `The built-in health rules: ${BUILTIN_RULES.join(", ")} (besides the change alerts: provider auth, sink faults, overruns, calendar warnings, index and expiry status).`),
        coverage_below: field(Fraction, 0.9, "coverage_drop: an index's legs collected over requested below this.", { unit: "fraction" }),
        coverage_clear: field(Fraction, 0.95, "coverage_drop clears at or above this.", { unit: "fraction" }),
        data_age_seconds: field(v.pipe(v.number(), v.gtValue(0), v.maxValue(86_400)), 120, "data_age: the cycle's oldest quote older than this; clears at half of it.", { unit: "seconds" }),
        spool_growth_cycles: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 5, "spool_growth: a sink's spool grew in this many consecutive cycles; clears when a cycle does not grow it.", { unit: "cycles" }),
        for_cycles: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 2, "coverage_drop and data_age: consecutive cycles before raising.", { unit: "cycles" }),
        cooldown_seconds: field(v.pipe(v.number(), v.minValue(0), v.maxValue(86_400)), 300, "Built-in rules: least time between two raises of the same alert.", { unit: "seconds" }),
      },
      "Built-in health rules.",
    ),
    journal: group(
      {
        enabled: field(v.boolean(), true, "Append every alert event to a daily JSONL file (one line per event; a line torn by a crash is set aside on restart)."),
        dir: field(v.pipe(v.string(), v.minLength(1)), "alerts", "Journal directory (relative to data_dir unless absolute); files alerts-YYYY-MM-DD.jsonl by IST date."),
      },
      "Alert journal.",
    ),
    webhook: group(
      {
        enabled: field(v.boolean(), false, "POST alert events as JSON to webhook.url, through a running sink (retries per storage.delivery)."),
        url: field(v.pipe(v.string(), v.url("a URL such as http://127.0.0.1:9000/g6")), "http://127.0.0.1:9000/g6", "Receiver URL."),
        timeout_ms: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600_000)), 5000, "Deadline of one POST.", { unit: "milliseconds" }),
        max_pending: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 1000, "Alert events kept for the receiver while it is down; the oldest are dropped (counted) beyond it.", { unit: "events" }),
      },
      "Webhook receiving alert events.",
    ),
  },
  "Alert rules and where alerts go (/events, dashboard, panels and g6_alerts_total always).",
);

export const LoadControlSettings = group(
  {
    enabled: field(v.boolean(), false, "Shed work when cycles use too much of the interval, and restore it when they no longer do (switched off: what is shed is restored, a step a cycle).", { reloadable: true }),
    shed_above: field(v.pipe(v.number(), v.gtValue(0), v.maxValue(10)), 0.8, "A cycle is loaded when its wall time over the interval is above this.", { unit: "fraction", reloadable: true }),
    shed_cycles: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 3, "Consecutive loaded cycles before the next step is shed.", { unit: "cycles", reloadable: true }),
    restore_below: field(v.pipe(v.number(), v.minValue(0), v.maxValue(10)), 0.5, "A cycle is light when its wall time over the interval is below this (lower than shed_above).", { unit: "fraction", reloadable: true }),
    restore_cycles: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 5, "Consecutive light cycles before the last step shed is restored.", { unit: "cycles", reloadable: true }),
    steps: field(
      v.pipe(v.array(v.picklist(LOAD_STEPS)), v.minLength(1), v.check((a) => new Set(a).size === a.length, "each step once")),
      [...LOAD_STEPS],
      "Steps, shed in this order and restored in reverse: option_detail (per-strike metric series), chain_legs (analytics.scope chain: the listed strikes outside the ladder are not fetched, the aggregates are on the ladder and each expiry says scope window), far_strikes (expiries after each index's nearest keep ATM ± far_strikes), far_expiries (only each index's nearest expiry is collected). Shed strikes and expiries are missing from the plan, never filled.",
      { reloadable: true },
    ),
    far_strikes: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(200)), 2, "Strikes either side of ATM the far expiries keep while far_strikes is shed.", { unit: "strikes", reloadable: true }),
  },
  "Adaptive load control.",
);

/** Every threshold rule of a config: the built-in health rules, then the declared ones. */
export function alertRulesOf(config: { alerts: { rules: readonly AlertRule[]; builtin: BuiltinSettings } }): AlertRule[] {
  return [...builtinRules(config.alerts.builtin), ...config.alerts.rules];
}
