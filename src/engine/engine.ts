/**
 * The engine: runs cycles on the scheduler and emits each result to the sinks, single-threaded.
 * It owns the policy around sinks (counting, recording the last error) so sinks stay small.
 */
import type { ConsolaInstance } from "consola";
import type { G6Config } from "../config/schema.ts";
import { runCycle, type Enricher } from "./cycle.ts";
import { createListingCache } from "./listing.ts";
import { runScheduler, type SchedulerClock } from "./scheduler.ts";
import { createMarketGate } from "./market-gate.ts";
import { formatIstShort, type MarketCalendar } from "../market/index.ts";
import type { MarketStatus } from "../contracts/index.ts";
import { type CycleResult, describeFault, describeFaults, type EngineStats, errorMessage, faultCodeOf, type PoolStats, type Provider, type Sink, type SinkFault, type SinkTotals, WHOLE_SINK } from "../contracts/index.ts";

/** Marks an OK cycle PARTIAL (an EMPTY one stays EMPTY) and appends `reason`. */
function markPartial(result: CycleResult, reason: string): void {
  if (result.status === "OK") result.status = "PARTIAL";
  result.statusReason = result.statusReason ? `${result.statusReason}; ${reason}` : reason;
}

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
  /** Called after each cycle has been emitted (tests, summary). */
  onCycle?: (result: CycleResult, stats: Readonly<EngineStats>) => void;
  /**
   * The market session a live provider follows (its factory said "wall"): cycles run only in
   * the session, the engine idles outside it (see market-gate.ts). Absent: every tick runs.
   */
  market?: { calendar: MarketCalendar };
  /** Called with the market state at the start and on each change (live providers only), before sinks record it. */
  onMarket?: (status: MarketStatus) => void;
};

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
    sinks: Object.fromEntries(sinks.map((s) => [s.name, { rows: 0, bytes: 0, duplicatesSkipped: 0, errors: 0, failing: [] }])),
    pool: null,
  };

  const recordError = (message: string) => {
    stats.lastError = { at: deps.clock.now(), message };
    log.error(message);
  };

  const current = deps.currentConfig ?? (() => config);

  /** Records a sink's faulted targets for this cycle; logs one line when a target starts or stops failing. */
  const noteFaults = (sink: string, totals: SinkTotals, faults: SinkFault[]) => {
    const before = new Set(totals.failing.map((f) => f.target));
    const now = new Set(faults.map((f) => f.target));
    for (const f of faults) if (!before.has(f.target)) recordError(`sink ${sink}: ${describeFault(f)}`);
    for (const t of before) if (!now.has(t)) log.info(`sink ${sink}: ${t === WHOLE_SINK ? "writing" : `${t} is being written`} again`);
    totals.errors += faults.length;
    totals.failing = faults;
  };

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
    for (const sink of sinks) {
      const totals = stats.sinks[sink.name]!;
      try {
        const report = await sink.write(result, stats);
        totals.rows += report.rows;
        totals.bytes += report.bytes;
        totals.duplicatesSkipped += report.duplicatesSkipped;
        noteFaults(sink.name, totals, report.faults ?? []);
      } catch (err) {
        // A sink that could write nothing fails as a whole (target ""), so the status, /readyz
        // and the gauge say so, and the log has one line until it recovers.
        const reason = errorMessage(err);
        noteFaults(sink.name, totals, [{ target: WHOLE_SINK, code: faultCodeOf(err), reason }]);
      }
      // Later sinks (the status file, panels) see this cycle's faults of earlier ones.
      if (totals.failing.length) markPartial(result, `${sink.name}: ${describeFaults(totals.failing)}`);
    }
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
  }

  return {
    stats,
    async run({ cycles, signal }) {
      await provider.open();
      for (const sink of sinks) await sink.open();
      const market = deps.market;
      // One log line per state change; the sinks that record the state (the status file) are told.
      const announce = async (status: MarketStatus) => {
        log.info(marketLogLine(status));
        deps.onMarket?.(status);
        for (const sink of sinks) {
          try {
            await sink.market?.(status, stats);
          } catch (err) {
            recordError(`sink ${sink.name}: market state: ${errorMessage(err)}`);
          }
        }
      };
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
        // Flush and close are separate steps: a failed flush (a failed fsync) must not keep the
        // sink from closing (the status file's "stopped" marker is written at close).
        for (const sink of sinks) {
          for (const step of ["flush", "close"] as const) {
            try {
              await sink[step]();
            } catch (err) {
              recordError(`sink ${sink.name}: ${step}: ${errorMessage(err)}`);
            }
          }
        }
        await provider.close();
      }
      return stats;
    },
  };
}
