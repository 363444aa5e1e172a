/**
 * The worker pool with real Bun workers: identical results whatever the pool size, and every
 * kind of worker failure leaves the output complete and identical to a clean run.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { ChainBatch } from "../../src/chain/batch.ts";
import { enrichGroups } from "../../src/chain/enrich.ts";
import { enrichBatch } from "../../src/engine/compute.ts";
import { enrichParams } from "../../src/engine/cycle.ts";
import { createWorkerPool, type WorkerPool } from "../../src/engine/pool.ts";
import type { WorkerFault } from "../../src/engine/jobs.ts";
import { quotedBatch } from "../../bench/support.ts";
import { testConfig } from "../helpers/engine.ts";

const config = testConfig({});
const params = enrichParams(config);

const SPECS = Array.from({ length: 8 }, (_, g) => {
  const T = (2 + 7 * g) / 365;
  const strikes = Float64Array.from({ length: 61 }, (_, k) => 22500 + 50 * k);
  return { index: "NIFTY", tag: `t${g}`, expiry: `2026-12-${String(1 + g).padStart(2, "0")}`, spot: 24010, atm: 24000, T, df: Math.exp(-0.065 * T), strikes };
});
/** A quoted, not yet enriched batch: 8 groups of 61 strikes (976 legs), with faults in the data. */
const quoted = (): ChainBatch => quotedBatch(SPECS, 3, { missing: 0.05, zero: 0.02, stale: 0.05 });

const OUTPUTS = ["iv", "delta", "gamma", "theta", "vega", "rho", "ivSource", "ivFail", "g_forward", "forwardSource"] as const;
function expectSameOutputs(a: ChainBatch, b: ChainBatch) {
  for (const f of OUTPUTS) {
    const x = a[f] as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
    const y = b[f] as typeof x;
    expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength))).toBe(true);
  }
}

const reference = quoted();
enrichGroups(reference, 0, reference.groups, params);

const pools: WorkerPool[] = [];
function pool(opts: Partial<Parameters<typeof createWorkerPool>[0]> = {}) {
  const p = createWorkerPool({ size: 2, timeoutMs: 5000, maxRestarts: 10, restartWindowMs: 60_000, backoffMs: 0, testFaults: true, ...opts });
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe("worker pool", () => {
  test("sharded enrichment on 1, 2 and 4 workers is bit-identical to inline", async () => {
    expect(reference.iv.filter(Number.isFinite).length).toBeGreaterThan(700);
    for (const size of [1, 2, 4]) {
      const b = quoted();
      const { report } = await enrichBatch(pool({ size }), b, params, { minShardLegs: 100 });
      expect(report.shards).toBe(Math.min(size, 8));
      expect(report.events).toEqual([]);
      expectSameOutputs(reference, b);
    }
  });

  for (const fault of ["throw", "exit", "oom"] as WorkerFault[]) {
    test(`a worker that fails (${fault}) is replaced and its shard retried on a fresh worker`, async () => {
      const p = pool();
      const b = quoted();
      const { report } = await enrichBatch(p, b, params, { minShardLegs: 100, faults: (shard) => (shard === 1 ? [fault] : undefined) });
      expectSameOutputs(reference, b);
      expect(report.events).toHaveLength(1);
      expect(report.events[0]).toMatchObject({ job: 1, failure: fault === "exit" ? "exit" : "error", then: "retried" });
      expect(p.stats.retries).toBe(1);
      expect(p.stats.restarts).toBe(1);
      expect(p.stats.inlineJobs).toBe(0);
      expect(p.stats.workers).toBe(2);
    });
  }

  test("a shard failing on the fresh worker too is done inline", async () => {
    const p = pool();
    const b = quoted();
    const { report } = await enrichBatch(p, b, params, { minShardLegs: 100, faults: (shard) => (shard === 0 ? ["throw", "exit"] : undefined) });
    expectSameOutputs(reference, b);
    expect(report.events.map((e) => [e.failure, e.then])).toEqual([
      ["error", "retried"],
      ["exit", "inline"],
    ]);
    expect(p.stats.inlineJobs).toBe(1);
  });

  test("a shard over its time budget is abandoned and redone inline", async () => {
    // The budget is generous: on a loaded machine a healthy shard must not overrun it too.
    const p = pool({ timeoutMs: 3000 });
    const b = quoted();
    const { report } = await enrichBatch(p, b, params, { minShardLegs: 100, faults: (shard) => (shard === 1 ? ["hang"] : undefined) });
    expectSameOutputs(reference, b);
    expect(report.events).toEqual([{ job: 1, failure: "timeout", message: "no result within 3000 ms", then: "inline" }]);
    expect(p.stats.failures.timeout).toBe(1);
    // The hung worker was terminated; its slot gets a fresh worker on the next run.
    const again = quoted();
    await enrichBatch(p, again, params, { minShardLegs: 100 });
    expectSameOutputs(reference, again);
    expect(p.stats.workers).toBe(2);
  });

  test("past the restart budget, work runs inline and the output is still complete", async () => {
    const p = pool({ maxRestarts: 1 });
    const b = quoted();
    const { report } = await enrichBatch(p, b, params, { minShardLegs: 100, faults: () => ["exit", "exit"] });
    expectSameOutputs(reference, b);
    expect(p.stats.restarts).toBe(1);
    expect(p.stats.inlineJobs).toBe(2);
    expect(report.events.length).toBeGreaterThanOrEqual(2);
  });

  test("close terminates every worker and resolves", async () => {
    const p = createWorkerPool({ size: 3, timeoutMs: 1000, maxRestarts: 1, restartWindowMs: 1000, backoffMs: 0 });
    await enrichBatch(p, quoted(), params, { minShardLegs: 100 });
    await p.close();
    expect(p.stats.workers).toBe(0);
  });
});
