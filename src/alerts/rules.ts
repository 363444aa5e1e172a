/**
 * The alert rules, one set for every consumer (docs/ARCHITECTURE.md, "Alerts: one set of
 * rules"). `nextAlerts` compares the current state with what came before and returns the alerts
 * the change raises: a condition is raised when it appears (and, for indices, expiries, sink
 * targets and provider auth, when it clears), never again while it stands.
 */
import type { Alert, AlertHistory, AlertIndex, AlertLevel, AlertState } from "./types.ts";

/** What a rule below hands `raise`: the cycle, instant and code are filled in (the code defaults to the kind). */
type Raised = Omit<Alert, "cycle" | "at" | "code"> & { code?: string };
import { describeFault, type SinkFault, WHOLE_SINK } from "../contracts/index.ts";

/** Targets of one sink named per change; the rest are counted in one more line. */
export const NAMED_SINK_TARGETS = 3;

/** Error codes the engine just tries again next cycle: warnings, not errors. */
const RETRIED_CODES = new Set(["transient", "rate_limited"]);

const statusLevel = (status: string): AlertLevel => (status === "OK" ? "info" : status === "EMPTY" ? "error" : "warn");
/** A status change raises a condition when it leaves OK, clears it when it is OK again, and is news between two bad states. */
const changeEvent = (was: string, now: string) => (now === "OK" ? "cleared" : was === "OK" ? "raised" : "notice");
const withReason = (head: string, status: string, reason: string) => (status === "OK" ? `${head} OK again` : `${head} ${status}${reason ? `: ${reason}` : ""}`);

function errorAlerts(prev: AlertState | null, cur: AlertState, raise: (a: Raised) => void): void {
  const before = new Set((prev?.errors ?? []).map((e) => `${e.phase} ${e.code}`));
  for (const e of cur.errors) {
    const subject = `${e.phase} ${e.code}`;
    if (before.has(subject)) continue;
    before.add(subject);
    const level = RETRIED_CODES.has(e.code) ? "warn" : "error";
    const auth = e.code === "auth";
    raise({ kind: auth ? "provider_auth" : "cycle_error", level, subject, message: `${e.phase} failed (${e.code}): ${e.message}`, event: auth ? "raised" : "notice" });
  }
  const authBefore = (prev?.errors ?? []).some((e) => e.code === "auth");
  if (authBefore && !cur.errors.some((e) => e.code === "auth")) raise({ kind: "provider_auth", level: "info", subject: "auth", message: "provider auth ok again", event: "cleared" });
}

function statusAlerts(prev: AlertState | null, cur: AlertState, raise: (a: Raised) => void): void {
  const before = new Map<string, AlertIndex>((prev?.indices ?? []).map((i) => [i.index, i]));
  for (const i of cur.indices) {
    const was = before.get(i.index);
    const wasStatus = was?.status ?? "OK";
    if (wasStatus !== i.status) {
      // The index line names its expiries that are not OK (its reason), so no expiry lines with it.
      raise({ kind: "index_status", level: statusLevel(i.status), subject: i.index, message: withReason(i.index, i.status, i.reason), event: changeEvent(wasStatus, i.status), index: i.index });
      continue;
    }
    // An index that is OK has every expiry OK; within a degraded index, an expiry changing is news.
    if (i.status === "OK") continue;
    const expiriesBefore = new Map((was?.expiries ?? []).map((e) => [e.tag, e.status]));
    for (const e of i.expiries) {
      if ((expiriesBefore.get(e.tag) ?? "OK") === e.status) continue;
      const subject = `${i.index} ${e.tag}`;
      raise({ kind: "expiry_status", level: statusLevel(e.status), subject, message: withReason(subject, e.status, e.reason), event: changeEvent(expiriesBefore.get(e.tag) ?? "OK", e.status), index: i.index, expiry: e.tag });
    }
  }
}

/** Up to NAMED_SINK_TARGETS lines of `faults`, then one counting the rest. */
function namedLines(faults: readonly SinkFault[], line: (f: SinkFault) => string, rest: (n: number) => string): string[] {
  const out = faults.slice(0, NAMED_SINK_TARGETS).map(line);
  if (faults.length > NAMED_SINK_TARGETS) out.push(rest(faults.length - NAMED_SINK_TARGETS));
  return out;
}

