/**
 * The engine: runs cycles on the scheduler and hands each result to the running sinks
 * (src/engine/running-sink.ts), which write it off the cycle's critical path: the next cycle
 * starts on time however slow a sink is (unless a sink's queue is full and its policy blocks).
 */
import type { ConsolaInstance } from "consola";
import type { G6Config } from "../config/schema.ts";
import { runCycle, type Enricher } from "./cycle.ts";
import { createListingCache } from "./listing.ts";
import { runScheduler, type SchedulerClock } from "./scheduler.ts";
import { createRunningSink, DEFAULT_QUEUE, type RunningSink, type RunningSinkPolicy } from "./running-sink.ts";
import { type RunningEnv, systemRunningEnv } from "./running-provider.ts";
import { type CycleResult, emptySinkTotals, type EngineStats, errorMessage, type PoolStats, type Provider, type Sink, type SinkSpool } from "../contracts/index.ts";
import { freezeStats } from "../state/index.ts";
import { createMarketGate } from "./market-gate.ts";
import { formatIstShort, type MarketCalendar } from "../market/index.ts";
import type { MarketStatus } from "../contracts/index.ts";

export type EngineDeps = {
  config: Readonly<G6Config>;
  /**
   * The running config, read at every cycle and wait, so that reloadable settings (interval,
   * strikes, expiries) apply from the next cycle after a reload. Defaults to `config`.
   */
  currentConfig?: () => Readonly<G6Config>;
  provider: Provider;
  sinks: Sink[];
  enrich: Enricher;
  /** Snapshot instant for each cycle (the simulated session clock, or wall time). */
  snapshotAt: () => number;
  clock: SchedulerClock;
  /** Monotonic milliseconds. */
  elapsed: () => number;
  log: ConsolaInstance;
  /** The worker pool's counters, reported in the stats (absent: no pool). */
  poolStats?: () => Readonly<PoolStats> | null;
  /** Called after each cycle, before its result is handed to the sinks (state, metrics, summary). */
  onCycle?: (result: CycleResult, stats: Readonly<EngineStats>) => void;
  /** Time for the running sinks' backoff (tests inject a fake). */
  sinkEnv?: RunningEnv;
  /** The spool of a spoolable sink, by sink name (absent: that sink drops what it cannot deliver after its retries). */
  spools?: Readonly<Record<string, SinkSpool>>;
  /**
   * The market session a live provider follows (its factory said "wall"): cycles run only in
   * the session, the engine idles outside it (see market-gate.ts). Absent: every tick runs.
   */
  market?: { calendar: MarketCalendar };
  /** Called with the market state at the start and on each change (live providers only), before sinks record it. */
  onMarket?: (status: MarketStatus) => void;
};

/** The running-sink policy of `sink`: its declared queue, the shared delivery settings. */
export function sinkPolicy(sink: Sink, config: Readonly<G6Config>): RunningSinkPolicy {
  const d = config.storage.delivery;
  return {
    ...DEFAULT_QUEUE,
    ...sink.queue,
    retries: d.retries,
    retryBaseMs: d.retry_base_ms,
    retryMaxMs: d.retry_max_ms,
    stallMs: d.stall_seconds * 1000,
  };
}

/** The info line for a market state change. */
export function marketLogLine(m: MarketStatus): string {
  if (m.state === "closed") return `market closed (${m.reason}), next open ${formatIstShort(m.nextOpen!)}; idling`;
  return m.forced ? "market closed, collecting anyway (market.force_open)" : "market open, collecting";
}

export type Engine = {
  readonly stats: Readonly<EngineStats>;
  /** Runs `cycles` cycles (0: until `signal` aborts), then flushes and closes sinks and provider. */
  run(opts: { cycles: number; signal: AbortSignal }): Promise<EngineStats>;
};

