/**
 * The simulator's compute kernel: quote generation for one batch shard, run on the engine's
 * worker pool through the compute port (registered under the job kind "simulate").
 */
import { batchFromMessage, messageRange, pick, QUOTE_LEG_OUTPUTS, type ArrayMap, type BatchMessage } from "../../chain/shard.ts";
import type { ComputeKernel } from "../../contracts/index.ts";
import { simulateQuotes, type SimGroupInputs, type SimQuoteParams } from "./model.ts";

/** Simulated quotes for a shard; `inputs` are the per-group simulator inputs of the message's groups (all of a shared batch's). */
export type SimulateJob = { kind: "simulate"; batch: BatchMessage; params: SimQuoteParams; inputs: ArrayMap };

const simulateKernel: ComputeKernel = (shardJob) => {
  const job = shardJob as SimulateJob;
  const b = batchFromMessage(job.batch, QUOTE_LEG_OUTPUTS);
  const { g0, g1 } = messageRange(job.batch);
  simulateQuotes(b, g0, g1, job.inputs as unknown as SimGroupInputs, job.params);
  return pick(job.batch, QUOTE_LEG_OUTPUTS);
};

/** The simulator's kernels by job kind. */
export const SIM_KERNELS: Readonly<Record<string, ComputeKernel>> = { simulate: simulateKernel };
