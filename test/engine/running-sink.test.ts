/**
 * The running sink on its own: queue policies (block, drop_oldest), retries with backoff and
 * jitter, failures for good, the spool hook (order kept, nothing lost), stalls, the flush timer
 * and the shutdown deadline. Sinks here are fakes with scripted outcomes; the clock for backoff
 * is a fake that records each wait.
 */
import { expect, test } from "bun:test";
import { createConsola } from "consola";
import { createRunningSink, type RunningSinkPolicy } from "../../src/engine/running-sink.ts";
import type { RunningEnv } from "../../src/engine/running-provider.ts";
import { type CycleResult, emptySinkTotals, type EngineStats, type Sink, SinkError, type SinkReport, type SinkSpool, type SpoolableSink } from "../../src/contracts/index.ts";

const OK: SinkReport = { rows: 2, bytes: 20, duplicatesSkipped: 0 };
const cycle = (n: number) => ({ cycle: n }) as CycleResult;
const STATS = {} as EngineStats;

function harness(sink: Sink, policy: Partial<RunningSinkPolicy> = {}, spool?: SinkSpool) {
  const sleeps: number[] = [];
  const errors: string[] = [];
  const lines: string[] = [];
  // Waits are recorded, not slept; each still yields to the event loop, as a real one would.
  const env: RunningEnv = { now: () => 0, sleep: (ms) => (sleeps.push(ms), new Promise((r) => setImmediate(r))), random: () => 0.5 };
  const totals = emptySinkTotals();
  const running = createRunningSink({
    sink,
    policy: { capacity: 4, whenFull: "block", flushIntervalMs: 0, retries: 3, retryBaseMs: 100, retryMaxMs: 250, stallMs: 0, ...policy },
    totals,
    spool,
    env,
    wallNow: () => Date.now(),
    log: createConsola({ level: 3, reporters: [{ log: (o) => lines.push(`${o.type} ${o.args.join(" ")}`) }] }),
    onError: (m) => errors.push(m),
  });
  return { running, totals, sleeps, errors, lines };
}

/** A sink whose writes resolve when the test says so, recording the cycles written in order. */
function gatedSink(name = "gated") {
  const written: number[] = [];
  const gates: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const sink: Sink = {
    name,
    open: async () => {},
    write: async (r) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
      written.push(r.cycle);
      return OK;
    },
    flush: async () => {},
    close: async () => {},
  };
  const release = async () => {
    while (!gates.length) await Bun.sleep(1);
    gates.shift()!();
    await Bun.sleep(1);
  };
  return { sink, written, release, maxActive: () => maxActive };
}

test("block: a full queue makes the hand-over wait for room; cycles are written in order, one at a time, none lost", async () => {
  const g = gatedSink();
  const h = harness(g.sink, { capacity: 1, whenFull: "block" });
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS); // in flight
  await h.running.enqueue(cycle(2), STATS); // waiting: the queue is full
  let third = false;
  const handed = h.running.enqueue(cycle(3), STATS).then(() => (third = true));
  await Bun.sleep(5);
  expect(third).toBe(false);
  expect(h.totals).toMatchObject({ queued: 2, blocked: 1 });
  await g.release(); // cycle 1 written; cycle 2 in flight, room for cycle 3
  await handed;
  expect(third).toBe(true);
  await g.release();
  await g.release();
  await h.running.close(1000);
  expect(g.written).toEqual([1, 2, 3]);
  expect(g.maxActive()).toBe(1);
  expect(h.totals).toMatchObject({ written: 3, rows: 6, bytes: 60, queued: 0, dropped: 0, blocked: 1, oldestQueuedAt: null });
});

test("drop_oldest: a full queue drops the oldest waiting cycle (never the one being written), counted", async () => {
  const g = gatedSink();
  const h = harness(g.sink, { capacity: 1, whenFull: "drop_oldest" });
  await h.running.open();
  for (const n of [1, 2, 3, 4]) await h.running.enqueue(cycle(n), STATS);
  expect(h.totals).toMatchObject({ queued: 2, dropped: 2 });
  await g.release();
  await g.release();
  await h.running.close(1000);
  expect(g.written).toEqual([1, 4]);
  expect(h.totals).toMatchObject({ written: 2, dropped: 2, blocked: 0 });
});

