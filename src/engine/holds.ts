/**
 * Holds on a cycle result's recycled memory: its ladder batch, its chain-leg batch
 * (src/chain/batch-pool.ts) and its strike flows' memory (src/chain/strike-flow.ts). Whoever
 * keeps a result past the moment it was handed over retains it here and releases it when done;
 * each part's memory is reused once its last hold is given back. Parts not from a pool
 * (`createBatch`, fresh flows) ignore holds.
 */
import { releaseBatch, retainBatch } from "../chain/batch-pool.ts";
import { releaseFlow, retainFlow } from "../chain/strike-flow.ts";
import type { CycleResult } from "../contracts/index.ts";

/** Takes one more hold on every recycled part of `result`. */
export function retainResult(result: CycleResult): void {
  retainBatch(result.batch);
  if (result.chain) retainBatch(result.chain);
  for (const f of result.flows ?? []) retainFlow(f);
}

/** Gives one hold on every recycled part of `result` back (see retainResult). */
export function releaseResult(result: CycleResult): void {
  releaseBatch(result.batch);
  if (result.chain) releaseBatch(result.chain);
  for (const f of result.flows ?? []) releaseFlow(f);
}
