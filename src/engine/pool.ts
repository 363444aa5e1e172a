/**
 * The worker pool: runs compute jobs (src/engine/jobs.ts) on Bun workers, one job per worker at
 * a time, with typed-array buffers transferred both ways.
 *
 * Failure policy, written once here:
 * - a worker that throws or dies (exit, crash, allocation failure) fails its job; the worker is
 *   discarded and the job retried once on a fresh worker, then run inline;
 * - a job that exceeds `timeoutMs` is abandoned (its worker terminated) and redone inline;
 * - dead workers are replaced within a restart budget (`maxRestarts` per `restartWindowMs`)
 *   and with exponential backoff; while a lane has no worker its jobs run inline.
 * Every event is counted in `stats` and reported in the run's `events`, so a cycle's result
 * shows what happened. Jobs are given as factories because a transferred buffer is gone from
 * the sender: a retry builds the job afresh from the batch. A job over a shared batch (computed
 * in place) that failed may have written part of its range: the retry or the inline run
 * computes the whole range again and overwrites it (kernels are deterministic and never write
 * what they read), and a timed-out worker is waited for until it is gone.
 */
import { createBufferStore, LARGE_BYTES, threadBuffers } from "../chain/recycle.ts";
import type { ArrayMap } from "../chain/shard.ts";
import type { FailureKind, PoolEvent, PoolStats } from "../contracts/index.ts";
import { ENGINE_KERNELS, jobTransferList, runJob, type Job, type Kernels, type WorkerFault } from "./jobs.ts";

export type PoolOptions = {
  /** Workers (lanes); 0 makes every job run inline. */
  size: number;
  workerUrl?: URL;
  /** Kernels for jobs run inline (a worker failed, or no lane); must match the worker's (default: the engine's own). */
  kernels?: Kernels;
  /** Per-job time budget, ms. */
  timeoutMs: number;
  maxRestarts: number;
  restartWindowMs: number;
  /** First restart backoff, ms; doubles with each consecutive failure of a lane. */
  backoffMs: number;
  /** Honour per-job injected faults (tests only). */
  testFaults?: boolean;
  /**
   * Spawn the workers at the first run (or `start`), not at creation: a pool that no batch ever
   * reaches (a chain below the break-even size) costs no threads, and `auto` runs as inline does.
   */
  lazy?: boolean;
  now?: () => number;
};

/** A job to run: a factory (called once per attempt) and an optional injected fault per attempt. */
export type PoolTask = { make: () => Job; faults?: readonly (WorkerFault | undefined)[] };

export type WorkerPool = {
  readonly size: number;
  readonly stats: Readonly<PoolStats>;
  /** Runs the tasks; resolves with each task's output arrays (in task order) and the failure events. */
  run(tasks: readonly PoolTask[]): Promise<{ results: ArrayMap[]; events: PoolEvent[] }>;
  /**
   * Buffers the caller is done with (merged outputs): sent back to the workers with later jobs
   * for their outputs, instead of fresh memory (see src/chain/recycle.ts). Optional.
   */
  give?(buffers: Iterable<ArrayBuffer>): void;
  /** Terminates every worker and waits for them to close. */
  close(): Promise<void>;
  /** Spawns the workers now if they are not yet (a lazy pool that will be used). Optional. */
  start?(): void;
};

type Lane = { worker: Worker | null; closed: Promise<void> | null; consecutiveFailures: number; retryAfter: number };
type Outcome = { ok: true; arrays: ArrayMap } | { ok: false; failure: FailureKind; message: string };

const DEFAULT_WORKER = new URL("../../workers/compute.ts", import.meta.url);

