/**
 * g6 ingest's write path: a recorded day's cycles straight into the InfluxDB spool in large
 * records, delivered concurrently.
 *
 * Decisions (measured figures in docs/ARCHITECTURE.md, "Ingest: the fast path"):
 * - The same cycle as the engine's. Each recorded instant runs `runCycle` (plan, the replay's
 *   quotes, enrichment keeping the recorded analytics or, with recompute, solving them, scoring)
 *   and is rendered by the sink's own `writeCycle`, so option_data, options_overview and
 *   options_expiry lines are the engine path's bytes (test/e2e/ingest-fast.test.ts compares
 *   them). Measured, that cycle costs about 1 ms an instant at the default workload; what made an
 *   ingest slow was the engine's per-cycle sink path around it (a payload, an fdatasync, a
 *   request and an ack per instant), not the analytics.
 * - Large records. Cycles are written into one buffer; at RECORD_BYTES (about 60,000 lines) it is
 *   appended to the sink's spool as one record (one fdatasync), and at the day's end the rest,
 *   so a day is durable in the spool when it is marked done, as before. Each record is handed
 *   over in memory of its own and the spool delivers it from there (KEEP_BYTES), not read back.
 * - Batches in reused memory (the engine's batch pool), released one cycle later as the engine
 *   releases a published cycle.
 * - Delivery runs beside production: oldest record first, its batches DELIVERY_CONCURRENCY at a
 *   time (`InfluxSinkOptions.concurrency`), one ack a record. Production waits while
 *   WINDOW_RECORDS records wait (or the next would pass the spool's cap), so an outage fills the
 *   spool up to that window and the ingest then waits for the server, retrying with the
 *   delivery backoff (never sooner than Retry-After) for as long as it takes: one warning when
 *   the server stops accepting, one info line when it accepts again.
 * - Ctrl-C: the cycle in hand finishes, what is buffered is appended (durable), the delivery in
 *   flight finishes, the rest stays in the spool for the next run.
 */
import type { ConsolaInstance } from "consola";
import { createEnricher } from "./app.ts";
import type { G6Config } from "./config/schema.ts";
import { errorMessage, isRetriable, retryAfterOf, type CycleResult, type SpoolableSink, type SinkSpool } from "./contracts/index.ts";
import { runCycle } from "./engine/cycle.ts";
import { createTraderAnalytics } from "./engine/trader-analytics.ts";
import { createListingCache } from "./engine/listing.ts";
import type { ChainBatch } from "./chain/batch.ts";
import { createBatchPool, releaseBatch } from "./chain/batch-pool.ts";
import { backoffMs } from "./engine/running-provider.ts";
import { ByteWriter } from "./g6csv/bytes.ts";
import { createExchangeCalendars } from "./market/index.ts";
import { createReplayProviderFactory } from "./providers/replay/factory.ts";
import type { ParsedFile, RecordedDay } from "./providers/replay/recording.ts";
import { writeCycle } from "./sinks/influx/lines.ts";

/** A spool record is appended once the buffer holds this many bytes (about 60,000 lines of the default workload). */
export const RECORD_BYTES = 16 << 20;
/** Records waiting in the spool before production waits for delivery. */
export const WINDOW_RECORDS = 4;
/**
 * Bytes of records the spool keeps in memory until delivered (`keepAppendedBytes`): the window's
 * records are delivered from memory, not read back from disk (53 MB a default day: its pread and
 * the fresh buffers it filled were about a tenth of the ingest's CPU).
 */
export const KEEP_BYTES = WINDOW_RECORDS * (RECORD_BYTES + (4 << 20));
/** Batches (`storage.influx.batch_lines` lines each) of a record in flight at once. */
export const DELIVERY_CONCURRENCY = 3;

export type Delivery = {
  /** Lines the server accepted, and refused (dead-lettered), so far. */
  readonly accepted: number;
  readonly rejected: number;
  /** Records waiting in the spool. */
  readonly pending: number;
  /** Appends a record (durable when this resolves), after waiting while the window is full. */
  append(payload: Uint8Array): Promise<void>;
  /**
   * Resolves when the spool is delivered; or, after the delivery in flight, when the run's
   * signal aborted or the server has not accepted for `outageMs` (what is left stays spooled).
   */
  finish(outageMs: number): Promise<void>;
};

export type DeliveryDeps = {
  spool: SinkSpool;
  sink: SpoolableSink;
  /** The spool's cap, bytes (storage.influx.spool_max_mb). */
  maxBytes: number;
  retryBaseMs: number;
  retryMaxMs: number;
  log: ConsolaInstance;
  signal: AbortSignal;
  random?: () => number;
};

