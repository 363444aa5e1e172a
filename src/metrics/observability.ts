/**
 * createObservability: the one metrics Registry of a G6 process and everything that feeds it.
 * The composition root creates it, wraps the provider and sinks with it, and subscribes its
 * `onCycle` to the latest-state store (src/state), so it records each published snapshot; the
 * HTTP server reads `render`. The latest cycle, its observers and readiness live in the store.
 * Per-cycle work is a bounded number of gauge sets (record.ts); per-strike detail and process
 * figures are filled only when a scrape renders the exposition.
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
import type { ChainBatch } from "../chain/batch.ts";
import type { Alert } from "../alerts/index.ts";
import type { CycleResult, EngineStats, PoolStats, Provider, Sink, SinkTotals, StreamHealth } from "../contracts/index.ts";
import { STREAM_METRICS } from "./groups/provider.ts";
import type { GroupHandles } from "./types.ts";

/**
 * The longest a rendering is served while no cycle completes (a provider stalled in a fetch):
 * provider errors and process figures recorded meanwhile still reach a scrape, at the cost of
 * at most one rendering per this many ms.
 */
export const RENDER_MAX_AGE_MS = 5000;

export type CycleObserver = (result: CycleResult, stats: Readonly<EngineStats>) => void;

export type Observability = {
  readonly registry: Registry;
  readonly groups: ReadonlySet<MetricGroup>;
  /** Option detail level in force (0 none, 1 band, 2 all) and degradations so far. */
  readonly detailLevel: DetailLevel;
  readonly guardTrips: number;
  instrumentProvider(provider: Provider): InstrumentedProvider;
  instrumentSink(sink: Sink): Sink;
  /** Records one cycle's metrics; `stats` must be those at the end of that cycle (a published snapshot's). */
  onCycle: CycleObserver;
  /** Counts alert events (g6_alerts_total); each event once, from the one stream of the run. */
  countAlerts(alerts: readonly Pick<Alert, "code" | "level">[]): void;
  /**
   * The Prometheus text exposition. Rendered at most once per cycle (scrape-time groups filled
   * first) and served from that rendering until the next cycle, so scrapes, however many, never
   * take the engine's time. While no cycle completes, a rendering older than RENDER_MAX_AGE_MS
   * is made again, so a stalled provider's errors still show. Process figures (CPU, memory) are
   * as of the rendering.
   */
  render(): Promise<string>;
  readonly contentType: string;
};

export type ObservabilityDeps = {
  /** Wall clock, epoch ms. */
  now: () => number;
  /** Monotonic ms for latencies. */
  elapsed?: () => number;
  /** The worker pool's stats, or null when compute runs inline. */
  poolStats?: () => Readonly<PoolStats> | null;
  /**
   * The running sinks' counters, live (sinks write between cycles): the storage group is
   * recorded from them at every rendering. Absent: from the stats each cycle was published with.
   */
  storage?: () => Readonly<Record<string, Readonly<SinkTotals>>>;
  /**
   * A streaming provider's health now, null when the provider does not stream; its figures are
   * registered at the first cycle that has one.
   */
  providerHealth?: () => StreamHealth | null;
};

/** Records a streaming provider's health; `seen` holds the totals already counted. */
function recordStream(m: GroupHandles<typeof STREAM_METRICS>, h: StreamHealth, seen: Record<string, number>): void {
  m.fallback.set(h.mode === "rest_fallback" ? 1 : 0);
  m.connections.set(h.connections);
  m.subscribed.set(h.subscribed);
  for (const i of h.indices) {
    m.tickAge.set({ index: i.index, edge: "newest" }, i.newestAgeMs / 1000);
    m.tickAge.set({ index: i.index, edge: "oldest" }, i.oldestAgeMs / 1000);
    m.neverTicked.set({ index: i.index }, i.neverTicked);
  }
  for (const k of ["reconnects", "stalls", "errorFrames", "packets"] as const) {
    const d = h[k] - (seen[k] ?? 0);
    if (d > 0) m[k].inc(d);
    seen[k] = h[k];
  }
}

