/**
 * A compute worker that fails after writing part of its range, for the pool's tests of jobs
 * computed in place (a shared batch). A job whose params carry `scribble` takes one of its
 * `left` failures (a counter shared by every worker): it writes garbage over every output of
 * its range, then exits, throws, or keeps writing garbage until terminated. Other jobs run as
 * in workers/compute.ts.
 */
import { batchFromMessage, messageRange, transferList } from "../../src/chain/shard.ts";
import { runJob, type Job } from "../../src/engine/jobs.ts";
import { COMPUTE_KERNELS } from "../../src/kernels.ts";

declare const self: Worker;

export type Scribble = { left: Int32Array; then: "exit" | "throw" | "hang" };

function scribble(job: Job): void {
  const b = batchFromMessage(job.batch, []);
  const { g0, g1 } = messageRange(job.batch);
  for (let i = b.start[g0]!; i < b.end[g1 - 1]!; i++) {
    b.iv[i] = b.delta[i] = b.gamma[i] = b.theta[i] = b.vega[i] = b.rho[i] = 7;
    b.ivSource[i] = b.ivFail[i] = 9;
  }
  for (let g = g0; g < g1; g++) {
    b.g_forward[g] = 7;
    b.forwardSource[g] = 9;
  }
}

self.onmessage = (event: MessageEvent<{ id: number; job: Job }>) => {
  const { id, job } = event.data;
  const plan = (job.params as { scribble?: Scribble }).scribble;
  if (plan && job.batch.range && Atomics.sub(plan.left, 0, 1) > 0) {
    scribble(job);
    if (plan.then === "exit") process.exit(3);
    if (plan.then === "throw") throw new Error("failed after a partial write");
    for (;;) scribble(job);
  }
  const arrays = runJob(job, COMPUTE_KERNELS);
  self.postMessage({ id, arrays }, transferList(arrays));
};
