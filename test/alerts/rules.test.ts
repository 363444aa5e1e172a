/** The one set of alert rules: what raises an alert, its level and text, and when it is raised. */
import { describe, expect, test } from "bun:test";
import { alertStateFromCycle, alertStateFromStatus, createAlertFeed, nextAlerts, type Alert, type AlertState } from "../../src/alerts/index.ts";
import { liveStatusDocument } from "../../src/server/events.ts";
import { statusFileDocument } from "../../src/sinks/status/sink.ts";
import { fixedCycle } from "../summary/fixture.ts";
import type { SinkFault } from "../../src/contracts/index.ts";

const AT = "2026-11-20T10:02:00+05:30";

/** A healthy state of two indices; `over` replaces fields. */
function state(over: Partial<AlertState> = {}): AlertState {
  const ok = (index: string) => ({ index, status: "OK", reason: "", expiries: [{ tag: "this_week", status: "OK", reason: "" }, { tag: "next_week", status: "OK", reason: "" }] });
  return { cycle: 1, at: AT, indices: [ok("NIFTY"), ok("BANKNIFTY")], errors: [], warnings: [], sinks: { csv: [], status: [] }, overruns: 0, skippedTicks: 0, intervalSeconds: 60, lastCycleMs: 40, ...over };
}

/** Feeds the states in order; the alerts of each as "level kind message". */
function run(...states: AlertState[]): string[][] {
  const feed = createAlertFeed();
  return states.map((s) => feed.observe(s).map((a: Alert) => `${a.level} ${a.kind} ${a.message}`));
}

const fault = (target: string): SinkFault => ({ target, code: "no_space", reason: "ENOSPC: no space left on device" });

