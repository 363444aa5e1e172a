/**
 * The running sink: the policy around every sink, written once (after Telegraf's
 * models/running_output and Vector's retry logic). The engine hands each cycle to every running
 * sink and starts the next cycle on time; each running sink writes its cycles on its own, in
 * cycle order, one write at a time.
 *
 * - **Queue:** at most `capacity` cycles wait. When full, "block" makes the hand-over wait for
 *   room (nothing is lost, collection slows) and "drop_oldest" drops the oldest waiting cycle
 *   (counted). The queue never grows past its capacity.
 * - **Retries:** a write that throws a retriable `SinkError` is tried again after a backoff with
 *   full jitter (random·base·2^k, capped); other failures, and a retriable one past its retries,
 *   fail for good: counted as a dropped cycle and an error, its target shown as failing.
 * - **Spool hook:** a spoolable sink with a spool never drops a retriable failure: the cycle's
 *   payload goes to the spool, and the spool is delivered, oldest first, before anything newer
 *   (new cycles join the spool while it holds anything, so the order of cycles is kept), for as
 *   long as it takes. While an outage (unreachable, overloaded, too slow) only fills the spool
 *   the sink is degraded, not failing: nothing is lost and the engine stays ready; a failure a
 *   person must fix (credentials) shows it failing. A spool at its cap under pause_collection
 *   takes nothing new, so the queue fills and the hand-over blocks: collection waits, and says so.
 * - **Retry-After:** a `SinkError` naming how long the target wants to be left alone is not
 *   asked again sooner.
 * - **Stalls:** a write running longer than `stallMs` shows its sink as failing (code timeout)
 *   until it returns; it is never abandoned (a second write would race the first).
 * - **Flush timer:** a sink that batches declares a flush interval; its flushes run between
 *   writes, never during one.
 * - **Shutdown:** `drain` waits for the queue up to a deadline; what is left goes to the spool
 *   (when there is one) or is counted as dropped, with one error line naming how many cycles.
 * - **Counters:** rows, bytes, rejected, errors, failing targets, queued, written, dropped,
 *   retries, blocked, spooled and lag live in one `SinkTotals` object, read by the status file,
 *   /readyz, the dashboard and the metrics.
 */
import type { ConsolaInstance } from "consola";
import {
  type CycleResult,
  describeFault,
  type EngineStats,
  errorMessage,
  type MarketStatus,
  faultCodeOf,
  isOutage,
  isRetriable,
  isSpoolable,
  retryAfterOf,
  type Sink,
  type SinkFault,
  type SinkQueuePolicy,
  type SinkReport,
  type SinkSpool,
  type SinkTotals,
  WHOLE_SINK,
} from "../contracts/index.ts";
import { backoffMs, type RunningEnv } from "./running-provider.ts";

export type RunningSinkPolicy = SinkQueuePolicy & {
  /** Retries of a write that failed with a retriable error. */
  retries: number;
  /** Backoff base, ms: retry k (0-based) waits random·base·2^k, at most `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A write running longer than this shows the sink as failing until it returns, ms (0: never). */
  stallMs: number;
};

/** Defaults for what a sink does not declare: one cycle waits at most, the hand-over blocks, no flush timer. */
export const DEFAULT_QUEUE: SinkQueuePolicy = { capacity: 1, whenFull: "block", flushIntervalMs: 0 };

export type RunningSinkDeps = {
  sink: Sink;
  policy: RunningSinkPolicy;
  /** The counters this running sink keeps (the engine's stats point at the same object). */
  totals: SinkTotals;
  /** Where payloads of a spoolable sink wait when they cannot be delivered. */
  spool?: SinkSpool;
  /** Monotonic time, sleeps and randomness (tests use a fake clock). */
  env: RunningEnv;
  /** Wall clock, epoch ms (lag, oldest waiting cycle). */
  wallNow: () => number;
  log: ConsolaInstance;
  /** Called with every error line (the engine keeps the last one in its stats). */
  onError: (message: string) => void;
  /**
   * Called once for every cycle handed over, when the sink is done with it: written, failed for
   * good, spooled, dropped from the queue, or left at shutdown (the engine releases its batch).
   */
  onDone?: (result: CycleResult) => void;
};

