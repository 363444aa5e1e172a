/**
 * Shards of a shared batch (the batch pool's) computed in place by real Bun workers: nothing is
 * copied or sent back, the output is bit-identical to inline, and a worker that wrote part of
 * its range before it failed (exit, throw, over its time budget while still writing) leaves no
 * trace: the range is computed again, on a fresh worker or inline.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createBatch, type ChainBatch } from "../../src/chain/batch.ts";
import { createBatchPool } from "../../src/chain/batch-pool.ts";
import { enrichGroups } from "../../src/chain/enrich.ts";
import { ENRICH_INPUTS, QUOTE_INPUTS, sharedBatch, shardMessage } from "../../src/chain/shard.ts";
import { enrichBatch, runSharded } from "../../src/engine/compute.ts";
import { enrichParams } from "../../src/engine/cycle.ts";
import { jobTransferList } from "../../src/engine/jobs.ts";
import { createWorkerPool, type PoolOptions, type WorkerPool } from "../../src/engine/pool.ts";
import { simulateQuotes } from "../../src/providers/sim/model.ts";
import { FIXTURE_AT, quotedBatch } from "../../bench/support.ts";
import { testConfig } from "../helpers/engine.ts";
import type { Scribble } from "../fakes/scribble-worker.ts";

const params = enrichParams(testConfig({}));
const SPECS = Array.from({ length: 8 }, (_, g) => {
  const T = (2 + 7 * g) / 365;
  const strikes = Float64Array.from({ length: 61 }, (_, k) => 22500 + 50 * k);
  return { index: "NIFTY", tag: `t${g}`, expiry: `2026-12-${String(1 + g).padStart(2, "0")}`, spot: 24010, atm: 24000, T, df: Math.exp(-0.065 * T), strikes };
});
const FAULTS = { missing: 0.05, zero: 0.02, stale: 0.05 };
const batches = createBatchPool();
/** A quoted, not yet enriched batch in shared memory: 8 groups of 61 strikes (976 legs). */
const sharedQuoted = (): ChainBatch => quotedBatch(SPECS, 3, FAULTS, (s) => batches.acquire(s));

const OUTPUTS = ["iv", "delta", "gamma", "theta", "vega", "rho", "ivSource", "ivFail", "g_forward", "forwardSource"] as const;
const bytes = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function expectSameOutputs(a: ChainBatch, b: ChainBatch) {
  for (const f of OUTPUTS) expect(bytes(b[f]).equals(bytes(a[f]))).toBe(true);
}

const reference = quotedBatch(SPECS, 3, FAULTS);
enrichGroups(reference, 0, reference.groups, params);

