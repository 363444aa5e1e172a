/**
 * The engine: runs cycles on the scheduler and hands each result to the running sinks
 * (src/engine/running-sink.ts), which write it off the cycle's critical path: the next cycle
 * starts on time however slow a sink is (unless a sink's queue is full and its policy blocks).
 * A provider whose open is refused as `auth` (an expired daily token) does not end the run: the
 * engine runs its cycles (each failing fast, not ready) and opens the provider before the first
 * cycle after new credentials let it (see RunningProvider.reset and AppOptions.refreshConfig).
 */
import type { ConsolaInstance } from "consola";
import type { G6Config } from "../config/schema.ts";
import { runCycle, type Enricher } from "./cycle.ts";
import { createListingCache } from "./listing.ts";
import { createTraderAnalytics } from "./trader-analytics.ts";
import { runScheduler, type SchedulerClock } from "./scheduler.ts";
import { createRunningSink, DEFAULT_QUEUE, type RunningSink, type RunningSinkPolicy } from "./running-sink.ts";
import { type RunningEnv, systemRunningEnv } from "./running-provider.ts";
import { type CycleResult, emptySinkTotals, type EngineStats, errorMessage, type PoolStats, type Provider, ProviderError, type Sink, type SinkSpool } from "../contracts/index.ts";
import { freezeStats } from "../state/index.ts";
import { createBatchPool, type BatchPoolStats } from "../chain/batch-pool.ts";
import { releaseResult, retainResult } from "./holds.ts";
import { createMarketGate } from "./market-gate.ts";
import { createLoadControl, planShed } from "./load-control.ts";
import { formatIstShort, type MarketCalendar } from "../market/index.ts";
import type { MarketStatus } from "../contracts/index.ts";

/** Resolves on the event loop's next turn (after the I/O and messages already waiting). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Resolves two turns on: after whatever the current turn queued. Back to back (interval 0), the
 * scheduler's zero sleep is itself a turn queued right after the cycle, so the next cycle starts
 * in the first turn and is waiting for its workers by the second.
 */
const secondTurn = () => nextTurn().then(nextTurn);

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
  /**
   * Snapshot instant for each cycle (the simulated session clock, wall time, a recording's
   * instants); null: there are no more (a replay at its end), the run ends cleanly there.
   */
  snapshotAt: () => number | null;
  /** Wall ms to wait before taking the next snapshot instant (a paced replay); absent: none. */
  snapshotDelay?: () => number;
  clock: SchedulerClock;
  /** Monotonic milliseconds. */
  elapsed: () => number;
  log: ConsolaInstance;
  /** The worker pool's counters, reported in the stats (absent: no pool). */
  poolStats?: () => Readonly<PoolStats> | null;
  /**
   * Called after each cycle, before its result is handed to the sinks (state, metrics, summary).
   * The result's batches and strike flows are valid until the next cycle is published: their
   * memory is then reused unless a sink or a retainResult holds it (src/engine/holds.ts); to keep
   * them, retain the result.
   */
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
  /**
   * Called before each cycle (before its config is read): picks up changes made outside the
   * process, e.g. a new access token in the secrets file.
   */
  beforeCycle?: () => void;
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
  /** How the cycles' batches were built: fresh or in the memory of released ones (see batch-pool.ts). */
  readonly batches: Readonly<BatchPoolStats>;
  /** True once the snapshot clock ran out of instants (a recording replayed to its end): the run ended there. */
  readonly exhausted: boolean;
  /** Runs `cycles` cycles (0: until `signal` aborts or the snapshot clock runs out), then flushes and closes sinks and provider. */
  run(opts: { cycles: number; signal: AbortSignal }): Promise<EngineStats>;
};