describe("alert rules", () => {
  test("an index is alerted when its status changes, with its reason, and once more when it is OK again", () => {
    const partial = state({ cycle: 2, indices: [{ index: "NIFTY", status: "PARTIAL", reason: "this_week: 3 of 42 legs missing", expiries: [] }, state().indices[1]!] });
    const empty = state({ cycle: 4, indices: [{ index: "NIFTY", status: "EMPTY", reason: "no spot", expiries: [] }, state().indices[1]!] });
    expect(run(state(), partial, { ...partial, cycle: 3 }, empty, state({ cycle: 5 }))).toEqual([
      [],
      ["warn index_status NIFTY PARTIAL: this_week: 3 of 42 legs missing"],
      [],
      ["error index_status NIFTY EMPTY: no spot"],
      ["info index_status NIFTY OK again"],
    ]);
  });

  test("an expiry is alerted on its own only when it changes inside an index that stays degraded", () => {
    const nifty = (thisWeek: string, nextWeek: string) => ({
      index: "NIFTY",
      status: "PARTIAL",
      reason: "…",
      expiries: [{ tag: "this_week", status: thisWeek, reason: thisWeek === "OK" ? "" : "strike coverage 0.8" }, { tag: "next_week", status: nextWeek, reason: "" }],
    });
    const s = (cycle: number, a: string, b: string) => state({ cycle, indices: [nifty(a, b), state().indices[1]!] });
    expect(run(s(1, "PARTIAL", "OK"), s(2, "PARTIAL", "EMPTY"), s(3, "OK", "EMPTY"))).toEqual([
      ["warn index_status NIFTY PARTIAL: …"],
      ["error expiry_status NIFTY next_week EMPTY"],
      ["info expiry_status NIFTY this_week OK again"],
    ]);
  });

  test("a cycle error is raised when its phase and code first occur; auth is the provider's, retried codes are warnings", () => {
    const auth = { phase: "fetch", code: "auth", message: "token expired" };
    const transient = { phase: "spot", code: "transient", message: "timeout after 5000 ms" };
    const fatal = { phase: "enrich", code: "fatal", message: "worker died" };
    expect(run(state(), state({ cycle: 2, errors: [auth, transient] }), state({ cycle: 3, errors: [auth, { ...transient, message: "other" }, fatal] }), state({ cycle: 4 }))).toEqual([
      [],
      ["error provider_auth fetch failed (auth): token expired", "warn cycle_error spot failed (transient): timeout after 5000 ms"],
      ["error cycle_error enrich failed (fatal): worker died"],
      ["info provider_auth provider auth ok again"],
    ]);
  });

  test("a calendar warning is raised when it first appears", () => {
    const w = "NSE holiday calendar does not cover 2027 (expiries collected up to 2027-03-25)";
    expect(run(state({ warnings: [w] }), state({ cycle: 2, warnings: [w] }))).toEqual([[`warn calendar_warning ${w}`], []]);
  });

  test("sink targets: the first three newly failing are named, the rest counted; recovering targets are info", () => {
    const five = ["a", "b", "c", "d", "e"].map((x) => fault(`data/csv/${x}.csv`));
    const lines = run(state(), state({ cycle: 2, sinks: { csv: five, status: [] } }), state({ cycle: 3, sinks: { csv: five.slice(0, 1), status: [] } }));
    const subjects = nextAlerts(null, state({ sinks: { csv: five } })).alerts.map((a) => a.subject);
    expect(subjects).toEqual(["csv data/csv/a.csv", "csv data/csv/b.csv", "csv data/csv/c.csv", "csv"]);
    expect(lines[1]).toEqual([
      "error sink_fault csv: cannot write data/csv/a.csv (ENOSPC: no space left on device)",
      "error sink_fault csv: cannot write data/csv/b.csv (ENOSPC: no space left on device)",
      "error sink_fault csv: cannot write data/csv/c.csv (ENOSPC: no space left on device)",
      "error sink_fault csv: 2 more targets failing",
    ]);
    expect(lines[2]).toEqual([
      "info sink_recovered csv: data/csv/b.csv is being written again",
      "info sink_recovered csv: data/csv/c.csv is being written again",
      "info sink_recovered csv: data/csv/d.csv is being written again",
      "info sink_recovered csv: 1 more targets are being written again",
    ]);
  });

  test("a sink that wrote nothing is one line, and 'writing again' when it recovers", () => {
    const whole = { target: "", code: "io" as const, reason: "influx: connection refused" };
    expect(run(state({ sinks: { influx: [whole] } }), state({ cycle: 2, sinks: { influx: [] } }))).toEqual([
      ["error sink_fault influx: nothing written (influx: connection refused)"],
      ["info sink_recovered influx: writing again"],
    ]);
  });

  test("a spooling sink whose target is down: one warning when it becomes degraded, not again while it stands, news when it has caught up", () => {
    const down = "http://db:8086 bucket g6: HTTP 503 (down); spooling (2 waiting)";
    expect(
      run(state({ degraded: { influx: "" } }), state({ cycle: 2, degraded: { influx: down } }), state({ cycle: 3, degraded: { influx: down.replace("2 waiting", "3 waiting") } }), state({ cycle: 4, degraded: { influx: "" } })),
    ).toEqual([[], [`warn sink_degraded influx: degraded: ${down}`], [], ["info sink_degraded influx: caught up, spool delivered"]]);
    // The status document gives the same state as the engine's stats.
    const doc = { cycle: 2, snapshot_at: AT, indices: [], sinks: { influx: { failing: [], degraded: down } } };
    expect(alertStateFromStatus(doc).degraded).toEqual({ influx: down });
  });

  test("overruns and skipped ticks: the first state is the baseline, then one warning per counter per IST day", () => {
    const next = "2026-11-21T09:16:00+05:30";
    expect(
      run(
        state({ overruns: 4, skippedTicks: 2 }),
        state({ cycle: 2, overruns: 5, skippedTicks: 4, lastCycleMs: 61_234 }),
        state({ cycle: 3, overruns: 6, skippedTicks: 5 }),
        state({ cycle: 4, at: next, overruns: 7, skippedTicks: 6, lastCycleMs: 75_000 }),
      ),
    ).toEqual([
      [],
      ["warn overrun cycle 2 overran the 60s interval (61234 ms)", "warn skipped_ticks 2 ticks of the 60s interval skipped before cycle 2"],
      [],
      ["warn overrun cycle 4 overran the 60s interval (75000 ms)", "warn skipped_ticks 1 tick of the 60s interval skipped before cycle 4"],
    ]);
  });

  test("every alert carries the cycle and snapshot instant that raised it, a stable code, a subject, its index and whether it raises or clears", () => {
    const { alerts } = nextAlerts(null, state({ cycle: 9, indices: [{ index: "NIFTY", status: "EMPTY", reason: "no spot", expiries: [] }] }));
    expect(alerts).toEqual([{ kind: "index_status", code: "index_status", level: "error", cycle: 9, at: AT, subject: "NIFTY", message: "NIFTY EMPTY: no spot", event: "raised", index: "NIFTY" }]);
  });
});

