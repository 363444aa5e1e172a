/**
 * The compute port: how a provider (or anything below the engine) gets CPU work spread over the
 * engine's worker pool without knowing the pool. The engine implements it (src/engine/compute.ts)
 * and src/app.ts hands it to the provider. Calls come from the main thread, one cycle at a time;
 * two `runSharded` calls may overlap (the pool queues their jobs).
 *
 * Work is named, not shipped: a job carries a `kind`, and the worker runs the `ComputeKernel`
 * registered under that kind (workers/compute.ts registers them; the pool runs the same kernel
 * inline when a worker fails). A kernel is a pure function of its job.
 */
import type { ChainBatch } from "../chain/batch.ts";
import type { ArrayMap, BatchMessage, ShardRange } from "../chain/shard.ts";
import type { PoolEvent } from "./stats.ts";

/** What a compute step reports for the cycle result. */
export type ComputeReport = { shards: number; events: PoolEvent[] };

/**
 * One shard's job: a batch shard as typed arrays, the kernel's parameters (structured-cloneable)
 * and optional per-group inputs (typed arrays, transferred with the shard).
 */
export type ShardJob = { kind: string; batch: BatchMessage; params: unknown; inputs?: ArrayMap };

/** Runs a job and returns only the arrays it wrote (owned by the caller; safe to transfer). */
export type ComputeKernel<J extends ShardJob = ShardJob> = (job: J) => ArrayMap;

export interface ComputePort {
  /**
   * Whether `batch` goes to the workers; false: the caller runs its kernel inline (no pool, or too
   * small to pay the round trip). `legCost` is the kernel's work per leg relative to enrichment
   * with row rendering (default 1), the work `pool.min_shard_legs` is the break-even of: a cheaper
   * kernel needs proportionally more legs to pay for the same round trip.
   */
  worthSharding(batch: ChainBatch, legCost?: number): boolean;
  /**
   * Cuts `batch` into shards of whole groups, runs `makeJob(range)` for each on a worker and
   * merges the outputs that are batch fields back into `batch` in place (same result whatever
   * the pool size). Resolves when every shard is done.
   */
  runSharded(batch: ChainBatch, makeJob: (range: ShardRange) => ShardJob): Promise<ComputeReport>;
}
