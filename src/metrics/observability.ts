/**
 * createObservability: the one metrics Registry of a G6 process and everything that feeds it.
 * The composition root creates it, wraps the provider and sinks with it, and hands its
 * `onCycle` to the engine; the HTTP server reads `render`, `readiness`, `latest` and
 * `subscribe`. Per-cycle work is a bounded number of gauge sets (record.ts); per-strike detail
 * and process figures are filled only when a scrape renders the exposition.
 */
import { Registry } from "prom-client";
import type { G6Config } from "../config/schema.ts";
import { CATALOG, enabledGroups } from "./catalog.ts";
import { detailSeries, fillDetail } from "./detail.ts";
import { estimateBaseSeries } from "./estimate.ts";
import { createCardinalityGuard, type DetailLevel } from "./guard.ts";
import { instrumentProvider, type InstrumentedProvider } from "./provider.ts";
import { createDeltas, recordAnalytics, recordChains, recordCycle, recordIndices, recordPool, recordStorage } from "./record.ts";
import { registerGroup } from "./registry.ts";
import { instrumentSink } from "./sinks.ts";
import type { MetricGroup } from "./types.ts";
import { type CycleResult, describeFaults, type EngineStats, type PoolStats, type Provider, type Sink } from "../contracts/index.ts";

/**
 * The longest a rendering is served while no cycle completes (a provider stalled in a fetch):
 * provider errors and process figures recorded meanwhile still reach a scrape, at the cost of
 * at most one rendering per this many ms.
 */
export const RENDER_MAX_AGE_MS = 5000;

export type CycleObserver = (result: CycleResult, stats: Readonly<EngineStats>) => void;

/** The last cycle, the engine stats after it, and the wall time (epoch ms) it was observed. */
export type LatestCycle = { result: CycleResult; stats: Readonly<EngineStats>; observedAt: number };

export type Readiness = { ready: boolean; reasons: string[] };

export type Observability = {
  readonly registry: Registry;
  readonly groups: ReadonlySet<MetricGroup>;
  /** Option detail level in force (0 none, 1 band, 2 all) and degradations so far. */
  readonly detailLevel: DetailLevel;
  readonly guardTrips: number;
  instrumentProvider(provider: Provider): InstrumentedProvider;
  instrumentSink(sink: Sink): Sink;
  /** The engine's per-cycle hook: updates metrics, then notifies subscribers. */
  onCycle: CycleObserver;
  /** Adds an observer called after each cycle's metrics are updated; returns its removal. */
  subscribe(observer: CycleObserver): () => void;
  /**
   * The Prometheus text exposition. Rendered at most once per cycle (scrape-time groups filled
   * first) and served from that rendering until the next cycle, so scrapes, however many, never
   * take the engine's time. While no cycle completes, a rendering older than RENDER_MAX_AGE_MS
   * is made again, so a stalled provider's errors still show. Process figures (CPU, memory) are
   * as of the rendering.
   */
  render(): Promise<string>;
  readonly contentType: string;
  /** Ready once a cycle has succeeded and the provider is open; else the reasons why not. */
  readiness(): Readiness;
  /**
   * Adds a condition of readiness kept elsewhere (the running provider's auth state): `check`
   * returns why the process is not ready, or null.
   */
  addReadinessCheck(check: () => string | null): void;
  /** The last cycle and the engine stats after it, or null before the first cycle. */
  latest(): LatestCycle | null;
};

export type ObservabilityDeps = {
  /** Wall clock, epoch ms. */
  now: () => number;
  /** Monotonic ms for latencies. */
  elapsed?: () => number;
  /** The worker pool's stats, or null when compute runs inline. */
  poolStats?: () => Readonly<PoolStats> | null;
};

