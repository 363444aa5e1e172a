/**
 * The runtime status file: a JSON document rewritten atomically (temp file + rename) every
 * cycle, so a reader always sees a complete document. It holds the cycle, timings, per-index
 * status, legs, coverage and the last error. It never holds secrets.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CycleResult } from "../../engine/cycle.ts";
import { formatIsoIst } from "../../market/index.ts";
import type { EngineStats, Sink, SinkReport } from "../types.ts";

export const STATUS_SCHEMA_VERSION = 1;

const finite = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** The status document for a cycle (pure). NaN becomes null: JSON has no NaN. */
export function statusDocument(result: CycleResult, stats: Readonly<EngineStats>) {
  return {
    schema_version: STATUS_SCHEMA_VERSION,
    provider: stats.provider,
    started_at: new Date(stats.startedAt).toISOString(),
    cycle: result.cycle,
    snapshot_at: formatIsoIst(result.at),
    status: result.status,
    status_reason: result.statusReason,
    warnings: result.warnings,
    interval_seconds: stats.intervalSeconds,
    timings_ms: Object.fromEntries(Object.entries(result.durations).map(([k, v]) => [k, finite(v, 3)])),
    cycle_ms: finite(stats.lastCycleMs, 3),
    budget_used: finite(stats.budgetUsed, 4),
    cycles_run: stats.cyclesRun,
    cycles_failed: stats.cyclesFailed,
    skipped_ticks: stats.skippedTicks,
    late_ticks: stats.lateTicks,
    overruns: stats.overruns,
    legs: { requested: result.legsRequested, collected: result.legsCollected },
    pool: stats.pool
      ? {
          workers: stats.pool.workers,
          jobs: stats.pool.jobs,
          inline_jobs: stats.pool.inlineJobs,
          retries: stats.pool.retries,
          restarts: stats.pool.restarts,
          failures: stats.pool.failures,
        }
      : null,
    compute: {
      fetch_shards: result.compute.fetch.shards,
      enrich_shards: result.compute.enrich.shards,
      events: [...result.compute.fetch.events.map((e) => ({ phase: "fetch", ...e })), ...result.compute.enrich.events.map((e) => ({ phase: "enrich", ...e }))],
    },
    iv_failures: result.ivFailures,
    indices: result.indices.map((s) => ({
      index: s.index,
      status: s.status,
      reason: s.reason,
      spot: finite(s.spot, 2),
      atm: finite(s.atm, 0),
      legs_requested: s.legsRequested,
      legs_collected: s.legsCollected,
      expected_mask: s.expectedMask,
      collected_mask: s.collectedMask,
      missing_mask: s.missingMask,
      expiries: result.expiries
        .filter((e) => e.index === s.index)
        .map((e) => ({
          tag: e.tag,
          expiry: e.expiry,
          status: e.status,
          reason: e.reason,
          strike_coverage: finite(e.strikeCoverage, 4),
          field_coverage: finite(e.fieldCoverage, 4),
          pcr_oi: finite(e.pcrOi, 4),
          pcr_volume: finite(e.pcrVolume, 4),
          max_pain: finite(e.maxPain, 2),
          atm_iv: finite(e.atmIv, 6),
          implied_move: finite(e.impliedMove, 6),
          forward: finite(e.forward, 2),
          forward_source: e.forwardSource,
        })),
    })),
    errors: result.errors,
    last_error: stats.lastError ? { at: new Date(stats.lastError.at).toISOString(), message: stats.lastError.message } : null,
    sinks: stats.sinks,
  };
}

/** Writes `text` to `path` atomically: a reader sees the old or the new file, never a mix. */
export function writeFileAtomic(path: string, text: string): number {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return Buffer.byteLength(text);
}

export function createStatusSink(opts: { file: string }): Sink {
  return {
    name: "status",
    async open() {},
    async write(result, stats): Promise<SinkReport> {
      const bytes = writeFileAtomic(opts.file, `${JSON.stringify(statusDocument(result, stats), null, 2)}\n`);
      return { rows: 1, bytes, duplicatesSkipped: 0 };
    },
    async flush() {},
    async close() {},
  };
}
