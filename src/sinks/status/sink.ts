/**
 * The runtime status file: a JSON document replaced atomically (temp file + rename) every
 * cycle, so a reader always sees a complete document. It holds the cycle, timings, per-index
 * status, legs, coverage and the last error, and never secrets. The file also says whether its
 * writer is alive: `state` is "running" while the engine runs and "stopped" (with `stopped_at`)
 * once it has shut down cleanly; `written_at` is the wall-clock time of the write, so a file left
 * "running" by a killed process shows its age.
 *
 * The replace happens on the cycle; the fsyncs of the file and its directory that make it
 * durable run in the background (cycles written meanwhile coalesce into one more run, which
 * syncs the newest file) and are awaited at flush; close writes the stopped document durably.
 *
 * With a live provider the document also carries `session`, the market state ("open", or
 * "closed" with `next_open` and `reason`; null for the simulator's own session). The engine
 * announces each change between cycles and the file is rewritten then, so an engine idling
 * outside the session says so (once, on entering the closed state). Before any cycle that
 * document has the run's fields and null for the cycle's (`cycle`, `snapshot_at`, `status`).
 */
import { dirname } from "node:path";
import { formatIsoIst } from "../../market/index.ts";
import { FileWriteError, removeTempLeftovers, replaceFile, syncPath, writeFileAtomic } from "../../files/atomic.ts";
import { createBackgroundWork } from "./background.ts";
import { atmIvTerm, traderStatusFields } from "./trader.ts";
import { type CycleResult, type EngineStats, faultCodeOf, type MarketStatus, sessionDocument, type Sink, SinkError, type SinkFault, type SinkReport, withStorage } from "../../contracts/index.ts";

export { writeFileAtomic } from "../../files/atomic.ts";

export const STATUS_SCHEMA_VERSION = 1;

const finite = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** The status document for a cycle (pure). NaN becomes null: JSON has no NaN. */
export function statusDocument(result: CycleResult, stats: Readonly<EngineStats>) {
  // The cycle's status, made PARTIAL by sinks failing now (the storage counters are live).
  const verdict = withStorage(result, stats.sinks);
  return {
    schema_version: STATUS_SCHEMA_VERSION,
    provider: stats.provider,
    started_at: new Date(stats.startedAt).toISOString(),
    cycle: result.cycle,
    snapshot_at: formatIsoIst(result.at),
    status: verdict.status,
    status_reason: verdict.reason,
    warnings: result.warnings,
    analytics_scope: result.analyticsScope ?? "window",
    interval_seconds: stats.intervalSeconds,
    timings_ms: Object.fromEntries(Object.entries(result.durations).map(([k, v]) => [k, finite(v, 3)])),
    cycle_ms: finite(stats.lastCycleMs, 3),
    budget_used: finite(stats.budgetUsed, 4),
    cycles_run: stats.cyclesRun,
    cycles_failed: stats.cyclesFailed,
    skipped_ticks: stats.skippedTicks,
    late_ticks: stats.lateTicks,
    overruns: stats.overruns,
    // Adaptive load control (null when off): the steps shed now, in shed order, and the steps shed and restored since start.
    load: stats.load ? { shed: stats.load.shed, sheds: stats.load.sheds, restores: stats.load.restores } : null,
    legs: { requested: result.legsRequested, collected: result.legsCollected },
    // The quotes' own times (a live provider): the oldest and newest, their spread (snapshot skew) and the oldest's age when collected.
    quote_times: result.quoteTimes
      ? {
          first: formatIsoIst(result.quoteTimes.first),
          last: formatIsoIst(result.quoteTimes.last),
          skew_ms: finite(result.quoteTimes.skewMs, 0),
          age_ms: finite(result.quoteTimes.ageMs, 0),
        }
      : null,
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
          ...traderStatusFields(e),
        })),
      atm_iv_term: atmIvTerm(result.expiries, s.index),
    })),
    errors: result.errors,
    last_error: stats.lastError ? { at: new Date(stats.lastError.at).toISOString(), message: stats.lastError.message } : null,
    sinks: stats.sinks,
  };
}

/** Whether the status file's writer is alive: "running", or "stopped" after a clean shutdown. */
export type StatusState = "running" | "stopped";

type Life = { state: StatusState; writtenAt: number; stoppedAt: number | null };

