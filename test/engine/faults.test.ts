/**
 * Failures through the real engine: fault-injecting providers (the simulator with one call
 * broken) and sinks, wired as the app wires them (instrumented by the observability, a real
 * status sink last). Each case checks what people and machines see of the failure: the cycle
 * result (status, reason, errors with phase and code), the status file, /readyz's readiness
 * and a metric from the Prometheus exposition.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createEnricher } from "../../src/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { systemClock, type SchedulerClock } from "../../src/engine/scheduler.ts";
import { createRunningProvider, providerProblem, runningPolicy } from "../../src/engine/running-provider.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createObservability } from "../../src/metrics/observability.ts";
import { createLatestState, type Readiness } from "../../src/state/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import { createStatusSink } from "../../src/sinks/status/sink.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";
import { type CycleResult, type EngineStats, type Provider, ProviderError, type Sink } from "../../src/contracts/index.ts";

/** Two indices keep the results short: NIFTY (weekly tags) and BANKNIFTY (monthly tags). */
const ONLY_TWO = { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } };

type Outcome = {
  results: CycleResult[];
  stats: EngineStats;
  /** The status file as the run left it (the last cycle, state "stopped"). */
  status: Record<string, unknown> & { errors: unknown[]; status: string; status_reason: string };
  readiness: Readiness;
  /** Value of one series of the exposition: `name{labels} value`, labels in registration order. */
  metric(name: string, labels?: Record<string, string>): number;
  /** Wall-clock starts of each cycle's provider spot call, epoch ms. */
  spotCalls: number[];
};

/**
 * Runs `cycles` cycles of the real engine: the simulator wrapped by `breakProvider`, then
 * `sinks`, then a real status sink, all instrumented as in the app.
 */
async function runWith(opts: {
  cycles: number;
  breakProvider?: (sim: Provider) => Provider;
  sinks?: Sink[];
  clock?: SchedulerClock;
  interval?: number;
  delivery?: Record<string, number>;
  /** Called at each cycle's publication with the readiness then. */
  onReadiness?: (r: Readiness, cycle: number) => void;
}): Promise<Outcome> {
  const dir = tempDir("g6-faults-");
  const config = testConfig({
    interval: opts.interval ?? 60,
    indices: ONLY_TWO,
    pool: { size: 0 },
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: { data_dir: dir, ...(opts.delivery ? { delivery: opts.delivery } : {}) },
  });
  const clock = opts.clock ?? instantClock;
  const calendar = createMarketCalendar({ holidays: [] });
  let live: EngineStats["sinks"] = {};
  const observability = createObservability(config, { now: () => clock.now(), storage: () => live });
  const sim = createSimProvider({ config, calendar });
  const spotCalls: number[] = [];
  const base = opts.breakProvider ? opts.breakProvider(sim) : sim;
  const timed: Provider = { ...base, name: base.name, spot: (i, at) => (spotCalls.push(Date.now()), base.spot(i, at)) };
  const provider = observability.instrumentProvider(timed);
  const state = createLatestState({ now: () => clock.now(), providerOpen: () => provider.isOpen, storage: () => live });
  state.subscribe(({ result, stats }) => observability.onCycle(result, stats));
  const statusFile = join(dir, "status.json");
  const sinks = [...(opts.sinks ?? []), createStatusSink({ file: statusFile, now: () => clock.now() })].map((s) => observability.instrumentSink(s));
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, clock.now()), 60_000);
  const results: CycleResult[] = [];
  const engine = createEngine({
    config,
    provider,
    sinks,
    enrich: createEnricher(config, null),
    snapshotAt: () => simClock.next(),
    clock,
    elapsed: () => performance.now(),
    log: quietLog,
    onCycle: (r, s) => {
      state.publish(r, s);
      results.push(r);
    },
  });
  live = engine.stats.sinks;
  // Readiness is asked while the provider is open (as /readyz would during the run).
  let readiness: Readiness = { ready: false, reasons: ["not asked"] };
  state.subscribe(({ result }) => {
    readiness = state.readiness();
    opts.onReadiness?.(readiness, result.cycle);
  });
  const stats = await engine.run({ cycles: opts.cycles, signal: new AbortController().signal });
  const text = await observability.render();
  const metric = (name: string, labels: Record<string, string> = {}) => {
    const sel = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",");
    const prefix = sel ? `${name}{${sel}} ` : `${name} `;
    const line = text.split("\n").find((l) => l.startsWith(prefix));
    if (!line) throw new Error(`no series ${prefix.trim()} in the exposition`);
    return Number(line.slice(prefix.length));
  };
  return { results, stats, status: JSON.parse(readFileSync(statusFile, "utf8")), readiness, metric, spotCalls };
}

