/**
 * Threshold rules on watchable figures (figures.ts): the rules declared in `alerts.rules` and
 * the built-in health rules (coverage drop, data age, spool growth). A rule raises its alert for
 * one subject (an index, an expiry, a sink, or the cycle) when its figure passes the threshold
 * for `for_cycles` consecutive cycles, stays quiet while the figure is between the threshold and
 * the clear threshold (hysteresis), and clears once the figure is back past the clear threshold.
 * After a raise, the same subject is not raised again before `cooldown_seconds` (snapshot
 * time) have passed. A missing figure (NaN) is no evidence: it breaks a run of consecutive
 * cycles but neither raises nor clears.
 */
import { type FigureName, type FigureReading, WATCHABLE } from "./figures.ts";
import type { Alert, AlertLevel, AlertState } from "./types.ts";
import { INDICES } from "../market/index.ts";

export const RULE_OPS = [">", ">=", "<", "<="] as const;
export type RuleOp = (typeof RULE_OPS)[number];

/** One rule, as declared in `alerts.rules` (the config schema validates the same shape). */
export type AlertRule = {
  name: string;
  watch: FigureName;
  op: RuleOp;
  threshold: number;
  /** Clears when the figure no longer passes this (null: the threshold itself). */
  clear: number | null;
  for_cycles: number;
  severity: AlertLevel;
  cooldown_seconds: number;
  /** Only this index / expiry tag / sink (null: every one the figure has). */
  index: string | null;
  expiry: string | null;
  sink: string | null;
};

/** The built-in health rules' settings (`alerts.builtin`). */
export type BuiltinSettings = {
  enabled: boolean;
  coverage_below: number;
  coverage_clear: number;
  data_age_seconds: number;
  spool_growth_cycles: number;
  for_cycles: number;
  cooldown_seconds: number;
};

/** The names of the built-in rules (stable alert codes). */
export const BUILTIN_RULES = ["coverage_drop", "data_age", "spool_growth"] as const;

const rule = (r: Pick<AlertRule, "name" | "watch" | "op" | "threshold"> & Partial<AlertRule>): AlertRule => ({
  clear: null,
  for_cycles: 1,
  severity: "warn",
  cooldown_seconds: 0,
  index: null,
  expiry: null,
  sink: null,
  ...r,
});

/** The built-in health rules as ordinary rules (none when disabled). */
export function builtinRules(b: BuiltinSettings): AlertRule[] {
  if (!b.enabled) return [];
  const common = { for_cycles: b.for_cycles, cooldown_seconds: b.cooldown_seconds };
  return [
    rule({ name: "coverage_drop", watch: "coverage", op: "<", threshold: b.coverage_below, clear: Math.max(b.coverage_below, b.coverage_clear), ...common }),
    rule({ name: "data_age", watch: "data_age_seconds", op: ">", threshold: b.data_age_seconds, clear: b.data_age_seconds / 2, ...common }),
    rule({ name: "spool_growth", watch: "spool_growth_bytes", op: ">", threshold: 0, clear: 0, for_cycles: b.spool_growth_cycles, cooldown_seconds: b.cooldown_seconds }),
  ];
}

const passes = (op: RuleOp, value: number, threshold: number) =>
  op === ">" ? value > threshold : op === ">=" ? value >= threshold : op === "<" ? value < threshold : value <= threshold;

/** Problems of a rule list (names repeated, a clear threshold on the wrong side), each naming the rule by its position. */
export function ruleProblems(rules: readonly AlertRule[], where = "alerts.rules"): string[] {
  const out: string[] = [];
  const seen = new Set<string>([...BUILTIN_RULES]);
  rules.forEach((r, k) => {
    if (seen.has(r.name)) out.push(`${where}[${k}].name: "${r.name}" is already a rule name (names are alert codes: one rule each, the built-in ones included)`);
    seen.add(r.name);
    if (r.clear !== null && !passes(r.op, r.threshold, r.clear) && r.clear !== r.threshold)
      out.push(`${where}[${k}].clear: ${r.clear} is not on the quiet side of threshold ${r.threshold} for "${r.op}" (a rule "${r.op} ${r.threshold}" clears once the figure no longer passes "${r.op} clear")`);
    const scope = WATCHABLE[r.watch].scope;
    if (r.expiry !== null && scope !== "expiry") out.push(`${where}[${k}].expiry: figure ${r.watch} is per ${scope}, not per expiry`);
    if (r.index !== null && !Object.hasOwn(INDICES, r.index)) out.push(`${where}[${k}].index: "${r.index}" is not an index G6 knows (${Object.keys(INDICES).join(", ")})`);
    if (r.index !== null && scope !== "expiry" && scope !== "index") out.push(`${where}[${k}].index: figure ${r.watch} is per ${scope}, not per index`);
    if (r.sink !== null && scope !== "sink") out.push(`${where}[${k}].sink: figure ${r.watch} is per ${scope}, not per sink`);
  });
  return out;
}

