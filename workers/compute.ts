/**
 * Worker entry point: decode a job message, run it, post the produced arrays back with their
 * buffers transferred. Nothing else lives here; the work is `runJob` in src/engine/jobs.ts, with
 * the kernels of src/kernels.ts.
 */
import { runJob, type Job, type WorkerFault } from "../src/engine/jobs.ts";
import { COMPUTE_KERNELS } from "../src/kernels.ts";
import { transferList } from "../src/chain/shard.ts";

declare const self: Worker;

type Request = { id: number; job: Job; fault?: WorkerFault };

function misbehave(fault: WorkerFault): void {
  if (fault === "throw") throw new Error("injected worker failure");
  if (fault === "exit") process.exit(3);
  if (fault === "hang") for (;;);
  // "oom": an allocation the runtime cannot satisfy fails like memory exhaustion does.
  new ArrayBuffer(2 ** 52);
}

self.onmessage = (event: MessageEvent<Request>) => {
  const { id, job, fault } = event.data;
  if (fault) misbehave(fault);
  const arrays = runJob(job, COMPUTE_KERNELS);
  self.postMessage({ id, arrays }, transferList(arrays));
};