const transient = (what: string) => new ProviderError("transient", `${what}: upstream timed out`);

test("no spot (transient): the cycle is EMPTY with a spot error; not ready; the error is counted by endpoint and code", async () => {
  const o = await runWith({ cycles: 2, breakProvider: (sim) => ({ ...sim, spot: async () => Promise.reject(transient("spot")) }) });
  const r = o.results[1]!;
  expect(r.status).toBe("EMPTY");
  expect(r.statusReason).toBe("NIFTY EMPTY: no spot quote; BANKNIFTY EMPTY: no spot quote");
  expect(r.errors).toEqual([{ phase: "spot", code: "transient", message: "spot: upstream timed out" }]);
  expect(r.legsRequested).toBe(0);
  expect(o.status.status).toBe("EMPTY");
  expect(o.status.errors).toEqual(r.errors);
  expect(o.status.cycles_failed).toBe(2);
  expect(o.readiness).toEqual({ ready: false, reasons: ["no successful cycle yet"] });
  expect(o.metric("g6_provider_errors_total", { endpoint: "spot", code: "transient" })).toBe(2);
  expect(o.metric("g6_cycles_failed_total")).toBe(2);
});

test("no listing for one index: that index is EMPTY, the other collected; the cycle is PARTIAL with a spot-phase error", async () => {
  const o = await runWith({
    cycles: 1,
    breakProvider: (sim) => ({ ...sim, listExpiries: async (index, today) => (index === "BANKNIFTY" ? Promise.reject(new ProviderError("bad_data", "BANKNIFTY: empty instrument dump")) : sim.listExpiries(index, today)) }),
  });
  const r = o.results[0]!;
  expect(r.status).toBe("PARTIAL");
  expect(r.statusReason).toBe("BANKNIFTY EMPTY: no expiry listing; not listed: this_month, next_month");
  expect(r.errors).toEqual([{ phase: "spot", code: "bad_data", message: "BANKNIFTY: empty instrument dump" }]);
  expect(r.indices.map((s) => [s.index, s.status])).toEqual([["NIFTY", "OK"], ["BANKNIFTY", "EMPTY"]]);
  expect(o.status.status_reason).toBe(r.statusReason);
  expect(o.status.errors).toEqual(r.errors);
  // A cycle with an error is not a success: not ready yet.
  expect(o.readiness).toEqual({ ready: false, reasons: ["no successful cycle yet"] });
  expect(o.metric("g6_provider_errors_total", { endpoint: "list_expiries", code: "bad_data" })).toBe(1);
  expect(o.metric("g6_provider_requests_total", { endpoint: "list_expiries", result: "ok" })).toBe(1);
});

test("an unresolved expiry tag (only the nearest expiry listed): PARTIAL without an error; ready", async () => {
  const o = await runWith({ cycles: 1, breakProvider: (sim) => ({ ...sim, listExpiries: async (index, today) => (await sim.listExpiries(index, today)).slice(0, 1) }) });
  const r = o.results[0]!;
  expect(r.status).toBe("PARTIAL");
  expect(r.errors).toEqual([]);
  const nifty = r.indices.find((s) => s.index === "NIFTY")!;
  expect(nifty.status).toBe("PARTIAL");
  expect(r.statusReason).toBe("NIFTY PARTIAL: not listed: next_week, next_month; BANKNIFTY PARTIAL: not listed: next_month");
  expect(r.expiries.map((e) => `${e.index} ${e.tag}`)).toEqual(["NIFTY this_week", "NIFTY this_month", "BANKNIFTY this_month"]);
  expect(o.status.status).toBe("PARTIAL");
  expect(o.status.status_reason).toBe(r.statusReason);
  expect(o.readiness).toEqual({ ready: true, reasons: [] });
  expect(o.metric("g6_cycles_failed_total")).toBe(0);
});