/** A fingerprint of the storage counters that a rendering shows (cheap: a few numbers per sink). */
function storageMark(sinks: Readonly<Record<string, Readonly<SinkTotals>>>): string {
  let mark = "";
  for (const [name, t] of Object.entries(sinks)) mark += `${name}:${t.written}:${t.queued}:${t.dropped}:${t.errors}:${t.retries}:${t.failing.length}:${t.spooled}:${t.spoolBytes}:${t.degraded}:${t.deadLettered}:${t.rows};`;
  return mark;
}

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
  let stream: GroupHandles<typeof STREAM_METRICS> | null = null;
  const streamSeen: Record<string, number> = {};
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
  /** The last cycle's batch, for option detail filled at render time. */
  let lastBatch: ChainBatch | null = null;
  /** The last cycle's expiries, for the chain group filled at render time (null: filled already). */
  let lastExpiries: CycleResult["expiries"] | null = null;
  let cpuMicros = 0;
  /** Cycles observed so far, and the rendering made after the last of them. */
  let cyclesSeen = 0;
  let rendered: { cycles: number; at: number; storage: string; text: Promise<string> } | null = null;
  let lastSinks: Readonly<Record<string, Readonly<SinkTotals>>> = {};
  const liveSinks = () => deps.storage?.() ?? lastSinks;

  function onCycle(result: CycleResult, stats: Readonly<EngineStats>): void {
    lastBatch = result.batch;
    recordLoad(stats);
    cyclesSeen++;
    recordCycle(cycle, result, stats, delta, deps.now());
    provider.skew.set(result.quoteTimes ? result.quoteTimes.skewMs / 1000 : Number.NaN);
    provider.age.set(result.quoteTimes ? result.quoteTimes.ageMs / 1000 : Number.NaN);
    const health = deps.providerHealth?.() ?? null;
    if (health) recordStream((stream ??= registerGroup(registry, STREAM_METRICS)), health, streamSeen);
    lastSinks = stats.sinks;
    if (index) recordIndices(index, result);
    lastExpiries = result.expiries;
    if (analytics) recordAnalytics(analytics, result);
    if (pool) recordPool(pool, result, deps.poolStats?.() ?? null, delta);
    const base = estimateBaseSeries(groups, { indices: result.indices.length, expiries: result.expiries.length, sinks: Object.keys(stats.sinks).length });
    const d = detail ? detailSeries(result.batch, band) : ([0, 0, 0] as const);
    const decision = guard.step([base + d[0], base + d[1], base + d[2]]);
    if (decision.tripped) cycle.guardTrips.inc();
    cycle.detailLevel.set(shedDetail ? 0 : decision.level);
    cycle.seriesEstimate.set(decision.estimate);
  }

  /** Load control: steps in force, and each step shed or restored (one a cycle at most, but any difference is counted). */
  let shedBefore: readonly string[] = [];
  let shedDetail = false;
  function recordLoad(stats: Readonly<EngineStats>): void {
    const shed = stats.load?.shed ?? [];
    cycle.loadShed.set(shed.length);
    for (const step of shed) if (!shedBefore.includes(step)) cycle.loadSteps.inc({ direction: "shed", step });
    for (const step of shedBefore) if (!shed.includes(step)) cycle.loadSteps.inc({ direction: "restored", step });
    shedBefore = shed;
    shedDetail = shed.includes("option_detail");
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
    instrumentProvider: (p) => instrumentProvider(p, provider, deps.elapsed),
    instrumentSink: (s) => instrumentSink(s, storage, deps.elapsed),
    onCycle,
    countAlerts(alerts) {
      for (const a of alerts) cycle.alerts.inc({ code: a.code, severity: a.level });
    },
    render() {
      const now = (deps.elapsed ?? performance.now.bind(performance))();
      const sinks = liveSinks();
      // Sinks write between cycles: a rendering is also redone when their counters moved.
      const mark = storageMark(sinks);
      if (rendered?.cycles !== cyclesSeen || rendered.storage !== mark || now - rendered.at > RENDER_MAX_AGE_MS) {
        refreshProcess();
        recordStorage(storage, sinks, delta, deps.now());
        if (chain && lastExpiries) recordChains(chain, lastExpiries);
        lastExpiries = null;
        // Per-strike detail shed by load control: none is exposed until it is restored.
        if (detail) fillDetail(detail, lastBatch, shedDetail ? 0 : guard.level, band);
        rendered = { cycles: cyclesSeen, at: now, storage: mark, text: registry.metrics() };
      }
      return rendered.text;
    },
    contentType: registry.contentType,
  };
}
