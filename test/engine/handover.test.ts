/**
 * The hand-over of a cycle to the sinks, with and without live pool workers. With workers the
 * sinks' writes of cycle N run beside cycle N+1's pool jobs (the hand-over starts on the event
 * loop's next turn, after the scheduler started the next cycle); inline it happens at once, as
 * it always did. Either way every cycle reaches every sink, in order, the last one included.
 */
import { expect, test } from "bun:test";
import { createEnricher, createPool } from "../../src/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { systemClock } from "../../src/engine/scheduler.ts";
import { createComputePort } from "../../src/engine/compute.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import type { CycleResult, EngineStats, Sink, SinkReport } from "../../src/contracts/index.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

const CYCLES = 6;
const emptyReport: SinkReport = { rows: 0, bytes: 0, duplicatesSkipped: 0 };

/** `backToBack`: interval 0 with the system clock's zero sleep (a real event-loop turn between cycles). */
async function run(poolSize: number, backToBack = false) {
  const config = testConfig({ interval: backToBack ? 0 : 60, pool: { size: poolSize, min_shard_legs: 60 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir("g6-handover-") } });
  const calendar = createMarketCalendar({ holidays: [] });
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
  const pool = createPool(config);
  /** Pool jobs started when each cycle ended, and when each cycle's write began. */
  const jobsAtEnd = new Map<number, number>();
  const jobsAtWrite = new Map<number, number>();
  const written: number[] = [];
  const order: string[] = [];
  const workersSeen: number[] = [];
  const sink: Sink = {
    name: "probe",
    queue: { capacity: 1, whenFull: "block" },
    open: async () => {},
    async write(result: CycleResult, stats: Readonly<EngineStats>) {
      jobsAtWrite.set(result.cycle, pool?.stats.jobs ?? 0);
      workersSeen.push(stats.pool?.workers ?? 0);
      written.push(result.cycle);
      order.push(`write ${result.cycle}`);
      return emptyReport;
    },
    flush: async () => {},
    close: async () => {},
  };
  const engine = createEngine({
    config,
    provider: createSimProvider({ config, calendar, compute: createComputePort(pool, { minShardLegs: 60 }) }),
    sinks: [sink],
    enrich: createEnricher(config, pool),
    snapshotAt: () => simClock.next(),
    clock: backToBack ? { now: instantClock.now, sleep: systemClock.sleep } : instantClock,
    elapsed: () => performance.now(),
    poolStats: () => pool?.stats ?? null,
    log: quietLog,
    onCycle: (r) => {
      jobsAtEnd.set(r.cycle, pool?.stats.jobs ?? 0);
      order.push(`end ${r.cycle}`);
    },
  });
  try {
    await engine.run({ cycles: CYCLES, signal: new AbortController().signal });
  } finally {
    await pool?.close();
  }
  return { jobsAtEnd, jobsAtWrite, written, workersSeen, order };
}

test("with live workers, a cycle's write runs after the next cycle dispatched its pool jobs; every cycle is written, in order", async () => {
  const { jobsAtEnd, jobsAtWrite, written, workersSeen } = await run(2);
  expect(written).toEqual([1, 2, 3, 4, 5, 6]);
  expect(workersSeen.every((w) => w === 2)).toBe(true);
  // Each cycle runs jobs on the pool (quotes and enrichment, two shards each).
  for (let n = 2; n <= CYCLES; n++) expect(jobsAtEnd.get(n)! - jobsAtEnd.get(n - 1)!).toBeGreaterThanOrEqual(4);
  // Cycles 1-5: when their write began, the next cycle's first jobs had been dispatched.
  for (let n = 1; n < CYCLES; n++) expect(jobsAtWrite.get(n)!).toBeGreaterThan(jobsAtEnd.get(n)!);
  // The last cycle has no next one: it is handed over at shutdown, before the sinks close.
  expect(jobsAtWrite.get(CYCLES)).toBe(jobsAtEnd.get(CYCLES));
}, 30_000);

test("back to back with a real zero sleep between cycles, a cycle's write still runs after the next cycle dispatched its jobs", async () => {
  const { jobsAtEnd, jobsAtWrite, written } = await run(2, true);
  expect(written).toEqual([1, 2, 3, 4, 5, 6]);
  for (let n = 1; n < CYCLES; n++) expect(jobsAtWrite.get(n)!).toBeGreaterThan(jobsAtEnd.get(n)!);
}, 30_000);

test("inline, a cycle is handed over at once: its write begins before the next cycle starts", async () => {
  const { written, workersSeen, order } = await run(0);
  expect(written).toEqual([1, 2, 3, 4, 5, 6]);
  expect(workersSeen.every((w) => w === 0)).toBe(true);
  expect(order).toEqual(written.flatMap((n) => [`end ${n}`, `write ${n}`]));
}, 30_000);