test("a failed quotes call: the cycle is EMPTY with a fetch error, the legs were requested and none collected", async () => {
  const o = await runWith({ cycles: 1, breakProvider: (sim) => ({ ...sim, quotes: async () => Promise.reject(new ProviderError("rate_limited", "quotes: 429 too many requests")) }) });
  const r = o.results[0]!;
  expect(r.status).toBe("EMPTY");
  expect(r.errors).toEqual([{ phase: "fetch", code: "rate_limited", message: "quotes: 429 too many requests" }]);
  expect(r.legsRequested).toBeGreaterThan(0);
  expect(r.legsCollected).toBe(0);
  expect(r.statusReason).toContain("NIFTY EMPTY: this_week: no quotes for any of");
  expect(o.status.legs).toEqual({ requested: r.legsRequested, collected: 0 });
  expect(o.readiness).toEqual({ ready: false, reasons: ["no successful cycle yet"] });
  expect(o.metric("g6_provider_errors_total", { endpoint: "quotes", code: "rate_limited" })).toBe(1);
  expect(o.metric("g6_provider_rate_limit_waits_total", { endpoint: "quotes" })).toBe(1);
});

test("an auth error after a good cycle: recorded once per cycle with code auth (this engine runs the bare provider: readiness under auth is the running provider's, test/engine/running-provider.test.ts)", async () => {
  let cycle = 0;
  const expired = () => new ProviderError("auth", "session token expired");
  const o = await runWith({
    cycles: 2,
    breakProvider: (sim) => ({
      ...sim,
      spot: async (i, at) => (++cycle > 1 ? Promise.reject(expired()) : sim.spot(i, at)),
      listExpiries: async (index, today) => (cycle > 1 ? Promise.reject(expired()) : sim.listExpiries(index, today)),
    }),
  });
  expect(o.results.map((r) => r.status)).toEqual(["OK", "EMPTY"]);
  const r = o.results[1]!;
  expect(r.errors.map((e) => `${e.phase} ${e.code}`)).toEqual(["spot auth"]);
  expect(r.statusReason).toBe("NIFTY EMPTY: no spot quote; BANKNIFTY EMPTY: no spot quote");
  expect(o.status.errors).toEqual(r.errors);
  expect(o.stats.lastError?.message).toBe("cycle 2: spot failed (auth): session token expired");
  // Without the running provider nothing holds the auth state: readiness latched on cycle 1.
  expect(o.readiness).toEqual({ ready: true, reasons: [] });
  expect(o.metric("g6_provider_errors_total", { endpoint: "spot", code: "auth" })).toBe(1);
  expect(o.metric("g6_provider_errors_total", { endpoint: "list_expiries", code: "auth" })).toBe(2);
});

test("an auth error at open does not end the run: cycles run failing, not ready; open is tried again before each cycle", async () => {
  const dir = tempDir("g6-faults-open-");
  const config = testConfig({ indices: ONLY_TWO, pool: { size: 0 }, storage: { data_dir: dir } });
  const observability = createObservability(config, { now: () => instantClock.now() });
  const sim = createSimProvider({ config, calendar: createMarketCalendar({ holidays: [] }) });
  const provider = observability.instrumentProvider({ ...sim, open: async () => Promise.reject(new ProviderError("auth", "login refused")) });
  // Under the running policy, as the app runs it: after the refusal every call fails fast.
  const running = createRunningProvider(provider, runningPolicy(config));
  const state = createLatestState({ now: () => instantClock.now(), providerOpen: () => provider.isOpen, providerProblem: () => providerProblem(running) });
  const results: CycleResult[] = [];
  const engine = createEngine({
    config,
    provider: running,
    sinks: [createStatusSink({ file: join(dir, "status.json"), now: () => instantClock.now() })],
    enrich: createEnricher(config, null),
    snapshotAt: () => instantClock.now(),
    clock: instantClock,
    elapsed: () => performance.now(),
    log: quietLog,
    onCycle: (r) => results.push(r),
  });
  const stats = await engine.run({ cycles: 1, signal: new AbortController().signal });
  expect(results.map((r) => r.status)).toEqual(["EMPTY"]);
  expect(stats.lastError?.message).toStartWith("cycle 1: ");
  expect(results[0]!.errors.map((e) => [e.phase, e.code])).toEqual([["spot", "auth"]]);
  expect(state.readiness()).toEqual({ ready: false, reasons: ["provider not open", "provider auth failed: login refused", "no successful cycle yet"] });
  const text = await observability.render();
  // Refused once: the retry before the cycle failed fast, without calling the provider.
  expect(text).toContain('g6_provider_errors_total{endpoint="open",code="auth"} 1\n');
  expect(text).toContain("g6_provider_open 0\n");
});

