/**
 * Per-cycle metric updates, run in the cycle's emit step (main thread). Each update is a few
 * gauge sets or counter increments per index, expiry, phase or sink: cheap, bounded, and
 * independent of the scrape rate. Engine totals are cumulative, so counters advance by deltas.
 */
import type { ANALYTICS_METRICS } from "./groups/analytics.ts";
import type { CHAIN_METRICS } from "./groups/chain.ts";
import type { CYCLE_METRICS } from "./groups/cycle.ts";
import { STATUS_LABELS, type INDEX_METRICS } from "./groups/index.ts";
import type { POOL_METRICS } from "./groups/pool.ts";
import type { STORAGE_METRICS } from "./groups/storage.ts";
import type { GroupHandles } from "./types.ts";
import { BUILDUP_CLASSES } from "../analytics/index.ts";
import type { ExpirySummary } from "../chain/score.ts";
import type { CycleResult, EngineStats, PoolStats, SinkTotals } from "../contracts/index.ts";

/** Advances counters by the growth of cumulative totals since the previous call. */
export function createDeltas() {
  const last = new Map<string, number>();
  return (key: string, total: number): number => {
    const d = total - (last.get(key) ?? 0);
    last.set(key, total);
    return d > 0 ? d : 0;
  };
}
export type Deltas = ReturnType<typeof createDeltas>;

const seconds = (ms: number) => ms / 1000;

/** Cycle group; `now` is wall-clock epoch ms (for the last-success timestamp). */
export function recordCycle(h: GroupHandles<typeof CYCLE_METRICS>, r: CycleResult, s: Readonly<EngineStats>, delta: Deltas, now: number): void {
  h.cycles.inc();
  if (r.errors.length) h.failed.inc();
  else h.lastSuccess.set(now / 1000);
  h.duration.observe(seconds(s.lastCycleMs));
  h.phase.observe({ phase: "spot" }, seconds(r.durations.spot));
  h.phase.observe({ phase: "plan" }, seconds(r.durations.plan));
  h.phase.observe({ phase: "fetch" }, seconds(r.durations.fetch));
  h.phase.observe({ phase: "enrich" }, seconds(r.durations.enrich));
  h.phase.observe({ phase: "score" }, seconds(r.durations.score));
  h.phase.observe({ phase: "emit" }, seconds(Math.max(0, s.lastCycleMs - r.durations.total)));
  h.overruns.inc(delta("overruns", s.overruns));
  h.skipped.inc(delta("skipped", s.skippedTicks));
  h.late.inc(delta("late", s.lateTicks));
  h.budget.set(s.budgetUsed);
  h.last.set(r.cycle);
}

/** Index group: one series per index of the cycle. */
export function recordIndices(h: GroupHandles<typeof INDEX_METRICS>, r: CycleResult): void {
  for (const s of r.indices) {
    const index = { index: s.index };
    h.spot.set(index, s.spot);
    h.atm.set(index, s.atm);
    h.legsRequested.set(index, s.legsRequested);
    h.legsCollected.set(index, s.legsCollected);
    for (const status of STATUS_LABELS) h.status.set({ index: s.index, status }, s.status === status ? 1 : 0);
  }
}

/**
 * Chain group: replaced every cycle, so expiries that rolled off disappear. Its series are a
 * function of the latest cycle's expiries alone, so they are filled when the metrics are
 * rendered (src/metrics/observability.ts), not every cycle.
 */
export function recordChains(h: GroupHandles<typeof CHAIN_METRICS>, expiries: readonly ExpirySummary[]): void {
  for (const g of Object.values(h)) g.reset();
  for (const e of expiries) {
    const l = { index: e.index, expiry: e.tag };
    h.pcrOi.set(l, e.pcrOi);
    h.pcrVolume.set(l, e.pcrVolume);
    h.maxPain.set(l, e.maxPain);
    h.atmIv.set(l, e.atmIv);
    h.impliedMove.set(l, e.impliedMove);
    h.strikeCoverage.set(l, e.strikeCoverage);
    h.fieldCoverage.set(l, e.fieldCoverage);
    recordTraderFigures(h, l, e);
  }
}

