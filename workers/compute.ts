/**
 * Worker entry point: decode a job message, run it, post the produced arrays back with their
 * buffers transferred. Nothing else lives here; the work is `runJob` in src/engine/jobs.ts, with
 * the kernels of src/kernels.ts.
 */
import { runJob, type Job, type WorkerFault } from "../src/engine/jobs.ts";
import { COMPUTE_KERNELS } from "../src/kernels.ts";
import { transferList } from "../src/chain/shard.ts";
import { buffersOf, threadBuffers } from "../src/chain/recycle.ts";

declare const self: Worker;

/** `spare`: buffers the main thread is done with, for this worker's outputs (see src/chain/recycle.ts). */
type Request = { id: number; job: Job; fault?: WorkerFault; spare?: ArrayBuffer[] };

function misbehave(fault: WorkerFault): void {
  if (fault === "throw") throw new Error("injected worker failure");
  if (fault === "exit") process.exit(3);
  if (fault === "hang") for (;;);
  // "oom": an allocation the runtime cannot satisfy fails like memory exhaustion does.
  new ArrayBuffer(2 ** 52);
}

self.onmessage = (event: MessageEvent<Request>) => {
  const { id, job, fault, spare } = event.data;
  if (spare) threadBuffers.give(spare);
  if (fault) misbehave(fault);
  const arrays = runJob(job, COMPUTE_KERNELS);
  const out = transferList(arrays);
  // The job's input buffers go back with the result, for the main thread's next shards.
  const back = buffersOf([...Object.values(job.batch.arrays), ...Object.values(job.inputs ?? {})]).filter((b) => !out.includes(b));
  self.postMessage({ id, arrays, spare: back }, [...out, ...back]);
};