test("a slow sink (a 5 s write) does not delay the next fetch: cycles run on their 1 s ticks, it shows as stalled, then catches up", async () => {
  const SLOW_MS = 5000;
  const writeEnds: number[] = [];
  const slow: Sink = {
    name: "slow",
    // Room for the cycles of the stall: the hand-over never waits.
    queue: { capacity: 8, whenFull: "block" },
    open: async () => {},
    write: async (r) => {
      if (r.cycle === 1) await Bun.sleep(SLOW_MS);
      writeEnds.push(Date.now());
      return { rows: 1, bytes: 10, duplicatesSkipped: 0 };
    },
    flush: async () => {},
    close: async () => {},
  };
  const seen: { cycle: number; readiness: Readiness }[] = [];
  const o = await runWith({
    cycles: 5,
    sinks: [slow],
    clock: systemClock,
    interval: 1,
    delivery: { stall_seconds: 2 },
    onReadiness: (readiness, cycle) => seen.push({ cycle, readiness }),
  });
  expect(o.results.map((r) => r.status)).toEqual(["OK", "OK", "OK", "OK", "OK"]);
  // Every cycle fetched on its own tick, about 1 s apart, while the first write was still running.
  const gaps = o.spotCalls.slice(1).map((t, i) => t - o.spotCalls[i]!);
  for (const gap of gaps) expect(gap).toBeLessThan(1500);
  expect(o.spotCalls[4]!).toBeLessThan(writeEnds[0]!);
  expect(o.stats.overruns).toBe(0);
  // While the write ran past the stall threshold (2 s), the sink showed as failing, by name…
  const stalled = seen.filter((s) => !s.readiness.ready);
  expect(stalled.length).toBeGreaterThan(0);
  expect(stalled[0]!.readiness.reasons).toEqual(["sink slow: nothing written (a write has been running for more than 2 s)"]);
  // …and every cycle was written in the end, in order, nothing dropped.
  expect(writeEnds).toHaveLength(5);
  expect(o.stats.sinks.slow).toMatchObject({ rows: 5, written: 5, queued: 0, dropped: 0, failing: [] });
  // The status sink, on its own queue, was never held up by the slow one.
  expect(o.stats.sinks.status).toMatchObject({ written: 5, dropped: 0, failing: [] });
  expect(o.metric("g6_storage_write_duration_seconds_count", { sink: "slow" })).toBe(5);
  expect(o.metric("g6_cycle_overruns_total")).toBe(0);
}, 30_000);

test("a failing sink (throws): the status file is PARTIAL naming it, not ready, the target gauge is 1; the cycle's data was collected", async () => {
  const failing: Sink = {
    name: "failing",
    open: async () => {},
    write: async () => Promise.reject(new Error("connection refused")),
    flush: async () => {},
    close: async () => {},
  };
  const o = await runWith({ cycles: 2, sinks: [failing] });
  const r = o.results[1]!;
  // A sink failure is not a collection failure: the cycle itself is OK.
  expect(r.status).toBe("OK");
  expect(r.errors).toEqual([]);
  expect(o.status.status).toBe("PARTIAL");
  expect(o.status.status_reason).toBe("failing: nothing written (connection refused)");
  expect((o.status.sinks as Record<string, unknown>).failing).toMatchObject({
    rows: 0,
    errors: 2,
    written: 0,
    dropped: 2,
    retries: 0,
    failing: [{ target: "", code: "io", reason: "connection refused" }],
  });
  expect(o.readiness).toEqual({ ready: false, reasons: ["sink failing: nothing written (connection refused)"] });
  expect(o.metric("g6_storage_failing_targets", { sink: "failing" })).toBe(1);
  expect(o.metric("g6_storage_errors_total", { sink: "failing" })).toBe(2);
  expect(o.metric("g6_storage_failing_targets", { sink: "status" })).toBe(0);
});