type SubjectState = {
  /** Consecutive cycles passing the threshold, and the instant of the first of them. */
  run: number;
  runFrom: string;
  active: boolean;
  firstSeen: string;
  lastSeen: string;
  /** Snapshot ms of the last raise (cooldown). */
  raisedAt: number;
};

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4).replace(/\.?0+$/, ""));

export type RuleEngine = {
  /** The alerts the rules raise and clear at this state (its `readings`); call once per cycle, in order. */
  observe(state: AlertState): Alert[];
};

export function createRuleEngine(rules: readonly AlertRule[]): RuleEngine {
  const subjects = new Map<string, SubjectState>();
  /** Previous raw value per `${figure}|${key}`, for delta figures. */
  const previous = new Map<string, number>();
  return {
    observe(state) {
      const alerts: Alert[] = [];
      const readings = state.readings ?? [];
      if (rules.length === 0 || readings.length === 0) return alerts;
      const atMs = Date.parse(state.at);
      // Delta figures: the change since the previous cycle of the same subject.
      const values = readings.map((r) => {
        const spec = WATCHABLE[r.figure];
        if (!("delta" in spec && spec.delta)) return r;
        const id = `${r.figure}|${r.key}`;
        const was = previous.get(id);
        previous.set(id, r.value);
        return { ...r, value: was === undefined ? Number.NaN : r.value - was };
      });
      for (const rl of rules) {
        const clearAt = rl.clear ?? rl.threshold;
        for (const r of values) {
          if (r.figure !== rl.watch) continue;
          if ((rl.index !== null && r.index !== rl.index) || (rl.expiry !== null && r.expiry !== rl.expiry) || (rl.sink !== null && r.sink !== rl.sink)) continue;
          const id = `${rl.name}|${r.key}`;
          let s = subjects.get(id);
          if (!s) {
            s = { run: 0, runFrom: state.at, active: false, firstSeen: "", lastSeen: "", raisedAt: Number.NEGATIVE_INFINITY };
            subjects.set(id, s);
          }
          const base = { kind: "rule" as const, code: rl.name, cycle: state.cycle, at: state.at, subject: r.key || rl.name, ...where(r) };
          const label = `${rl.name}: ${r.key ? `${r.key} ` : ""}${rl.watch}`;
          if (Number.isNaN(r.value)) {
            s.run = 0;
            continue;
          }
          if (passes(rl.op, r.value, rl.threshold)) {
            if (s.run === 0) s.runFrom = state.at;
            s.run++;
            if (s.active) s.lastSeen = state.at;
            else if (s.run >= rl.for_cycles && atMs - s.raisedAt >= rl.cooldown_seconds * 1000) {
              s.active = true;
              s.firstSeen = s.runFrom;
              s.lastSeen = state.at;
              s.raisedAt = atMs;
              const span = rl.for_cycles > 1 ? ` for ${s.run} cycles` : "";
              alerts.push({ ...base, level: rl.severity, event: "raised", firstSeen: s.firstSeen, lastSeen: s.lastSeen, value: r.value, threshold: rl.threshold, message: `${label} ${fmt(r.value)} ${rl.op} ${fmt(rl.threshold)}${span}` });
            }
            continue;
          }
          s.run = 0;
          if (s.active && !passes(rl.op, r.value, clearAt)) {
            s.active = false;
            alerts.push({ ...base, level: "info", event: "cleared", firstSeen: s.firstSeen, lastSeen: s.lastSeen, value: r.value, threshold: clearAt, message: `${label} ${fmt(r.value)} back past ${fmt(clearAt)}: cleared` });
          } else if (s.active) s.lastSeen = state.at;
        }
      }
      return alerts;
    },
  };
}

function where(r: FigureReading): Pick<Alert, "index" | "expiry"> {
  const out: Pick<Alert, "index" | "expiry"> = {};
  if (r.index !== undefined) out.index = r.index;
  if (r.expiry !== undefined) out.expiry = r.expiry;
  return out;
}