export type RunningSink = {
  readonly name: string;
  readonly totals: SinkTotals;
  open(): Promise<void>;
  /**
   * Tells the sink of a market state change (when it records one), between its writes; a
   * failure is logged, never thrown.
   */
  market(status: MarketStatus, stats: Readonly<EngineStats>): Promise<void>;
  /** Hands a cycle over; resolves at once, unless the queue is full and the policy blocks. */
  enqueue(result: CycleResult, stats: Readonly<EngineStats>): Promise<void>;
  /**
   * Stops taking cycles and waits for those queued, at most `deadlineMs`; what is still waiting
   * then goes to the spool or is dropped (counted, one error line). Then flushes and closes the
   * sink. Idempotent.
   */
  close(deadlineMs: number): Promise<void>;
  /**
   * Shutdown has begun: a hand-over waiting for room (block policy) returns at once and later
   * ones never wait (the cycle joins the queue past its capacity; close then writes, spools or
   * counts it). Without it a queue that cannot drain (a full spool under pause_collection with
   * its target down) would keep the engine from ever reaching close.
   */
  release(): void;
};

type Item = { result: CycleResult; stats: Readonly<EngineStats>; enqueuedAt: number };

export function createRunningSink(deps: RunningSinkDeps): RunningSink {
  const { sink, policy, totals, spool, env, log } = deps;
  const done = (item: Item) => deps.onDone?.(item.result);
  const name = sink.name;
  const spoolable = spool && isSpoolable(sink) ? sink : null;
  const queue: Item[] = [];
  let inFlight: Item | null = null;
  /** Resolvers of hand-overs waiting for room (block policy). */
  const waitingForRoom: (() => void)[] = [];
  /** Shutdown has begun: hand-overs no longer wait for room. */
  let released = false;
  /** Resolvers waiting for the queue to empty (drain). */
  const waitingForIdle: (() => void)[] = [];
  let pumping: Promise<void> | null = null;
  /** The sink's calls, one at a time (writes, timer flushes). */
  let lane: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = lane.then(fn, fn);
    lane = p.catch(() => {});
    return p;
  };
  let flushTimer: ReturnType<typeof setInterval> | null = null;
  let stalled = false;
  let closed: Promise<void> | null = null;
  /** Aborts backoff sleeps once the shutdown deadline has passed. */
  const stopping = new AbortController();

  /** Payloads the spool had dropped at the last look (drop_oldest at its cap). */
  let spoolDropped = spool?.dropped ?? 0;
  const refresh = () => {
    totals.queued = queue.length + (inFlight ? 1 : 0);
    totals.oldestQueuedAt = inFlight?.enqueuedAt ?? queue[0]?.enqueuedAt ?? null;
    if (!spool) return;
    totals.spooled = spool.pending;
    totals.spoolBytes = spool.bytes;
    totals.spoolOldestAt = spool.oldestAt ?? null;
    const dropped = spool.dropped ?? 0;
    if (dropped > spoolDropped) {
      const n = dropped - spoolDropped;
      totals.dropped += n;
      deps.onError(`sink ${name}: spool full: dropped the ${n} oldest waiting cycle${n === 1 ? "" : "s"} to stay under its cap`);
    }
    spoolDropped = dropped;
    noteSpoolFull();
    if (spool.pending === 0 && totals.degraded) {
      totals.degraded = "";
      log.info(`sink ${name}: spool delivered, caught up`);
    }
  };

  /**
   * A retriable failure: an outage of a sink whose spool keeps everything only degrades it (one
   * warning when it starts); anything else shows it failing.
   */
  const noteRetriable = (err: unknown) => {
    if (spoolable && isOutage(err)) {
      const reason = `${reasonOf(err)}; spooling (${spool!.pending} waiting)`;
      if (!totals.degraded) log.warn(`sink ${name}: degraded: ${reason}`);
      totals.degraded = reason;
      // A spool full under pause_collection stays shown as failing: collection waits.
      if (!pausedByFullSpool) noteFaults([]);
      return;
    }
    noteFaults([wholeFault(err)]);
  };

  /** The wait before attempt k+1 after `err`: backoff with jitter, capped, and never sooner than the target's Retry-After. */
  const waitAfter = (k: number, err: unknown) => Math.max(retryAfterOf(err), Math.min(policy.retryMaxMs, backoffMs(k, policy.retryBaseMs, env.random)));

  /** Records the targets of the last write that faulted; one error line when a target starts failing, one info line when it recovers. */
  const noteFaults = (faults: SinkFault[]) => {
    const before = new Set(totals.failing.map((f) => f.target));
    const now = new Set(faults.map((f) => f.target));
    for (const f of faults) if (!before.has(f.target)) deps.onError(`sink ${name}: ${describeFault(f)}`);
    for (const t of before) if (!now.has(t)) log.info(`sink ${name}: ${t === WHOLE_SINK ? "writing" : `${t} is being written`} again`);
    totals.failing = faults;
  };

  const account = (report: SinkReport, item: Item | null) => {
    totals.rows += report.rows;
    totals.bytes += report.bytes;
    totals.duplicatesSkipped += report.duplicatesSkipped;
    totals.rejected += report.rejected ?? 0;
    totals.deadLettered += report.deadLettered ?? 0;
    const faults = report.faults ?? [];
    totals.errors += faults.length;
    noteFaults(faults);
    if (item) {
      totals.written++;
      totals.lagMs = deps.wallNow() - item.enqueuedAt;
    }
  };

  /** An error's message for people, without the sink's own name in front (a SinkError adds it). */
  const reasonOf = (err: unknown): string => {
    const message = errorMessage(err);
    return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
  };
  const wholeFault = (err: unknown): SinkFault => ({ target: WHOLE_SINK, code: faultCodeOf(err), reason: reasonOf(err) });

  /** Runs `call`, showing the sink as failing (timeout) while it runs past the stall threshold. */
  async function watched<T>(call: () => Promise<T>): Promise<T> {
    if (policy.stallMs <= 0) return call();
    const timer = setTimeout(() => {
      stalled = true;
      noteFaults([{ target: WHOLE_SINK, code: "timeout", reason: `a write has been running for more than ${(policy.stallMs / 1000).toFixed(0)} s` }]);
    }, policy.stallMs);
    try {
      return await call();
    } finally {
      clearTimeout(timer);
      if (stalled) {
        stalled = false;
        // The write's own outcome (accounted next) replaces the stall; until then nothing fails.
        noteFaults([]);
      }
    }
  }

  /** Tries `attempt` with the retry policy; resolves with its report, or throws its last error. */
  async function withRetries(attempt: () => Promise<SinkReport>): Promise<SinkReport> {
    for (let k = 0; ; k++) {
      try {
        return await serial(() => watched(attempt));
      } catch (err) {
        if (!isRetriable(err) || k >= policy.retries || stopping.signal.aborted) throw err;
        totals.retries++;
        noteRetriable(err);
        await env.sleep(waitAfter(k, err), stopping.signal);
        if (stopping.signal.aborted) throw err;
      }
    }
  }

  /** A cycle that could not be written for good: counted, its failure shown. */
  const failed = (err: unknown) => {
    totals.dropped++;
    totals.errors++;
    noteFaults([wholeFault(err)]);
  };

  async function spoolPayload(item: Item): Promise<boolean> {
    try {
      await spool!.append(spoolable!.encode(item.result, item.stats));
      return true;
    } catch (err) {
      // The cause's errno code stays (a full disk shows as no_space).
      failed(Object.assign(new Error(`could not spool a cycle: ${errorMessage(err)}`), { code: (err as NodeJS.ErrnoException | null)?.code }));
      return false;
    }
  }

  /** The last failure of a spool delivery (its Retry-After paces the next round). */
  let lastSpoolError: unknown = null;

  /** Appends every waiting cycle to the spool (unless it is full under pause_collection: they stay queued, and the queue blocks). */
  async function spoolQueued(): Promise<void> {
    noteSpoolFull();
    while (queue.length > 0 && !spool!.full) {
      inFlight = queue.shift()!;
      refresh();
      wakeRoom();
      if (await spoolPayload(inFlight)) totals.written++;
      done(inFlight);
      inFlight = null;
      refresh();
    }
  }

  /** Delivers the spool oldest first, one attempt each; false when a delivery failed (the spool keeps it). */
  async function deliverSpool(): Promise<boolean> {
    while (spool!.pending > 0 && !stopping.signal.aborted) {
      const payload = await spool!.oldest();
      if (!payload) break;
      try {
        account(await serial(() => watched(() => spoolable!.deliver(payload))), null);
        await spool!.ack();
      } catch (err) {
        if (isRetriable(err)) {
          lastSpoolError = err;
          noteRetriable(err);
          return false;
        }
        // Refused for good (a rejected batch): delivering it again cannot help.
        failed(err);
        await spool!.ack();
      }
      refresh();
      // Cycles handed over meanwhile are made durable before the next delivery.
      await spoolQueued();
    }
    return true;
  }

  /** Wakes the spool pump's backoff wait (a cycle was handed over, or shutdown began). */
  let wake: (() => void) | null = null;
  let closing = false;

  /** Waits `ms` before the next delivery round, spooling cycles handed over meanwhile; ends early at shutdown. */
  async function backoffWhileSpooling(ms: number): Promise<void> {
    // Its own signal, so that a wait ended early (shutdown) leaves no timer behind.
    const done = new AbortController();
    const slept = env.sleep(ms, AbortSignal.any([stopping.signal, done.signal])).then(() => "slept" as const);
    try {
      for (;;) {
        const woken = new Promise<"woken">((resolve) => (wake = () => resolve("woken")));
        const why = await Promise.race([slept, woken]);
        wake = null;
        if (why === "slept" || closing) return;
        await spoolQueued();
      }
    } finally {
      done.abort();
    }
  }

  /**
   * The pump of a spoolable sink with a spool (write-ahead): every cycle is first appended to the
   * spool (durable before it counts as written), then the spool is delivered oldest first; while
   * the target fails, rounds are retried with backoff (at least its Retry-After) for as long as
   * it takes, and cycles keep joining the spool in the meantime, so collection never waits for
   * the target.
   */
  async function pumpSpool(): Promise<void> {
    let round = 0;
    let triedAtShutdown = false;
    for (;;) {
      await spoolQueued();
      if (spool!.pending === 0 || stopping.signal.aborted) {
        if (queue.length === 0 || stopping.signal.aborted) break;
        continue;
      }
      if (await deliverSpool()) {
        round = 0;
        continue;
      }
      totals.retries++;
      // At shutdown one more round is tried at once (the target may just have come back); if the
      // target is still down, the spool keeps what is left for the next start.
      if (closing && queue.length === 0) {
        if (triedAtShutdown) break;
        triedAtShutdown = true;
        continue;
      }
      await backoffWhileSpooling(waitAfter(round++, lastSpoolError));
    }
  }

  async function writeItem(item: Item): Promise<void> {
    try {
      account(await withRetries(() => sink.write(item.result, item.stats)), item);
    } catch (err) {
      failed(err);
    }
  }

  async function pump(): Promise<void> {
    if (spoolable) await pumpSpool();
    else {
      for (let item = queue.shift(); item; item = queue.shift()) {
        inFlight = item;
        refresh();
        wakeRoom();
        await writeItem(item);
        done(item);
        inFlight = null;
        refresh();
      }
    }
    for (const r of waitingForIdle.splice(0)) r();
  }

  /** A spool full under pause_collection: shown failing (collection waits) until it has room again. */
  let pausedByFullSpool = false;
  function noteSpoolFull(): void {
    const full = spool?.full === true;
    if (full === pausedByFullSpool) return;
    pausedByFullSpool = full;
    if (full) noteFaults([{ target: WHOLE_SINK, code: "no_space", reason: `spool full (${spool!.bytes} bytes): collection paused until the target accepts` }]);
    else noteFaults([]);
  }

  const wakeRoom = () => {
    while (waitingForRoom.length && queue.length < policy.capacity) waitingForRoom.shift()!();
  };

  const startPump = () => {
    if (!pumping) {
      pumping = pump().finally(() => {
        pumping = null;
        // A cycle handed over while the pump was finishing.
        if (queue.length > 0 && !stopping.signal.aborted) startPump();
        // A close that began after the pump's last check but before this point waits for idle too.
        else for (const r of waitingForIdle.splice(0)) r();
      });
    }
  };

  return {
    name,
    totals,
    async open() {
      await sink.open();
      refresh();
      if (policy.flushIntervalMs > 0) {
        flushTimer = setInterval(() => {
          void serial(() => sink.flush()).catch((err) => noteFaults([wholeFault(err)]));
        }, policy.flushIntervalMs);
        flushTimer.unref?.();
      }
      // Payloads spooled by an earlier run are delivered first.
      if (spoolable && spool!.pending > 0) startPump();
    },
    release() {
      released = true;
      for (const r of waitingForRoom.splice(0)) r();
    },
    async market(status, stats) {
      if (!sink.market || closed) return;
      try {
        await serial(() => sink.market!(status, stats));
      } catch (err) {
        deps.onError(`sink ${name}: market state: ${errorMessage(err)}`);
      }
    },
    async enqueue(result, stats) {
      if (closed) throw new Error(`sink ${name} is closed`);
      if (queue.length >= policy.capacity) {
        if (policy.whenFull === "drop_oldest") {
          done(queue.shift()!);
          totals.dropped++;
        } else if (!released) {
          totals.blocked++;
          await new Promise<void>((resolve) => waitingForRoom.push(resolve));
        }
      }
      queue.push({ result, stats, enqueuedAt: deps.wallNow() });
      refresh();
      startPump();
      wake?.();
    },
    close(deadlineMs) {
      closed ??= (async () => {
        if (flushTimer) clearInterval(flushTimer);
        closing = true;
        wake?.();
        const idle = new Promise<void>((resolve) => {
          if (!pumping && queue.length === 0) resolve();
          else waitingForIdle.push(resolve);
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const deadline = new Promise<"late">((resolve) => {
          timer = setTimeout(() => resolve("late"), deadlineMs);
        });
        const outcome = await Promise.race([idle.then(() => "idle" as const), deadline]);
        clearTimeout(timer);
        if (outcome === "late") {
          stopping.abort();
          // The write in flight finishes (it cannot be abandoned safely); what waits behind it is spooled or dropped.
          const left = queue.splice(0);
          let lost = 0;
          for (const item of left) {
            const spooled = spoolable !== null && (await spoolPayload(item));
            done(item);
            if (spooled) totals.written++;
            else lost++;
          }
          totals.dropped += lost;
          if (lost) deps.onError(`sink ${name}: ${lost} cycle${lost === 1 ? "" : "s"} not written at shutdown (still waiting after ${(deadlineMs / 1000).toFixed(1)} s)`);
          await pumping;
          refresh();
        }
        // Flush and close are separate steps: a failed flush must not keep the sink from closing.
        for (const step of ["flush", "close"] as const) {
          try {
            await serial(() => sink[step]());
          } catch (err) {
            deps.onError(`sink ${name}: ${step}: ${errorMessage(err)}`);
          }
        }
        await spool?.close();
      })();
      return closed;
    },
  };
}