export function createEngine(deps: EngineDeps): Engine {
  const { config, provider, sinks, log } = deps;
  const listing = createListingCache();
  const stats: EngineStats = {
    provider: provider.name,
    startedAt: deps.clock.now(),
    intervalSeconds: config.interval,
    cyclesRun: 0,
    cyclesFailed: 0,
    skippedTicks: 0,
    lateTicks: 0,
    overruns: 0,
    lastCycleMs: 0,
    budgetUsed: 0,
    lastError: null,
    sinks: Object.fromEntries(sinks.map((s) => [s.name, emptySinkTotals()])),
    pool: null,
  };

  const recordError = (message: string) => {
    stats.lastError = { at: deps.clock.now(), message };
    log.error(message);
  };

  const current = deps.currentConfig ?? (() => config);

  const running: RunningSink[] = sinks.map((sink) =>
    createRunningSink({
      sink,
      policy: sinkPolicy(sink, config),
      totals: stats.sinks[sink.name]!,
      spool: deps.spools?.[sink.name],
      env: deps.sinkEnv ?? systemRunningEnv,
      wallNow: () => deps.clock.now(),
      log,
      onError: recordError,
    }),
  );

  async function cycle(n: number): Promise<void> {
    const t0 = deps.elapsed();
    const cfg = current();
    stats.intervalSeconds = cfg.interval;
    stats.pool = deps.poolStats?.() ?? null;
    const result = await runCycle({ config: cfg, provider, enrich: deps.enrich, elapsed: deps.elapsed, listing }, n, deps.snapshotAt());
    stats.cyclesRun++;
    if (result.errors.length) {
      stats.cyclesFailed++;
      const e = result.errors[0]!;
      recordError(`cycle ${n}: ${e.phase} failed (${e.code}): ${e.message}`);
    }
    const intervalMs = cfg.interval * 1000;
    stats.lastCycleMs = deps.elapsed() - t0;
    stats.budgetUsed = intervalMs > 0 ? stats.lastCycleMs / intervalMs : 0;
    if (intervalMs > 0 && stats.lastCycleMs > intervalMs) stats.overruns++;
    const partial = result.indices.filter((s) => s.status !== "OK").map((s) => `${s.index} ${s.status}`);
    // One line per cycle only at debug: a healthy recorder is quiet (state changes are logged).
    log.debug(
      `cycle ${n} · ${result.legsCollected}/${result.legsRequested} legs · ${stats.lastCycleMs.toFixed(1)} ms · ${result.status}` +
        (partial.length ? ` (${partial.join(", ")})` : ""),
    );
    deps.onCycle?.(result, stats);
    // The sinks see this cycle's counters, frozen, beside live storage counters (see Sink.write).
    const handed: Readonly<EngineStats> = Object.freeze({ ...freezeStats(stats), sinks: stats.sinks });
    for (const r of running) await r.enqueue(result, handed);
  }

  return {
    stats,
    async run({ cycles, signal }) {
      await provider.open();
      for (const r of running) await r.open();
      const market = deps.market;
      // One log line per state change; the sinks that record the state (the status file) are
      // told through their running sinks, between writes.
      const announce = async (status: MarketStatus) => {
        log.info(marketLogLine(status));
        deps.onMarket?.(status);
        const frozen: Readonly<EngineStats> = Object.freeze({ ...freezeStats(stats), sinks: stats.sinks });
        await Promise.all(running.map((r) => r.market(status, frozen)));
      };
      // A cycle blocked handing over to a full queue must not keep shutdown from starting.
      const release = () => {
        for (const r of running) r.release();
      };
      signal.addEventListener("abort", release, { once: true });
      try {
        await runScheduler({
          gate: market ? createMarketGate({ calendar: market.calendar, forceOpen: () => current().market.force_open, now: () => deps.clock.now(), announce }) : undefined,
          intervalMs: () => current().interval * 1000,
          cycles,
          clock: deps.clock,
          signal,
          runCycle: cycle,
          onSkip: (ticks) => {
            stats.skippedTicks += ticks;
          },
          onLate: () => {
            stats.lateTicks++;
          },
        });
      } finally {
        signal.removeEventListener("abort", release);
        // Every sink drains its queue (with a deadline), then flushes and closes; concurrently,
        // so one slow sink does not eat the others' time.
        const deadlineMs = current().storage.delivery.shutdown_seconds * 1000;
        await Promise.all(running.map((r) => r.close(deadlineMs)));
        await provider.close();
      }
      return stats;
    },
  };
}
