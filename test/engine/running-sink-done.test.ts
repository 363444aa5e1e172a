/**
 * The running sink tells when it is done with each cycle handed over (the engine then releases
 * the cycle's batch for reuse): exactly once per cycle, whether written, failed for good,
 * dropped from the queue, spooled, or left waiting at shutdown; never while the sink may still
 * read it.
 */
import { expect, test } from "bun:test";
import { createConsola } from "consola";
import { createRunningSink, type RunningSinkPolicy } from "../../src/engine/running-sink.ts";
import { type CycleResult, emptySinkTotals, type EngineStats, type Sink, SinkError, type SinkReport, type SinkSpool, type SpoolableSink } from "../../src/contracts/index.ts";

const OK: SinkReport = { rows: 1, bytes: 10, duplicatesSkipped: 0 };
const STATS = {} as EngineStats;
const cycle = (n: number) => ({ cycle: n }) as CycleResult;

function harness(sink: Sink, policy: Partial<RunningSinkPolicy> = {}, spool?: SinkSpool) {
  const done: number[] = [];
  const totals = emptySinkTotals();
  const running = createRunningSink({
    sink,
    policy: { capacity: 4, whenFull: "block", flushIntervalMs: 0, retries: 1, retryBaseMs: 1, retryMaxMs: 1, stallMs: 0, ...policy },
    totals,
    spool,
    env: { now: () => 0, sleep: () => new Promise((r) => setImmediate(r)), random: () => 0.5 },
    wallNow: () => Date.now(),
    log: createConsola({ level: -999 }),
    onError: () => {},
    onDone: (r) => done.push(r.cycle),
  });
  return { running, totals, done };
}

const sinkOf = (write: Sink["write"]): Sink => ({ name: "s", open: async () => {}, write, flush: async () => {}, close: async () => {} });

test("written and failed-for-good cycles are done once each, after their write returned", async () => {
  const writing: number[] = [];
  const h = harness(
    sinkOf(async (r) => {
      writing.push(r.cycle);
      // Still being written: not done yet.
      expect(h.done).not.toContain(r.cycle);
      if (r.cycle === 2) throw new SinkError("s", "refused");
      return OK;
    }),
  );
  await h.running.open();
  for (const n of [1, 2, 3]) await h.running.enqueue(cycle(n), STATS);
  await h.running.close(5_000);
  expect(writing).toEqual([1, 2, 3]);
  expect(h.done).toEqual([1, 2, 3]);
  expect(h.totals.dropped).toBe(1);
});

test("drop_oldest: a dropped cycle is done when dropped; shutdown's leftovers when left", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const h = harness(
    sinkOf(async (r) => {
      if (r.cycle === 1) await gate;
      return OK;
    }),
    { capacity: 1, whenFull: "drop_oldest" },
  );
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS); // in flight, held at the gate
  await Bun.sleep(1);
  await h.running.enqueue(cycle(2), STATS);
  await h.running.enqueue(cycle(3), STATS); // drops 2
  expect(h.done).toEqual([2]);
  const closing = h.running.close(20); // 3 is still waiting at the deadline: left, done
  await Bun.sleep(60);
  expect(h.done).toEqual([2, 3]);
  open();
  await closing;
  expect(h.done).toEqual([2, 3, 1]);
});

test("a spoolable sink's cycles are done once encoded into the spool", async () => {
  const items: Uint8Array[] = [];
  const spool: SinkSpool = {
    get pending() {
      return items.length;
    },
    get bytes() {
      return items.length;
    },
    append: async (p) => void items.push(p),
    oldest: async () => items[0] ?? null,
    ack: async () => void items.shift(),
    close: async () => {},
  };
  const encoded: number[] = [];
  const sink: SpoolableSink = {
    ...sinkOf(async () => OK),
    encode: (r) => (encoded.push(r.cycle), new TextEncoder().encode(`cycle ${r.cycle}`)),
    deliver: async () => OK,
  };
  const h = harness(sink, {}, spool);
  await h.running.open();
  for (const n of [1, 2]) await h.running.enqueue(cycle(n), STATS);
  await h.running.close(5_000);
  expect(encoded).toEqual([1, 2]);
  expect(h.done).toEqual([1, 2]);
});