export function createEngine(deps: EngineDeps): Engine {
  const { config, provider, sinks, log } = deps;
  const listing = createListingCache();
  const trader = createTraderAnalytics(config);
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
  const load = createLoadControl();
  if (config.load_control.enabled) stats.load = load.stats;

  const recordError = (message: string) => {
    stats.lastError = { at: deps.clock.now(), message };
    log.error(message);
  };

  const current = deps.currentConfig ?? (() => config);

  // Batches are reused once released: the published hold (the newest cycle, until the next one
  // is published) and one hold per running sink that was handed the cycle (see batch-pool.ts).
  const batches = createBatchPool();
  // The chain legs' batches (chain scope) in a pool of their own: their size is not the ladder's.
  const chainBatches = createBatchPool();
  let published: CycleResult | null = null;

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
      onDone: (result) => releaseResult(result),
    }),
  );

  let exhausted = false;
  /** Ends the scheduler's loop (the caller's signal, or the snapshot clock running out). */
  let stop = new AbortController();
  /** Whether the provider has been opened (a refused open is retried before each cycle). */
  let opened = false;

  /**
   * Opens the provider. Refused credentials (an expired daily token) do not end the run: the
   * refusal is returned, the engine waits, not ready, and tries again before each cycle until
   * new credentials let it open. Any other failure is thrown.
   */
  async function openProvider(): Promise<ProviderError | null> {
    try {
      await provider.open();
      opened = true;
      return null;
    } catch (err) {
      if (err instanceof ProviderError && err.code === "auth") return err;
      throw err;
    }
  }

  /** The stats sinks are handed: the engine's counters frozen now, beside the live storage counters (see Sink.write). */
  const handedStats = (): Readonly<EngineStats> => Object.freeze({ ...freezeStats(stats), sinks: stats.sinks });

  async function cycle(n: number): Promise<void> {
    const delay = deps.snapshotDelay?.() ?? 0;
    if (delay > 0) await deps.clock.sleep(delay, stop.signal);
    if (stop.signal.aborted) return;
    const at = deps.snapshotAt();
    if (at === null) {
      exhausted = true;
      log.info(`no more snapshot instants: ending after ${stats.cyclesRun} cycles`);
      stop.abort();
      return;
    }
    const t0 = deps.elapsed();
    deps.beforeCycle?.();
    // Still refused: the cycle's calls fail fast with the same error and record it.
    if (!opened) await openProvider();
    const cfg = current();
    stats.intervalSeconds = cfg.interval;
    stats.pool = deps.poolStats?.() ?? null;
    const shed = load.shed.length ? planShed(load.shed, cfg.load_control) : null;
    const result = await runCycle({ config: cfg, provider, enrich: deps.enrich, elapsed: deps.elapsed, listing, wallNow: () => deps.clock.now(), shed, trader, createBatch: batches.acquire, createChainBatch: chainBatches.acquire }, n, at);
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
    // Load control: off (or switched off by a reload) restores what is shed, one step a cycle.
    const lc = cfg.load_control;
    const change = lc.enabled || load.shed.length ? load.observe(stats.budgetUsed, lc.enabled ? lc : { ...lc, steps: [] }) : null;
    if (change) {
      stats.load = load.stats;
      const line = `load control: ${change.direction} ${change.step} after cycle ${n} used ${(stats.budgetUsed * 100).toFixed(0)} % of the interval (shed now: ${load.shed.join(", ") || "nothing"})`;
      if (change.direction === "shed") log.warn(line);
      else log.info(line);
    }
    const partial = result.indices.filter((s) => s.status !== "OK").map((s) => `${s.index} ${s.status}`);
    // One line per cycle only at debug: a healthy recorder is quiet (state changes are logged).
    log.debug(
      `cycle ${n} · ${result.legsCollected}/${result.legsRequested} legs · ${stats.lastCycleMs.toFixed(1)} ms · ${result.status}` +
        (partial.length ? ` (${partial.join(", ")})` : ""),
    );
    deps.onCycle?.(result, stats);
    const handed = handedStats();
    // The previous cycle is with the sinks before this one is handed over (their queues' order
    // and backpressure are kept, one cycle later).
    await settleHandOver();
    // The cycle's own hold is now the published one; the previous cycle's is given back.
    if (published) releaseResult(published);
    published = result;
    // One hold per running sink, taken now; a sink that refuses the cycle gives its hold back.
    for (let i = 0; i < running.length; i++) retainResult(result);
    // Without live workers there is nothing to overlap with: the hand-over runs now, as it always did.
    if (!(deps.poolStats?.()?.workers ?? 0)) return handOver(result, handed);
    handing = secondTurn().then(() => handOver(result, handed));
    // Settled by the next cycle, a market state or shutdown; a failure is thrown there.
    handing.catch(() => {});
  }

  /**
   * The newest cycle's hand-over to the running sinks. When the pool has live workers it starts
   * two event-loop turns after the cycle ends (`secondTurn`), not at its end: the scheduler starts
   * the next cycle first, so the sinks' writes (main-thread CPU: a universe cycle's CSV rows,
   * status, panels) run while that cycle waits for the pool's workers instead of before it
   * dispatches their jobs. With an interval the scheduler's sleep outlasts both turns and the
   * writes start at once. Inline (no workers) it runs at the cycle's end. See
   * docs/ARCHITECTURE.md, "Emission beside the pool".
   */
  let handing: Promise<void> | null = null;

  async function settleHandOver(): Promise<void> {
    const h = handing;
    handing = null;
    if (h) await h;
  }

  async function handOver(result: CycleResult, handed: Readonly<EngineStats>): Promise<void> {
    let i = 0;
    try {
      for (; i < running.length; i++) await running[i]!.enqueue(result, handed);
    } catch (err) {
      for (; i < running.length; i++) releaseResult(result);
      throw err;
    }
  }

  return {
    stats,
    get batches() {
      return batches.stats;
    },
    get exhausted() {
      return exhausted;
    },
    async run({ cycles, signal }) {
      stop = new AbortController();
      const onAbort = () => stop.abort();
      if (signal.aborted) stop.abort();
      else signal.addEventListener("abort", onAbort, { once: true });
      const refused = await openProvider();
      if (refused) recordError(`provider ${provider.name}: open refused (${refused.code}): ${refused.message}; waiting for new credentials`);
      for (const r of running) await r.open();
      const market = deps.market;
      // One log line per state change; the sinks that record the state (the status file) are
      // told through their running sinks, between writes.
      const announce = async (status: MarketStatus) => {
        log.info(marketLogLine(status));
        deps.onMarket?.(status);
        // The sinks hear of the state after the cycle before it.
        await settleHandOver();
        const handed = handedStats();
        await Promise.all(running.map((r) => r.market(status, handed)));
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
          signal: stop.signal,
          runCycle: cycle,
          onSkip: (ticks) => {
            stats.skippedTicks += ticks;
          },
          onLate: () => {
            stats.lateTicks++;
          },
        });
      } finally {
        // The last cycle's hand-over (a cycle that failed to hand over has thrown already).
        await settleHandOver().catch((err) => recordError(`hand-over to the sinks failed: ${errorMessage(err)}`));
        signal.removeEventListener("abort", release);
        // Every sink drains its queue (with a deadline), then flushes and closes; concurrently,
        // so one slow sink does not eat the others' time.
        const deadlineMs = current().storage.delivery.shutdown_seconds * 1000;
        await Promise.all(running.map((r) => r.close(deadlineMs)));
        await provider.close();
        signal.removeEventListener("abort", onAbort);
      }
      return stats;
    },
  };
}
