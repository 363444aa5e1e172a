/**
 * Compute runners: how a cycle's CPU work (enrichment, simulated quote generation) is spread
 * over the worker pool, or run inline when there is none. Shards are whole groups; a shared
 * batch's are computed in place by the workers, any other's results are merged back into the
 * batch, so the output is the same whatever the pool size.
 */
import { LEG_OUTPUT_FIELDS, type ChainBatch } from "../chain/batch.ts";
import { enrichGroups, type EnrichParams } from "../chain/enrich.ts";
import { buffersOf } from "../chain/recycle.ts";
import { ENRICH_INPUTS, mergeShard, MIN_SHARD_LEGS, planShards, shardMessage, type ArrayMap, type ShardRange } from "../chain/shard.ts";
import { renderRowBodies } from "../g6csv/index.ts";
import type { Job } from "./jobs.ts";
import type { PoolTask, WorkerPool } from "./pool.ts";
import type { ComputePort, ComputeReport, RenderedRows } from "../contracts/index.ts";

/** Runs one job per shard of `b` on the pool and merges the outputs into `b`. */
export type ShardOptions = {
  /** Smallest shard worth a worker round trip (default MIN_SHARD_LEGS). */
  minShardLegs?: number;
  /** Injected faults per shard (tests; honoured only by a pool created with testFaults). */
  faults?: (shard: number) => PoolTask["faults"];
};

/** The shards a batch is cut into for `pool`. */
export function shardsFor(pool: WorkerPool | null, b: ChainBatch, opts: ShardOptions = {}): ShardRange[] {
  return planShards(b, pool ? pool.size : 1, opts.minShardLegs);
}

/**
 * Whether a batch goes to the pool: there is one, and the batch is at least one minimum shard
 * (a smaller batch costs more in the round trip than it saves). A single shard still goes to a
 * worker, keeping the main thread free for I/O.
 */
export function usePool(pool: WorkerPool | null, b: ChainBatch, opts: ShardOptions = {}, legCost = 1): pool is WorkerPool {
  return pool !== null && pool.size > 0 && b.legs * legCost >= (opts.minShardLegs ?? MIN_SHARD_LEGS);
}

/**
 * Runs one job per shard of `b` on the pool and merges the outputs that are batch fields into
 * `b`; returns the report and each shard's raw outputs (for outputs that are not batch fields).
 */
export async function runSharded(
  pool: WorkerPool,
  b: ChainBatch,
  makeJob: (range: ShardRange) => Job,
  opts: ShardOptions = {},
): Promise<ComputeReport & { ranges: ShardRange[]; results: ArrayMap[] }> {
  const ranges = shardsFor(pool, b, opts);
  const faults = opts.faults;
  const tasks: PoolTask[] = ranges.map((range, i) => ({ make: () => makeJob(range), faults: faults?.(i) }));
  const { results, events } = await pool.run(tasks);
  ranges.forEach((range, i) => mergeShard(b, range, results[i] as ArrayMap));
  // Merged outputs are copies now: their buffers go back to the workers (not the rendered rows, which the sinks keep).
  if (pool.give) {
    const merged = results.flatMap((r) => Object.entries(r).filter(([field]) => field in b).map(([, a]) => a));
    pool.give(buffersOf(merged));
  }
  return { shards: ranges.length, events, ranges, results };
}

/** Leg fields the row renderer reads besides the enrichment inputs. */
const RENDER_INPUTS = ["avg", "volume", "oi"] as const;

export type EnrichOutput = { report: ComputeReport; rendered: RenderedRows[] | null };

/**
 * Enrichment over the whole batch, inline when `pool` is null or the batch is small; with
 * `render` (the row timestamp) the CSV row bodies are rendered in the same pass, on the pool.
 */
export async function enrichBatch(
  pool: WorkerPool | null,
  b: ChainBatch,
  params: EnrichParams,
  opts: ShardOptions & { render?: string | null } = {},
): Promise<EnrichOutput> {
  const render = opts.render ?? null;
  if (!usePool(pool, b, opts)) {
    enrichGroups(b, 0, b.groups, params);
    return { report: { shards: b.groups > 0 ? 1 : 0, events: [] }, rendered: render === null ? null : [renderRowBodies(b, 0, b.groups, render)] };
  }
  // Kept analytics (a recording's) travel with the shard, so the worker renders and returns them.
  const kept = params.keepAnalytics ? LEG_OUTPUT_FIELDS : [];
  const fields = [...ENRICH_INPUTS, ...kept, ...(render === null ? [] : RENDER_INPUTS)];
  const run = await runSharded(pool, b, (r) => ({ kind: "enrich", batch: shardMessage(b, r.g0, r.g1, fields), params, render }), opts);
  const rendered =
    render === null
      ? null
      : run.ranges.map((r, i) => ({ pairStart: b.start[r.g0]! >> 1, bytes: run.results[i]!.rowBytes as Uint8Array, pairEnd: run.results[i]!.pairEnd as Uint32Array }));
  return { report: { shards: run.shards, events: run.events }, rendered };
}

/**
 * The compute port over `pool` (null: everything inline) that providers are given: shards go
 * to the pool when `usePool` says they pay, with the same shard options as enrichment.
 */
export function createComputePort(pool: WorkerPool | null, opts: ShardOptions = {}): ComputePort {
  return {
    worthSharding: (b, legCost) => usePool(pool, b, opts, legCost),
    async runSharded(b, makeJob) {
      if (pool === null) throw new Error("runSharded without a worker pool (check worthSharding first)");
      const run = await runSharded(pool, b, makeJob, opts);
      return { shards: run.shards, events: run.events };
    },
  };
}
