/**
 * Compute jobs: the pure kernels the worker pool runs, by job kind. A job carries a batch shard
 * as typed arrays (or a shared batch and a range of its groups, computed in place; see
 * shardMessage) and small parameters; its kernel returns only the arrays it wrote (none in place). The same
 * `runJob` runs in a worker (workers/compute.ts) and inline, so results are identical either
 * way. The engine knows only its own kernel (enrichment); others (e.g. the simulator's quote
 * generation) are registered by whoever composes the pool, so the engine names no provider.
 */
import { batchFromMessage, ENRICH_GROUP_OUTPUTS, ENRICH_LEG_OUTPUTS, messageRange, pick, transferList, type ArrayMap, type BatchMessage } from "../chain/shard.ts";
import { enrichGroups, type EnrichParams } from "../chain/enrich.ts";
import type { ComputeKernel, ShardJob } from "../contracts/index.ts";
import { renderRowBodies } from "../g6csv/index.ts";

/** Enrichment of a shard; with `render` (the row timestamp) it also renders the CSV row bodies. */
export type EnrichJob = { kind: "enrich"; batch: BatchMessage; params: EnrichParams; render: string | null };
export type Job = ShardJob;
/** Kernels by job kind. */
export type Kernels = Readonly<Record<string, ComputeKernel>>;

/** Test-only failure modes a worker can be told to exhibit (see the pool's `testFaults`). */
export const WORKER_FAULTS = ["throw", "exit", "hang", "oom"] as const;
export type WorkerFault = (typeof WORKER_FAULTS)[number];

const enrichKernel: ComputeKernel = (shardJob) => {
  const job = shardJob as EnrichJob;
  const b = batchFromMessage(job.batch, [...ENRICH_LEG_OUTPUTS, ...ENRICH_GROUP_OUTPUTS]);
  const { g0, g1 } = messageRange(job.batch);
  enrichGroups(b, g0, g1, job.params);
  const out = pick(job.batch, [...ENRICH_LEG_OUTPUTS, ...ENRICH_GROUP_OUTPUTS]);
  if (job.render !== null) {
    const rendered = renderRowBodies(b, g0, g1, job.render);
    out.rowBytes = rendered.bytes;
    out.pairEnd = rendered.pairEnd;
  }
  return out;
};

/** The engine's own kernels. */
export const ENGINE_KERNELS: Kernels = { enrich: enrichKernel };

/** Runs a job with the kernel registered for its kind and returns the arrays it produced (owned by the caller; safe to transfer). */
export function runJob(job: Job, kernels: Kernels): ArrayMap {
  const kernel = kernels[job.kind];
  if (!kernel) throw new Error(`no compute kernel for job kind "${job.kind}"`);
  return kernel(job);
}

/** The buffers a job message transfers (shared memory is shared, not transferred). */
export function jobTransferList(job: Job): ArrayBuffer[] {
  return [...transferList(job.batch.arrays), ...transferList(job.inputs ?? {})];
}