function sinkAlerts(prev: AlertState | null, cur: AlertState, raise: (a: Raised) => void): void {
  const names = new Set([...Object.keys(prev?.sinks ?? {}), ...Object.keys(cur.sinks), ...Object.keys(cur.degraded ?? {})]);
  for (const name of names) {
    const was = prev?.sinks[name] ?? [];
    const now = cur.sinks[name] ?? [];
    const wasTargets = new Set(was.map((f) => f.target));
    const nowTargets = new Set(now.map((f) => f.target));
    const started = now.filter((f) => !wasTargets.has(f.target));
    const cleared = was.filter((f) => !nowTargets.has(f.target));
    const subject = (f: SinkFault) => (f.target === WHOLE_SINK ? name : `${name} ${f.target}`);
    for (const [k, message] of namedLines(started, (f) => `${name}: ${describeFault(f)}`, (n) => `${name}: ${n} more targets failing`).entries())
      raise({ kind: "sink_fault", level: "error", subject: k < NAMED_SINK_TARGETS ? subject(started[k]!) : name, message, event: "raised" });
    const again = (f: SinkFault) => `${name}: ${f.target === WHOLE_SINK ? "writing" : `${f.target} is being written`} again`;
    for (const [k, message] of namedLines(cleared, again, (n) => `${name}: ${n} more targets are being written again`).entries())
      raise({ kind: "sink_recovered", code: "sink_fault", level: "info", subject: k < NAMED_SINK_TARGETS ? subject(cleared[k]!) : name, message, event: "cleared" });
    // A spooling sink whose target is down: a warning when it starts (nothing is lost yet), news again when it has caught up.
    const wasDegraded = prev?.degraded?.[name] ?? "";
    const nowDegraded = cur.degraded?.[name] ?? "";
    if (nowDegraded && !wasDegraded) raise({ kind: "sink_degraded", level: "warn", subject: name, message: `${name}: degraded: ${nowDegraded}`, event: "raised" });
    if (wasDegraded && !nowDegraded) raise({ kind: "sink_degraded", level: "info", subject: name, message: `${name}: caught up, spool delivered`, event: "cleared" });
  }
}

/**
 * The alerts `cur` raises after `history` (null: the first state observed, compared with a
 * healthy one), and the history to pass next time. Pure.
 *
 * Counters (overruns, skipped ticks) are totals since start, so the first state observed is
 * only their baseline; an increase raises one warning, at most once per IST day per counter.
 */
export function nextAlerts(history: AlertHistory | null, cur: AlertState): { alerts: Alert[]; history: AlertHistory } {
  const prev = history?.state ?? null;
  const alerts: Alert[] = [];
  const raise = (a: Raised) => alerts.push({ ...a, code: a.code ?? a.kind, cycle: cur.cycle, at: cur.at });
  errorAlerts(prev, cur, raise);
  statusAlerts(prev, cur, raise);
  const warnedBefore = new Set(prev?.warnings ?? []);
  for (const w of cur.warnings) if (!warnedBefore.has(w)) raise({ kind: "calendar_warning", level: "warn", subject: w, message: w, event: "notice" });
  sinkAlerts(prev, cur, raise);

  const day = cur.at.slice(0, 10);
  let overrunDay = history?.overrunDay ?? null;
  let skippedDay = history?.skippedDay ?? null;
  if (prev && cur.overruns > prev.overruns && overrunDay !== day) {
    overrunDay = day;
    const ms = Number.isFinite(cur.lastCycleMs) ? `${cur.lastCycleMs.toFixed(0)} ms` : "time unknown";
    raise({ kind: "overrun", level: "warn", subject: "overrun", message: `cycle ${cur.cycle} overran the ${cur.intervalSeconds}s interval (${ms})`, event: "notice" });
  }
  if (prev && cur.skippedTicks > prev.skippedTicks && skippedDay !== day) {
    skippedDay = day;
    const n = cur.skippedTicks - prev.skippedTicks;
    raise({ kind: "skipped_ticks", level: "warn", subject: "skipped_ticks", message: `${n} tick${n === 1 ? "" : "s"} of the ${cur.intervalSeconds}s interval skipped before cycle ${cur.cycle}`, event: "notice" });
  }
  loadAlerts(prev, cur, raise);
  return { alerts, history: { state: cur, overrunDay, skippedDay } };
}

/**
 * Load control (src/engine/load-control.ts): each step shed or restored is one alert; the first
 * step shed raises the condition, the last one restored clears it.
 */
function loadAlerts(prev: AlertState | null, cur: AlertState, raise: (a: Raised) => void): void {
  const was = prev?.shed ?? [];
  const now = cur.shed ?? [];
  if (now.length > was.length) {
    for (const step of now.slice(was.length))
      raise({ kind: "load_control", level: "warn", subject: "load", message: `load control: shed ${step} (${now.length} step${now.length === 1 ? "" : "s"} shed: ${now.join(", ")})`, event: was.length === 0 ? "raised" : "notice" });
  } else if (now.length < was.length) {
    for (const step of was.slice(now.length).reverse())
      raise({
        kind: "load_control",
        level: "info",
        subject: "load",
        message: `load control: restored ${step} (${now.length ? `still shed: ${now.join(", ")}` : "nothing shed"})`,
        event: now.length === 0 ? "cleared" : "notice",
      });
  }
}