const pools: WorkerPool[] = [];
function pool(opts: Partial<PoolOptions> = {}) {
  const p = createWorkerPool({ size: 2, timeoutMs: 5000, maxRestarts: 10, restartWindowMs: 60_000, backoffMs: 0, ...opts });
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe("shards of a shared batch", () => {
  test("a batch pool's batch is shared memory, createBatch's is not; a shared job carries the batch itself and transfers nothing", () => {
    const b = sharedQuoted();
    expect(sharedBatch(b)).toBe(true);
    expect(sharedBatch(createBatch(SPECS))).toBe(false);
    const m = shardMessage(b, 2, 5, ENRICH_INPUTS);
    expect(m.range).toEqual({ g0: 2, g1: 5 });
    expect(m.legs).toBe(b.legs);
    expect(m.arrays.iv).toBe(b.iv);
    expect(m.arrays.g_forward).toBe(b.g_forward);
    expect(jobTransferList({ kind: "enrich", batch: m, params })).toEqual([]);
    // A batch not in shared memory is still cut into a copy of the range.
    const copy = shardMessage(createBatch(SPECS), 2, 5, ENRICH_INPUTS);
    expect(copy.range).toBeUndefined();
    expect(copy.legs).toBe(3 * 122);
  });

  test("enrichment and row rendering in place on 1, 2 and 4 workers: bit-identical to inline, nothing sent back", async () => {
    const render = "2026-11-20T10:30:00+05:30";
    const inline = quotedBatch(SPECS, 3, FAULTS);
    const rows = (await enrichBatch(null, inline, params, { render })).rendered!;
    for (const size of [1, 2, 4]) {
      const b = sharedQuoted();
      const p = pool({ size });
      const out = await enrichBatch(p, b, params, { minShardLegs: 100, render });
      expect(out.report).toEqual({ shards: Math.min(size, 8), events: [] });
      expectSameOutputs(reference, b);
      expect(Buffer.concat(out.rendered!.map((r) => r.bytes)).equals(Buffer.from(rows[0]!.bytes))).toBe(true);
      const run = await runSharded(p, b, (r) => ({ kind: "enrich", batch: shardMessage(b, r.g0, r.g1, ENRICH_INPUTS), params, render: null }), { minShardLegs: 100 });
      for (const arrays of run.results) expect(Object.keys(arrays)).toEqual([]);
    }
  });

  test("simulated quotes in place equal the inline ones", async () => {
    const n = SPECS.length;
    const fill = (x: number) => new Float64Array(n).fill(x);
    const inputs = { baseVol: fill(0.13), openSpot: fill(24000), listedLo: fill(22600), listedHi: fill(25000), strikeStep: fill(50), lotSize: fill(75), activity: fill(1), key: Float64Array.from({ length: n }, (_, g) => g + 1) };
    const sim = { seed: 5, r: 0.065, tick: 0.05, at: FIXTURE_AT, sessionOpen: FIXTURE_AT - 3600e3, sessionClose: FIXTURE_AT + 3600e3, missingRate: 0.05, zeroPriceRate: 0.02, staleRate: 0.05 };
    const inline = createBatch(SPECS);
    simulateQuotes(inline, 0, n, inputs, sim);
    const b = batches.acquire(SPECS);
    const all = (): Record<string, Float64Array> => Object.fromEntries(Object.entries(inputs).map(([k, a]) => [k, a.slice()]));
    const run = await runSharded(pool(), b, (r) => ({ kind: "simulate", batch: shardMessage(b, r.g0, r.g1, QUOTE_INPUTS), params: sim, inputs: all() }), { minShardLegs: 100 });
    expect(run.shards).toBe(2);
    for (const f of ["last", "avg", "bid", "ask", "volume", "oi", "netChange", "quoteTime"] as const) expect(bytes(b[f]).equals(bytes(inline[f]))).toBe(true);
  });

  const scribbling = (left: number, then: Scribble["then"]) => ({ ...params, scribble: { left: new Int32Array(new SharedArrayBuffer(4)).fill(left), then } });
  const scribbler = (opts: Partial<PoolOptions> = {}) => pool({ workerUrl: new URL("../fakes/scribble-worker.ts", import.meta.url), ...opts });

  for (const then of ["exit", "throw"] as const) {
    test(`a worker that wrote part of its range and failed (${then}): the range is computed again on a fresh worker`, async () => {
      const p = scribbler();
      const b = sharedQuoted();
      const { report } = await enrichBatch(p, b, scribbling(1, then), { minShardLegs: 100 });
      expectSameOutputs(reference, b);
      expect(report.events).toHaveLength(1);
      expect(report.events[0]).toMatchObject({ failure: then === "exit" ? "exit" : "error", then: "retried" });
      expect(p.stats.inlineJobs).toBe(0);
    });
  }

  test("failing on the fresh worker too, after partial writes each time: the range is computed inline", async () => {
    const p = scribbler();
    const b = sharedQuoted();
    const { report } = await enrichBatch(p, b, scribbling(4, "throw"), { minShardLegs: 100 });
    expectSameOutputs(reference, b);
    expect(report.events.map((e) => e.then).sort()).toEqual(["inline", "inline", "retried", "retried"]);
    expect(p.stats.inlineJobs).toBe(2);
  });

  test("a worker over its time budget that is still writing its range is gone before the range is redone inline", async () => {
    const p = scribbler({ timeoutMs: 3000 });
    const b = sharedQuoted();
    const { report } = await enrichBatch(p, b, scribbling(1, "hang"), { minShardLegs: 100 });
    expect(report.events).toEqual([expect.objectContaining({ failure: "timeout", then: "inline" })]);
    expectSameOutputs(reference, b);
    // Nothing writes the batch any more.
    await Bun.sleep(50);
    expectSameOutputs(reference, b);
  });
});