const lifeFields = (life: Life) => ({
  state: life.state,
  written_at: new Date(life.writtenAt).toISOString(),
  stopped_at: life.stoppedAt === null ? null : new Date(life.stoppedAt).toISOString(),
});

/**
 * The document of the status file (pure): the cycle's status plus state, written_at and
 * stopped_at (epoch ms in), and `session` (the market state of a live provider, else null).
 */
export function statusFileDocument(result: CycleResult, stats: Readonly<EngineStats>, life: Life, session: MarketStatus | null = null) {
  const { schema_version, ...doc } = statusDocument(result, stats);
  return { schema_version, ...lifeFields(life), ...doc, session: sessionDocument(session) };
}

/** The status file before any cycle, while a live provider's market is closed (pure): the run's fields, null for the cycle's. */
export function idleStatusDocument(stats: Readonly<EngineStats>, life: Life, session: MarketStatus) {
  return {
    schema_version: STATUS_SCHEMA_VERSION,
    ...lifeFields(life),
    provider: stats.provider,
    started_at: new Date(stats.startedAt).toISOString(),
    cycle: null,
    snapshot_at: null,
    status: null,
    interval_seconds: stats.intervalSeconds,
    cycles_run: stats.cyclesRun,
    cycles_failed: stats.cyclesFailed,
    last_error: stats.lastError ? { at: new Date(stats.lastError.at).toISOString(), message: stats.lastError.message } : null,
    sinks: stats.sinks,
    session: sessionDocument(session),
  };
}

export type StatusSinkOptions = {
  file: string;
  /** Wall clock, epoch ms (written_at, stopped_at). */
  now: () => number;
  /** fsync by path (default: the real one); tests observe or delay it. */
  sync?: (path: string) => Promise<void>;
};

const faultOf = (target: string, err: Error): SinkFault => ({ target, code: faultCodeOf(err), reason: err instanceof FileWriteError ? err.reason : err.message });

export function createStatusSink(opts: StatusSinkOptions): Sink {
  const { file, now } = opts;
  const sync = opts.sync ?? syncPath;
  // Opening the file by name syncs whichever document is newest when the run starts.
  const durability = createBackgroundWork(async () => {
    await sync(file);
    await sync(dirname(file));
  });
  let last: { result: CycleResult; stats: Readonly<EngineStats> } | null = null;
  let session: MarketStatus | null = null;
  // Idle before any cycle: the run's stats as of the announcement.
  let idleStats: Readonly<EngineStats> | null = null;
  const render = (state: StatusState, at: number) => {
    const life = { state, writtenAt: at, stoppedAt: state === "stopped" ? at : null };
    const doc = last ? statusFileDocument(last.result, last.stats, life, session) : idleStatusDocument(idleStats!, life, session!);
    return `${JSON.stringify(doc, null, 2)}\n`;
  };
  return {
    name: "status",
    // The file shows the newest cycle: one waiting cycle is superseded by the next.
    queue: { capacity: 1, whenFull: "drop_oldest" },
    async open() {
      removeTempLeftovers(file);
    },
    async write(result, stats): Promise<SinkReport> {
      last = { result, stats };
      // A background fsync that failed since the last cycle is this cycle's fault.
      const unsynced = durability.takeFailure();
      try {
        const bytes = replaceFile(file, render("running", now()));
        durability.request();
        return { rows: 1, bytes, duplicatesSkipped: 0, ...(unsynced ? { faults: [faultOf(file, unsynced)] } : {}) };
      } catch (err) {
        // The write's own failure names the file; an fsync failure before it would be the same target.
        return { rows: 0, bytes: 0, duplicatesSkipped: 0, faults: [faultOf(file, err as Error)] };
      }
    },
    async market(status, stats) {
      session = status;
      if (!last) idleStats = structuredClone(stats);
      // Written (and synced in the background) now: an idle engine writes nothing else until the open.
      replaceFile(file, render("running", now()));
      durability.request();
    },
    async flush() {
      try {
        await durability.settle();
      } catch (err) {
        throw new SinkError("status", (err as Error).message);
      }
    },
    async close() {
      // The stopped document below is fsynced before close returns and supersedes every
      // earlier write; a failed background fsync was already thrown by flush.
      await durability.settle().catch(() => {});
      if (!last && !idleStats) return;
      try {
        writeFileAtomic(file, render("stopped", now()));
      } catch (err) {
        throw new SinkError("status", (err as Error).message);
      }
    },
  };
}