test("a retriable failure is retried with backoff and full jitter, capped; the sink shows failing while it retries; nothing lost", async () => {
  let calls = 0;
  const failingDuring: number[] = [];
  const h = harness(
    {
      name: "flaky",
      open: async () => {},
      write: async () => {
        calls++;
        failingDuring.push(h.totals.failing.length);
        if (calls <= 3) throw new SinkError("flaky", "connection refused", { code: "unavailable", retriable: true });
        return OK;
      },
      flush: async () => {},
      close: async () => {},
    },
    { retries: 3, retryBaseMs: 100, retryMaxMs: 250 },
  );
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS);
  await h.running.close(1000);
  // random 0.5: 0.5·100·2^k → 50, 100, 200 (under the 250 cap).
  expect(h.sleeps).toEqual([50, 100, 200]);
  expect(failingDuring).toEqual([0, 1, 1, 1]);
  expect(h.totals).toMatchObject({ written: 1, rows: 2, retries: 3, dropped: 0, errors: 0, failing: [] });
  // One line when it started failing, one when it wrote again.
  expect(h.errors).toEqual(["sink flaky: nothing written (connection refused)"]);
  expect(h.lines).toEqual(["info sink flaky: writing again"]);
});

test("backoff is capped at retry_max_ms", async () => {
  let calls = 0;
  const h = harness(
    {
      name: "down",
      open: async () => {},
      write: async () => {
        if (++calls <= 5) throw new SinkError("down", "503", { code: "unavailable", retriable: true });
        return OK;
      },
      flush: async () => {},
      close: async () => {},
    },
    { retries: 5, retryBaseMs: 100, retryMaxMs: 250 },
  );
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS);
  await h.running.close(1000);
  expect(h.sleeps).toEqual([50, 100, 200, 250, 250]);
});

test("a failure a retry cannot fix is not retried: the cycle is dropped, counted and shown; the next cycle is written", async () => {
  let calls = 0;
  const h = harness({
    name: "full",
    open: async () => {},
    write: async () => {
      if (++calls === 1) throw new SinkError("full", "ENOSPC: no space left on device", { code: "no_space" });
      return OK;
    },
    flush: async () => {},
    close: async () => {},
  });
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS);
  await Bun.sleep(2);
  expect(h.totals).toMatchObject({ dropped: 1, errors: 1, retries: 0, failing: [{ target: "", code: "no_space", reason: "ENOSPC: no space left on device" }] });
  await h.running.enqueue(cycle(2), STATS);
  await h.running.close(1000);
  expect(h.sleeps).toEqual([]);
  expect(h.totals).toMatchObject({ written: 1, dropped: 1, errors: 1, failing: [] });
});

test("retries exhausted without a spool: the cycle is dropped and counted", async () => {
  const h = harness(
    {
      name: "gone",
      open: async () => {},
      write: async () => Promise.reject(new SinkError("gone", "connection refused", { code: "unavailable", retriable: true })),
      flush: async () => {},
      close: async () => {},
    },
    { retries: 2 },
  );
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS);
  await h.running.close(1000);
  expect(h.totals).toMatchObject({ written: 0, dropped: 1, retries: 2, errors: 1 });
  expect(h.totals.failing[0]!.code).toBe("unavailable");
});

/** A spool in memory, with the contract's semantics (FIFO, ack removes the oldest). */
function memorySpool(): SinkSpool & { items: Uint8Array[] } {
  const items: Uint8Array[] = [];
  return {
    items,
    get pending() {
      return items.length;
    },
    get bytes() {
      return items.reduce((n, p) => n + p.length, 0);
    },
    append: async (p) => void items.push(p),
    oldest: async () => items[0] ?? null,
    ack: async () => void items.shift(),
    close: async () => {},
  };
}