export function createObservability(config: Readonly<G6Config>, deps: ObservabilityDeps): Observability {
  const registry = new Registry();
  const groups = enabledGroups(config);
  const on = (g: MetricGroup) => groups.has(g);
  const cycle = registerGroup(registry, CATALOG.cycle);
  const provider = registerGroup(registry, CATALOG.provider);
  const storage = registerGroup(registry, CATALOG.storage);
  const index = on("index") ? registerGroup(registry, CATALOG.index) : null;
  const chain = on("chain") ? registerGroup(registry, CATALOG.chain) : null;
  const analytics = on("analytics") ? registerGroup(registry, CATALOG.analytics) : null;
  const pool = on("pool") ? registerGroup(registry, CATALOG.pool) : null;
  const proc = on("process") ? registerGroup(registry, CATALOG.process) : null;
  const detail = on("option_detail") ? registerGroup(registry, CATALOG.option_detail) : null;
  const band = config.metrics.option_detail.band_strikes;
  const guard = createCardinalityGuard({
    budget: config.metrics.series_budget,
    maxLevel: detail ? (config.metrics.option_detail.mode === "all" ? 2 : 1) : 0,
    hysteresis: config.metrics.hysteresis,
    restoreCycles: config.metrics.restore_cycles,
  });
  cycle.detailLevel.set(guard.level);
  proc?.start.set(Math.round(performance.timeOrigin) / 1000);
  const delta = createDeltas();
  const observers = new Set<CycleObserver>();
  const readinessChecks: (() => string | null)[] = [];
  let last: LatestCycle | null = null;
  let succeeded = false;
  let wrapped: InstrumentedProvider | null = null;
  let cpuMicros = 0;
  /** Cycles observed so far, and the rendering made after the last of them. */
  let cyclesSeen = 0;
  let rendered: { cycles: number; at: number; text: Promise<string> } | null = null;

  function onCycle(result: CycleResult, stats: Readonly<EngineStats>): void {
    last = { result, stats, observedAt: deps.now() };
    cyclesSeen++;
    if (!result.errors.length && result.status !== "EMPTY") succeeded = true;
    recordCycle(cycle, result, stats, delta, deps.now());
    recordStorage(storage, stats, delta);
    if (index) recordIndices(index, result);
    if (chain) recordChains(chain, result);
    if (analytics) recordAnalytics(analytics, result);
    if (pool) recordPool(pool, result, deps.poolStats?.() ?? null, delta);
    const base = estimateBaseSeries(groups, { indices: result.indices.length, expiries: result.expiries.length, sinks: Object.keys(stats.sinks).length });
    const d = detail ? detailSeries(result.batch, band) : ([0, 0, 0] as const);
    const decision = guard.step([base + d[0], base + d[1], base + d[2]]);
    if (decision.tripped) cycle.guardTrips.inc();
    cycle.detailLevel.set(decision.level);
    cycle.seriesEstimate.set(decision.estimate);
    for (const o of observers) o(result, stats);
  }

  function refreshProcess(): void {
    if (!proc) return;
    const cpu = process.cpuUsage();
    const total = cpu.user + cpu.system;
    proc.cpu.inc(Math.max(0, total - cpuMicros) / 1e6);
    cpuMicros = total;
    const mem = process.memoryUsage();
    proc.resident.set(mem.rss);
    proc.heap.set(mem.heapUsed);
  }

  return {
    registry,
    groups,
    get detailLevel() {
      return guard.level;
    },
    get guardTrips() {
      return guard.trips;
    },
    instrumentProvider(p) {
      wrapped = instrumentProvider(p, provider, deps.elapsed);
      return wrapped;
    },
    instrumentSink: (s) => instrumentSink(s, storage, deps.elapsed),
    onCycle,
    subscribe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
    render() {
      const now = (deps.elapsed ?? performance.now.bind(performance))();
      if (rendered?.cycles !== cyclesSeen || now - rendered.at > RENDER_MAX_AGE_MS) {
        refreshProcess();
        if (detail) fillDetail(detail, last?.result.batch ?? null, guard.level, band);
        rendered = { cycles: cyclesSeen, at: now, text: registry.metrics() };
      }
      return rendered.text;
    },
    contentType: registry.contentType,
    readiness() {
      const reasons: string[] = [];
      if (!wrapped?.isOpen) reasons.push("provider not open");
      for (const check of readinessChecks) {
        const reason = check();
        if (reason) reasons.push(reason);
      }
      if (!succeeded) reasons.push("no successful cycle yet");
      for (const [name, totals] of Object.entries(last?.stats.sinks ?? {})) {
        if (totals.failing.length) reasons.push(`sink ${name}: ${describeFaults(totals.failing)}`);
      }
      return { ready: reasons.length === 0, reasons };
    },
    addReadinessCheck(check) {
      readinessChecks.push(check);
    },
    latest: () => last,
  };
}
