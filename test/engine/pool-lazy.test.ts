/**
 * `pool: auto` below the break-even size runs as inline does: the app's pool spawns its workers
 * only for a plan at `pool.min_shard_legs` or above, or at the first batch that reaches them.
 */
import { expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createWorkerPool } from "../../src/engine/pool.ts";
import { enrichBatch } from "../../src/engine/compute.ts";
import { enrichParams } from "../../src/engine/cycle.ts";
import { quotedBatch } from "../../bench/support.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

const ONLY_NIFTY = { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } };

test("a lazy pool spawns no worker until its first run, then its lanes", async () => {
  const p = createWorkerPool({ size: 2, timeoutMs: 5000, maxRestarts: 10, restartWindowMs: 60_000, backoffMs: 0, lazy: true });
  try {
    expect(p.stats.workers).toBe(0);
    const specs = [{ index: "NIFTY", tag: "t", expiry: "2026-12-01", spot: 24010, atm: 24000, T: 0.02, df: 0.999, strikes: Float64Array.from({ length: 61 }, (_, k) => 22500 + 50 * k) }];
    const b = quotedBatch(specs, 3, { missing: 0, zero: 0, stale: 0 });
    const { report } = await enrichBatch(p, b, enrichParams(testConfig({})), { minShardLegs: 10 });
    expect(report.shards).toBe(1);
    expect(p.stats.workers).toBe(2);
    expect(p.stats.jobs).toBe(1);
  } finally {
    await p.close();
  }
});

test("the app's pool: a plan below min_shard_legs runs with no worker; one at or above it starts them before the first cycle", async () => {
  const run = async (minShardLegs: number) => {
    const config = testConfig({ interval: 60, indices: ONLY_NIFTY, pool: { size: 2, min_shard_legs: minShardLegs }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir("g6-lazy-") } });
    const app = createApp(config, { log: quietLog, clock: instantClock });
    const before = app.pool!.stats.workers;
    const stats = await app.run({ cycles: 2, signal: new AbortController().signal });
    return { before, jobs: app.pool!.stats.jobs, legs: app.state.latest()!.result.legsRequested, shards: app.state.latest()!.result.compute.enrich.shards, cycles: stats.cyclesRun };
  };
  const small = await run(1_000_000);
  expect(small.legs).toBeGreaterThan(0);
  expect(small).toMatchObject({ before: 0, jobs: 0, shards: 1, cycles: 2 });
  const big = await run(10);
  expect(big.before).toBe(2);
  expect(big.jobs).toBeGreaterThan(0);
  expect(big.shards).toBe(2);
});