/** The trader figures of one expiry (labels `l`): aggregates' coverage, levels, skew, OI change, build-up, IV rank. */
function recordTraderFigures(h: GroupHandles<typeof CHAIN_METRICS>, l: { index: string; expiry: string }, e: ExpirySummary): void {
  h.aggregateCoverage.set(l, e.aggregateCoverage);
  h.support.set(l, e.support);
  h.resistance.set(l, e.resistance);
  h.rr25.set(l, e.rr25);
  h.bf25.set(l, e.bf25);
  h.oiChangeSession.set({ ...l, side: "CE" }, e.callOiChangeSession);
  h.oiChangeSession.set({ ...l, side: "PE" }, e.putOiChangeSession);
  h.oiChangeLookback.set({ ...l, side: "CE" }, e.callOiChangeLookback);
  h.oiChangeLookback.set({ ...l, side: "PE" }, e.putOiChangeLookback);
  for (const cls of BUILDUP_CLASSES) {
    h.buildup.set({ ...l, side: "CE", class: cls }, e.callBuildup === cls ? 1 : 0);
    h.buildup.set({ ...l, side: "PE", class: cls }, e.putBuildup === cls ? 1 : 0);
  }
  // Percent in the status and dashboard; a ratio in metrics (Prometheus base units).
  h.ivRank.set(l, e.ivRank / 100);
  h.ivPercentile.set(l, e.ivPercentile / 100);
}

/** Analytics group: the cycle's solved IVs and failures by reason. */
export function recordAnalytics(h: GroupHandles<typeof ANALYTICS_METRICS>, r: CycleResult): void {
  let solved = 0;
  const iv = r.batch.iv;
  for (let i = 0; i < r.batch.legs; i++) if (Number.isFinite(iv[i]!)) solved++;
  h.solves.inc(solved);
  for (const [reason, n] of Object.entries(r.ivFailures)) h.failures.inc({ reason }, n);
}

/** Storage group: the running sinks' totals (src/engine/running-sink.ts), as they are at `now` (epoch ms). */
export function recordStorage(h: GroupHandles<typeof STORAGE_METRICS>, sinks: Readonly<Record<string, Readonly<SinkTotals>>>, delta: Deltas, now: number): void {
  for (const [name, t] of Object.entries(sinks)) {
    const sink = { sink: name };
    h.rows.inc(sink, delta(`rows:${name}`, t.rows));
    h.bytes.inc(sink, delta(`bytes:${name}`, t.bytes));
    h.duplicates.inc(sink, delta(`dups:${name}`, t.duplicatesSkipped));
    h.rejected.inc(sink, delta(`rejected:${name}`, t.rejected));
    h.errors.inc(sink, delta(`errors:${name}`, t.errors));
    h.failing.set(sink, t.failing.length);
    h.cycles.inc(sink, delta(`written:${name}`, t.written));
    h.dropped.inc(sink, delta(`dropped:${name}`, t.dropped));
    h.retries.inc(sink, delta(`retries:${name}`, t.retries));
    h.blocked.inc(sink, delta(`blocked:${name}`, t.blocked));
    h.queued.set(sink, t.queued);
    h.spooled.set(sink, t.spooled);
    h.spoolBytes.set(sink, t.spoolBytes);
    h.spoolOldest.set(sink, t.spoolOldestAt === null ? 0 : Math.max(0, now - t.spoolOldestAt) / 1000);
    h.degraded.set(sink, t.degraded ? 1 : 0);
    h.deadLettered.inc(sink, delta(`deadLettered:${name}`, t.deadLettered));
    h.lag.set(sink, t.lagMs / 1000);
    h.oldest.set(sink, t.oldestQueuedAt === null ? 0 : Math.max(0, now - t.oldestQueuedAt) / 1000);
  }
}

/** Pool group: the pool's cumulative stats (null: inline execution) and this cycle's shards. */
export function recordPool(h: GroupHandles<typeof POOL_METRICS>, r: CycleResult, p: Readonly<PoolStats> | null, delta: Deltas): void {
  h.shards.set({ stage: "fetch" }, r.compute.fetch.shards);
  h.shards.set({ stage: "enrich" }, r.compute.enrich.shards);
  if (!p) {
    h.workers.set(0);
    return;
  }
  h.workers.set(p.workers);
  h.jobs.inc(delta("jobs", p.jobs));
  h.inline.inc(delta("inline", p.inlineJobs));
  h.retries.inc(delta("retries", p.retries));
  h.restarts.inc(delta("restarts", p.restarts));
  for (const [kind, n] of Object.entries(p.failures)) h.failures.inc({ kind }, delta(`failures:${kind}`, n));
}