/** The delivery of the spool beside production; starts with what an earlier run left. */
export function createDelivery(deps: DeliveryDeps): Delivery {
  const { spool, sink, log } = deps;
  // Ends the deliveries: the run's signal, or finish giving up on a server that does not accept.
  const stop = new AbortController();
  const signal = AbortSignal.any([deps.signal, stop.signal]);
  const random = deps.random ?? Math.random;
  let accepted = 0;
  let rejected = 0;
  let pumping: Promise<void> | null = null;
  let fatal: unknown = null;
  let outage: string | null = null;
  /** Woken after every ack, failure or stop. */
  let waiters: (() => void)[] = [];
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));
  signal.addEventListener("abort", notify, { once: true });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });

  async function pump(): Promise<void> {
    let round = 0;
    while (spool.pending > 0 && !signal.aborted) {
      const payload = await spool.oldest();
      if (!payload) break;
      try {
        const r = await sink.deliver(payload);
        accepted += r.rows;
        rejected += r.rejected ?? 0;
        await spool.ack();
        round = 0;
        if (outage !== null) {
          log.info(`InfluxDB accepts again; ${spool.pending} records still in the spool`);
          outage = null;
        }
      } catch (err) {
        if (!isRetriable(err)) throw err;
        const why = errorMessage(err);
        if (outage === null) log.warn(`InfluxDB does not accept (${why}); the ingest waits for it, its data in the spool (${spool.pending} records)`);
        outage = why;
        await sleep(Math.max(retryAfterOf(err), Math.min(deps.retryMaxMs, backoffMs(round++, deps.retryBaseMs, random))));
      }
      notify();
    }
  }
  const kick = () => {
    pumping ??= pump()
      .catch((err) => void (fatal = err))
      .finally(() => {
        pumping = null;
        notify();
      });
  };
  const check = () => {
    if (fatal !== null) throw fatal;
  };
  if (spool.pending > 0) kick();

  return {
    get accepted() {
      return accepted;
    },
    get rejected() {
      return rejected;
    },
    get pending() {
      return spool.pending;
    },
    async append(payload) {
      check();
      while (!signal.aborted && spool.pending > 0 && (spool.pending >= WINDOW_RECORDS || spool.bytes + payload.length > deps.maxBytes)) {
        kick();
        await changed();
        check();
      }
      await spool.append(payload);
      kick();
    },
    async finish(outageMs) {
      const started = performance.now();
      for (;;) {
        check();
        if (spool.pending === 0 || signal.aborted) break;
        if (outage !== null && performance.now() - started >= outageMs) {
          stop.abort();
          break;
        }
        kick();
        await Promise.race([changed(), Bun.sleep(200)]);
      }
      await pumping;
      check();
    },
  };
}

export type DayRunDeps = {
  /** The day's config (provider.kind replay with its date, interval 0, InfluxDB only). */
  config: Readonly<G6Config>;
  log: ConsolaInstance;
  delivery: Delivery;
  signal: AbortSignal;
  onDay: (day: RecordedDay) => void;
  /** The day's files parsed on the reading workers (src/ingest-read.ts); absent: read inline. */
  parsed?: ReadonlyMap<string, ParsedFile>;
  onCycle: (result: CycleResult) => void;
};

/**
 * Runs every recorded instant of the day in `config` and appends its lines to the spool;
 * resolves true when the day was replayed to its end (every line durable in the spool), false
 * when stopped. Throws the replay's ConfigError for a day without readable rows.
 */
export async function replayDayToSpool(deps: DayRunDeps): Promise<boolean> {
  const { config, delivery, signal } = deps;
  const calendars = createExchangeCalendars(config.market);
  const { provider, snapshotClock } = createReplayProviderFactory({ onDay: deps.onDay, parsed: () => deps.parsed }).create({
    config,
    calendar: calendars.NSE,
    calendars,
    compute: { worthSharding: () => false, runSharded: async () => ({ shards: 0, events: [] }) },
    now: () => Date.now(),
    intervalMs: () => 0,
    log: deps.log.withTag("replay"),
  });
  const enrich = createEnricher(config, null);
  const listing = createListingCache();
  // Each record is written into memory of its own and handed over with it: the spool keeps it
  // (KEEP_BYTES) and delivers it from memory instead of reading it back from disk.
  let w = new ByteWriter(RECORD_BYTES + (4 << 20));
  const flush = async () => {
    if (w.pos === 0) return;
    const record = w.view();
    w = new ByteWriter(RECORD_BYTES + (4 << 20));
    await delivery.append(record);
  };
  let exhausted = false;
  // The day's OI-change tracker and ATM IV history, as the engine keeps one per run (per day).
  const trader = createTraderAnalytics(config);
  // Batches in reused memory, as the engine builds them (src/chain/batch-pool.ts): a cycle's batch
  // is released once the next cycle has run, as the engine releases a published cycle.
  const batches = createBatchPool();
  let previous: ChainBatch | null = null;
  await provider.open();
  try {
    for (let n = 0; !signal.aborted; n++) {
      const at = snapshotClock.next();
      if (at === null) {
        exhausted = true;
        break;
      }
      const result = await runCycle({ config, provider, enrich, elapsed: () => performance.now(), listing, trader, createBatch: batches.acquire }, n, at);
      if (previous) releaseBatch(previous);
      previous = result.batch;
      for (const e of result.errors) deps.log.warn(`cycle at ${new Date(at).toISOString()}: ${e.phase} failed (${e.code}): ${e.message}`);
      deps.onCycle(result);
      writeCycle(result, w);
      if (w.pos >= RECORD_BYTES) await flush();
      // The cycle's awaits are microtasks: let the delivery's answers in now and then.
      else if (n % 8 === 7) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await flush();
  } finally {
    await provider.close();
  }
  return exhausted;
}
