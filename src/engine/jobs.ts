/**
 * Compute jobs: the pure functions the worker pool runs, by kind. A job carries a batch shard
 * as typed arrays and small parameters; it returns only the arrays it wrote. The same `runJob`
 * runs in a worker (workers/compute.ts) and inline, so results are identical either way.
 */
import { batchFromMessage, ENRICH_GROUP_OUTPUTS, ENRICH_LEG_OUTPUTS, pick, QUOTE_LEG_OUTPUTS, type ArrayMap, type BatchMessage } from "../chain/shard.ts";
import { enrichGroups, type EnrichParams } from "../chain/enrich.ts";
import { simulateQuotes, type SimGroupInputs, type SimQuoteParams } from "../providers/sim/model.ts";
import { renderRowBodies } from "../g6csv/index.ts";

/** Enrichment of a shard; with `render` (the row timestamp) it also renders the CSV row bodies. */
export type EnrichJob = { kind: "enrich"; batch: BatchMessage; params: EnrichParams; render: string | null };
/** Simulated quotes for a shard; `inputs` are the shard's per-group simulator inputs. */
export type SimulateJob = { kind: "simulate"; batch: BatchMessage; params: SimQuoteParams; inputs: ArrayMap };
export type Job = EnrichJob | SimulateJob;

/** Test-only failure modes a worker can be told to exhibit (see the pool's `testFaults`). */
export const WORKER_FAULTS = ["throw", "exit", "hang", "oom"] as const;
export type WorkerFault = (typeof WORKER_FAULTS)[number];

/** Runs a job and returns the arrays it produced (owned by the caller; safe to transfer). */
export function runJob(job: Job): ArrayMap {
  if (job.kind === "enrich") {
    const b = batchFromMessage(job.batch, [...ENRICH_LEG_OUTPUTS, ...ENRICH_GROUP_OUTPUTS]);
    enrichGroups(b, 0, b.groups, job.params);
    const out = pick(job.batch.arrays, [...ENRICH_LEG_OUTPUTS, ...ENRICH_GROUP_OUTPUTS]);
    if (job.render !== null) {
      const rendered = renderRowBodies(b, 0, b.groups, job.render);
      out.rowBytes = rendered.bytes;
      out.pairEnd = rendered.pairEnd;
    }
    return out;
  }
  const b = batchFromMessage(job.batch, QUOTE_LEG_OUTPUTS);
  simulateQuotes(b, 0, b.groups, job.inputs as unknown as SimGroupInputs, job.params);
  return pick(job.batch.arrays, QUOTE_LEG_OUTPUTS);
}

/** The buffers a job message carries. */
export function jobTransferList(job: Job): ArrayBuffer[] {
  const arrays = job.kind === "simulate" ? [...Object.values(job.batch.arrays), ...Object.values(job.inputs)] : Object.values(job.batch.arrays);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}