test("spool hook: while the target is down, cycles go to the spool in order; once it is back, the spool is delivered oldest first, then the rest; nothing lost", async () => {
  const delivered: string[] = [];
  let up = false;
  const sink: SpoolableSink = {
    name: "remote",
    open: async () => {},
    write: async () => {
      throw new Error("a spoolable sink is written through deliver");
    },
    encode: (r) => new TextEncoder().encode(`cycle ${r.cycle}`),
    deliver: async (payload) => {
      if (!up) throw new SinkError("remote", "connection refused", { code: "unavailable", retriable: true });
      delivered.push(new TextDecoder().decode(payload));
      return { rows: 1, bytes: payload.length, duplicatesSkipped: 0 };
    },
    flush: async () => {},
    close: async () => {},
  };
  const spool = memorySpool();
  const h = harness(sink, { retries: 1 }, spool);
  await h.running.open();
  for (const n of [1, 2, 3]) await h.running.enqueue(cycle(n), STATS);
  await Bun.sleep(5);
  expect(spool.items.map((p) => new TextDecoder().decode(p))).toEqual(["cycle 1", "cycle 2", "cycle 3"]);
  expect(h.totals).toMatchObject({ spooled: 3, dropped: 0 });
  // An outage while the spool keeps everything: degraded (shown), not failing (still ready).
  expect(h.totals.failing).toEqual([]);
  expect(h.totals.degraded).toStartWith("connection refused; spooling");
  up = true;
  await h.running.enqueue(cycle(4), STATS);
  await h.running.close(1000);
  expect(delivered).toEqual(["cycle 1", "cycle 2", "cycle 3", "cycle 4"]);
  expect(spool.pending).toBe(0);
  expect(h.totals).toMatchObject({ spooled: 0, dropped: 0, rows: 4, failing: [], degraded: "" });
});

test("spool hook: payloads spooled by an earlier run are delivered at open, before new cycles", async () => {
  const delivered: string[] = [];
  const sink: SpoolableSink = {
    name: "remote",
    open: async () => {},
    write: async () => OK,
    encode: (r) => new TextEncoder().encode(`cycle ${r.cycle}`),
    deliver: async (payload) => (delivered.push(new TextDecoder().decode(payload)), { rows: 1, bytes: payload.length, duplicatesSkipped: 0 }),
    flush: async () => {},
    close: async () => {},
  };
  const spool = memorySpool();
  spool.items.push(new TextEncoder().encode("yesterday 1"), new TextEncoder().encode("yesterday 2"));
  const h = harness(sink, {}, spool);
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS);
  await h.running.close(1000);
  expect(delivered).toEqual(["yesterday 1", "yesterday 2", "cycle 1"]);
});

test("shutdown deadline: the write in flight finishes; cycles still waiting are dropped and counted, in one error line", async () => {
  const g = gatedSink("stuck");
  const h = harness(g.sink, { capacity: 4 });
  await h.running.open();
  for (const n of [1, 2, 3]) await h.running.enqueue(cycle(n), STATS);
  const closing = h.running.close(30);
  await Bun.sleep(60);
  await g.release();
  await closing;
  expect(g.written).toEqual([1]);
  expect(h.totals).toMatchObject({ written: 1, dropped: 2, queued: 0 });
  expect(h.errors).toEqual(["sink stuck: 2 cycles not written at shutdown (still waiting after 0.0 s)"]);
  // Closed: nothing more is taken.
  await expect(h.running.enqueue(cycle(4), STATS)).rejects.toThrow("sink stuck is closed");
});

test("a write past the stall threshold shows the sink failing (timeout) until it returns", async () => {
  const g = gatedSink("slow");
  const h = harness(g.sink, { stallMs: 20 });
  await h.running.open();
  await h.running.enqueue(cycle(1), STATS);
  await Bun.sleep(60);
  expect(h.totals.failing).toEqual([{ target: "", code: "timeout", reason: "a write has been running for more than 0 s" }]);
  await g.release();
  expect(h.totals.failing).toEqual([]);
  await h.running.close(1000);
  expect(h.totals.written).toBe(1);
});

test("the flush timer flushes between writes, never during one", async () => {
  let writing = false;
  let flushes = 0;
  let flushedDuringWrite = false;
  const h = harness(
    {
      name: "batched",
      open: async () => {},
      write: async () => {
        writing = true;
        await Bun.sleep(30);
        writing = false;
        return OK;
      },
      flush: async () => {
        flushes++;
        if (writing) flushedDuringWrite = true;
      },
      close: async () => {},
    },
    { flushIntervalMs: 5 },
  );
  await h.running.open();
  for (const n of [1, 2, 3]) await h.running.enqueue(cycle(n), STATS);
  await Bun.sleep(120);
  await h.running.close(1000);
  expect(flushes).toBeGreaterThan(1);
  expect(flushedDuringWrite).toBe(false);
  expect(h.totals.written).toBe(3);
});
