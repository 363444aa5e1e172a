/**
 * Reused batches through the real engine: a cycle's batch is built in the memory of an earlier
 * one only when no one holds that one any more (the published cycle, a running sink's queue).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp, createEnricher } from "../../src/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import type { ChainBatch } from "../../src/chain/batch.ts";
import type { CycleResult, Sink, SinkReport } from "../../src/contracts/index.ts";
import { instantClock, listFiles, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

const ONLY_TWO = { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } };
const FIELDS = ["strike", "last", "bid", "ask", "volume", "oi", "iv", "delta", "gamma", "theta", "vega", "rho"] as const;

/** The bytes of a batch's quote and analytics fields (what a sink writes from it), copied now. */
function bytesOf(b: ChainBatch): Buffer {
  return Buffer.concat(FIELDS.map((f) => Buffer.from(b[f].slice().buffer)));
}

const emptyReport: SinkReport = { rows: 0, bytes: 0, duplicatesSkipped: 0 };

test("a slow sink holding cycle 1 while cycles 2-6 run writes cycle 1's values; its memory is reused only after", async () => {
  const config = testConfig({ interval: 60, indices: ONLY_TWO, pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir("g6-reuse-") } });
  const calendar = createMarketCalendar({ holidays: [] });
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const published: Buffer[] = [];
  const slowWrites = new Map<number, Buffer>();
  const fastWrites = new Map<number, Buffer>();
  // Waits for cycle 6 before writing cycle 1; its queue takes every cycle meanwhile.
  const slow: Sink = {
    name: "slow",
    queue: { capacity: 8, whenFull: "block" },
    open: async () => {},
    async write(result) {
      if (result.cycle === 1) await gate;
      slowWrites.set(result.cycle, bytesOf(result.batch));
      return emptyReport;
    },
    flush: async () => {},
    close: async () => {},
  };
  const fast: Sink = {
    name: "fast",
    open: async () => {},
    write: async (result) => (fastWrites.set(result.cycle, bytesOf(result.batch)), emptyReport),
    flush: async () => {},
    close: async () => {},
  };
  const heldBuffer: { buffer: ArrayBufferLike | null } = { buffer: null };
  const sharedWithHeld: number[] = [];
  const engine = createEngine({
    config,
    provider: createSimProvider({ config, calendar }),
    sinks: [slow, fast],
    enrich: createEnricher(config, null),
    snapshotAt: () => simClock.next(),
    clock: instantClock,
    elapsed: () => performance.now(),
    log: quietLog,
    onCycle: (r: CycleResult) => {
      published.push(bytesOf(r.batch));
      if (r.cycle === 1) heldBuffer.buffer = r.batch.last.buffer;
      else if (r.cycle <= 6 && r.batch.last.buffer === heldBuffer.buffer) sharedWithHeld.push(r.cycle);
      if (r.cycle === 6) openGate();
    },
  });
  await engine.run({ cycles: 10, signal: new AbortController().signal });
  expect(published).toHaveLength(10);
  // The cycles differ (the simulated market moves), so an overwrite would show.
  expect(published[1]!.equals(published[0]!)).toBe(false);
  expect(sharedWithHeld).toEqual([]);
  for (let n = 1; n <= 10; n++) {
    expect(slowWrites.get(n)!.equals(published[n - 1]!)).toBe(true);
    expect(fastWrites.get(n)!.equals(published[n - 1]!)).toBe(true);
  }
  // The slow sink's queue held cycles 1-6 (each built fresh); once it wrote them, their memory was reused.
  expect(engine.batches.created + engine.batches.reused).toBe(10);
  expect(engine.batches.created).toBeGreaterThanOrEqual(6);
  expect(engine.batches.reused).toBeGreaterThanOrEqual(3);
  expect(engine.batches.held).toBe(1);
});

test("a sink's queue that drops its oldest cycle releases it: memory is reused, the written cycles keep their values", async () => {
  const config = testConfig({ interval: 60, indices: ONLY_TWO, pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir("g6-reuse-") } });
  const calendar = createMarketCalendar({ holidays: [] });
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const published = new Map<number, Buffer>();
  const written = new Map<number, Buffer>();
  const dropping: Sink = {
    name: "dropping",
    queue: { capacity: 1, whenFull: "drop_oldest" },
    open: async () => {},
    async write(result) {
      if (result.cycle === 1) await gate;
      written.set(result.cycle, bytesOf(result.batch));
      return emptyReport;
    },
    flush: async () => {},
    close: async () => {},
  };
  const engine = createEngine({
    config,
    provider: createSimProvider({ config, calendar }),
    sinks: [dropping],
    enrich: createEnricher(config, null),
    snapshotAt: () => simClock.next(),
    clock: instantClock,
    elapsed: () => performance.now(),
    log: quietLog,
    onCycle: (r) => {
      published.set(r.cycle, bytesOf(r.batch));
      if (r.cycle === 6) openGate();
    },
  });
  const stats = await engine.run({ cycles: 6, signal: new AbortController().signal });
  // Cycle 1 in flight, 2-5 dropped one after another, 6 written after 1.
  expect([...written.keys()]).toEqual([1, 6]);
  expect(stats.sinks.dropping!.dropped).toBe(4);
  for (const [n, bytes] of written) expect(bytes.equals(published.get(n)!)).toBe(true);
  expect(engine.batches.reused).toBeGreaterThanOrEqual(3);
  expect(engine.batches.held).toBe(1);
});

test("the files written are byte-identical with batches reused and with every batch fresh", async () => {
  const run = async (keepsResults: boolean) => {
    const dir = tempDir("g6-reuse-");
    const config = testConfig({ interval: 60, pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: dir } });
    // An onCycle that keeps results holds every batch: none is reused.
    const app = createApp(config, { log: quietLog, clock: instantClock, onCycle: () => {}, keepsResults });
    await app.run({ cycles: 6, signal: new AbortController().signal });
    const csv = listFiles(dir).filter((f) => f.endsWith(".csv"));
    return { reused: app.engine.batches.reused, files: new Map(csv.map((f) => [f, readFileSync(join(dir, f))])) };
  };
  const fresh = await run(true);
  const reused = await run(false);
  expect(fresh.reused).toBe(0);
  // Cycles back to back: the panels hold each cycle while their writer thread writes it, and
  // the next cycle is built meanwhile, so one batch more is in use than the sinks' queues alone.
  expect(reused.reused).toBeGreaterThanOrEqual(3);
  expect(fresh.files.size).toBeGreaterThan(10);
  expect([...reused.files.keys()]).toEqual([...fresh.files.keys()]);
  for (const [f, bytes] of fresh.files) expect(reused.files.get(f)!.equals(bytes)).toBe(true);
});