describe("one state from an engine cycle or from its status document", async () => {
  const { result, stats } = await fixedCycle();
  const failing = [fault("data/csv/NIFTY/this_week/2026-11-20.csv")];
  const faulty = { ...stats, overruns: 2, skippedTicks: 1, sinks: { ...stats.sinks, csv: { ...stats.sinks.csv!, errors: 1, failing } } };
  const cycle = { ...result, warnings: ["BSE holiday calendar does not cover 2027"], errors: [{ phase: "fetch" as const, code: "auth" as const, message: "token expired" }] };

  test("the status file, /status and the cycle itself give the same state (the threshold rules' figure readings are the cycle's only)", () => {
    const { readings, ...fromCycle } = alertStateFromCycle(cycle, faulty);
    expect(readings!.length).toBeGreaterThan(0);
    const file = JSON.parse(JSON.stringify(statusFileDocument(cycle, faulty, { state: "running", writtenAt: 0, stoppedAt: null })));
    const live = JSON.parse(JSON.stringify(liveStatusDocument(cycle, faulty, "/data", 0)));
    expect(alertStateFromStatus(file)).toEqual(fromCycle);
    expect(alertStateFromStatus(live)).toEqual(fromCycle);
    expect(fromCycle.indices.map((i) => i.index)).toEqual(["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]);
    expect(fromCycle.indices[0]!.expiries.map((e) => e.tag)).toEqual(result.expiries.filter((e) => e.index === "NIFTY").map((e) => e.tag));
  });

  test("so the live dashboard, /events and g6 summary raise the same alerts", () => {
    const fromCycle = nextAlerts(null, alertStateFromCycle(cycle, faulty)).alerts;
    const fromFile = nextAlerts(null, alertStateFromStatus(JSON.parse(JSON.stringify(statusFileDocument(cycle, faulty, { state: "running", writtenAt: 0, stoppedAt: null }))))).alerts;
    expect(fromFile).toEqual(fromCycle);
    const messages = fromCycle.map((a) => a.message);
    expect(messages).toContain("fetch failed (auth): token expired");
    expect(messages).toContain("BSE holiday calendar does not cover 2027");
    expect(messages).toContain("csv: cannot write data/csv/NIFTY/this_week/2026-11-20.csv (ENOSPC: no space left on device)");
  });

  test("an older status file without warnings, errors or failing lists gives empty ones", () => {
    const s = alertStateFromStatus({ cycle: 3, snapshot_at: AT, indices: [{ index: "NIFTY", status: "OK", reason: "" }], sinks: { csv: {} }, overruns: null });
    expect(s).toMatchObject({ errors: [], warnings: [], sinks: { csv: [] }, indices: [{ index: "NIFTY", expiries: [] }] });
    expect(s.overruns).toBeNaN();
  });
});