/** Resolves when `closed` does, or after `ms` at the latest. */
function gone(closed: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void closed.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function createWorkerPool(opts: PoolOptions): WorkerPool {
  const now = opts.now ?? (() => performance.now());
  const url = opts.workerUrl ?? DEFAULT_WORKER;
  const kernels = opts.kernels ?? ENGINE_KERNELS;
  const stats: PoolStats = { workers: 0, jobs: 0, inlineJobs: 0, retries: 0, restarts: 0, failures: { error: 0, exit: 0, timeout: 0 } };
  const restartTimes: number[] = [];
  const lanes: Lane[] = Array.from({ length: opts.size }, () => ({ worker: null, closed: null, consecutiveFailures: 0, retryAfter: 0 }));
  let seq = 0;
  let closing = false;
  /** Buffers to send to the workers with the next jobs; what workers send back goes to this thread's store. */
  const forWorkers = createBufferStore();
  /** Spare buffers per job of the current run: an even share of what is held when it starts. */
  let sparePerJob = 0;

  function spawn(lane: Lane): void {
    const worker = new Worker(url);
    lane.closed = new Promise((resolve) => worker.addEventListener("close", () => resolve(), { once: true }));
    lane.worker = worker;
    stats.workers++;
  }

  function discard(lane: Lane): void {
    if (!lane.worker) return;
    lane.worker.terminate();
    lane.worker = null;
    stats.workers--;
  }

  /** A live worker for the lane, replacing a dead one if the budget and backoff allow. */
  function workerFor(lane: Lane): Worker | null {
    if (lane.worker || closing) return lane.worker;
    const t = now();
    while (restartTimes.length && restartTimes[0]! <= t - opts.restartWindowMs) restartTimes.shift();
    if (t < lane.retryAfter || restartTimes.length >= opts.maxRestarts) return null;
    restartTimes.push(t);
    stats.restarts++;
    spawn(lane);
    return lane.worker;
  }

  function dispatch(worker: Worker, job: Job, fault: WorkerFault | undefined): Promise<Outcome> {
    const id = ++seq;
    return new Promise((resolve) => {
      const finish = (outcome: Outcome) => {
        clearTimeout(timer);
        worker.removeEventListener("message", onMessage);
        worker.removeEventListener("error", onError);
        worker.removeEventListener("close", onClose);
        resolve(outcome);
      };
      const onMessage = (e: MessageEvent<{ id: number; arrays: ArrayMap; spare?: ArrayBuffer[] }>) => {
        if (e.data.id !== id) return;
        if (e.data.spare) threadBuffers.give(e.data.spare);
        finish({ ok: true, arrays: e.data.arrays });
      };
      const onError = (e: ErrorEvent) => {
        e.preventDefault();
        finish({ ok: false, failure: "error", message: e.message });
      };
      const onClose = (e: Event) => finish({ ok: false, failure: "exit", message: `worker exited (code ${(e as Event & { code?: number }).code ?? "?"})` });
      const timer = setTimeout(() => finish({ ok: false, failure: "timeout", message: `no result within ${opts.timeoutMs} ms` }), opts.timeoutMs);
      worker.addEventListener("message", onMessage);
      worker.addEventListener("error", onError);
      worker.addEventListener("close", onClose);
      // Besides merged outputs, one row buffer the CSV sink gave back (the worker renders the next rows into it).
      const spare = [...forWorkers.drain(sparePerJob), ...threadBuffers.drain(1, LARGE_BYTES)];
      worker.postMessage({ id, job, fault: opts.testFaults ? fault : undefined, spare }, [...jobTransferList(job), ...spare]);
    });
  }

  function laneFailed(lane: Lane, failure: FailureKind): void {
    stats.failures[failure]++;
    discard(lane);
    lane.consecutiveFailures++;
    lane.retryAfter = now() + opts.backoffMs * 2 ** (lane.consecutiveFailures - 1);
  }

  async function execute(lane: Lane, task: PoolTask, index: number, events: PoolEvent[]): Promise<ArrayMap> {
    stats.jobs++;
    for (let attempt = 0; attempt < 2; attempt++) {
      // A retry goes to a fresh worker at once; backoff only delays later replacements.
      if (attempt === 1) lane.retryAfter = 0;
      const worker = workerFor(lane);
      if (!worker) break;
      const job = task.make();
      const outcome = await dispatch(worker, job, task.faults?.[attempt]);
      if (outcome.ok) {
        lane.consecutiveFailures = 0;
        return outcome.arrays;
      }
      const closed = lane.closed;
      laneFailed(lane, outcome.failure);
      // A job in place (a shared batch): the worker abandoned over its budget may still be writing
      // the batch; it is gone before the range is redone (termination interrupts it within ms).
      if (outcome.failure === "timeout" && job.batch.range && closed) await gone(closed, opts.timeoutMs);
      const retry = attempt === 0 && outcome.failure !== "timeout";
      events.push({ job: index, failure: outcome.failure, message: outcome.message, then: retry ? "retried" : "inline" });
      if (!retry) break;
      stats.retries++;
    }
    stats.inlineJobs++;
    return runJob(task.make(), kernels);
  }

  let started = false;
  const start = () => {
    if (started || closing) return;
    started = true;
    for (const lane of lanes) spawn(lane);
  };
  if (!opts.lazy) start();

  return {
    start,
    size: opts.size,
    stats,
    async run(tasks) {
      const results: ArrayMap[] = new Array(tasks.length);
      const events: PoolEvent[] = [];
      if (lanes.length === 0) {
        tasks.forEach((t, i) => {
          stats.jobs++;
          stats.inlineJobs++;
          results[i] = runJob(t.make(), kernels);
        });
        return { results, events };
      }
      start();
      let next = 0;
      sparePerJob = Math.ceil(forWorkers.size / Math.max(1, tasks.length));
      await Promise.all(
        lanes.map(async (lane) => {
          while (next < tasks.length) {
            const i = next++;
            results[i] = await execute(lane, tasks[i]!, i, events);
          }
        }),
      );
      return { results, events };
    },
    give(buffers) {
      forWorkers.give(buffers);
    },
    async close() {
      closing = true;
      forWorkers.drain(Number.POSITIVE_INFINITY);
      const closed = lanes.map((l) => l.closed).filter((p): p is Promise<void> => p !== null);
      for (const lane of lanes) discard(lane);
      await Promise.all(closed);
    },
  };
}
