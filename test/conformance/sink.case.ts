/**
 * The Sink conformance suite: the same cases for every implementation of src/contracts/sink.ts,
 * fed with real cycle results (the engine on the simulated market). An implementation plugs in
 * with one test file that calls `sinkConformance(name, factory, { lacks })`; the factory knows
 * how to build the sink in a temp directory, how much it has on disk, and how to make one of
 * its targets unwritable. `lacks` names the capabilities it does not have (their cases are
 * skipped).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createConsola } from "consola";
import { type CycleResult, emptySinkTotals, type EngineStats, type Sink, SinkError, SINK_FAULT_CODES, type SinkReport } from "../../src/contracts/index.ts";
import { createRunningSink, DEFAULT_QUEUE } from "../../src/engine/running-sink.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

/** What an implementation may not support; its cases are skipped. */
export type SinkCapability =
  /** A target can be made unwritable (`breakTarget`), and the write reports it as a fault. */
  | "target_faults"
  /** `flush` after `close` resolves (a sink lacking it documents what it does instead). */
  | "flush_after_close"
  /**
   * Writing a cycle again (a retry after a write that reached the target) leaves the output as
   * one write did: what makes a retry safe.
   */
  | "repeatable_write";

export type SinkFixture = {
  sink: Sink;
  /** Bytes of the sink's output on disk now (after its first write: what that write wrote). */
  bytesOnDisk(): number;
  /**
   * Makes a target that writing `result` needs unwritable (e.g. a directory where a file goes);
   * returns the target the fault must name.
   */
  breakTarget?(result: CycleResult): string;
};

/** Builds the sink under `dir` (a fresh temp directory). */
export type SinkFactory = (dir: string) => SinkFixture | Promise<SinkFixture>;

export type SinkConformanceOptions = { lacks: readonly SinkCapability[] };

type Cycle = { result: CycleResult; stats: Readonly<EngineStats> };

/** Three cycles of the real engine on the simulated market (no sinks of its own). */
async function realCycles(): Promise<Cycle[]> {
  const config = testConfig({
    pool: { size: 0 },
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: { data_dir: tempDir(), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: false } },
  });
  const cycles: Cycle[] = [];
  const app = createApp(config, { log: quietLog, clock: instantClock, onCycle: (result, stats) => cycles.push({ result, stats: structuredClone(stats) }) });
  await app.run({ cycles: 3, signal: new AbortController().signal });
  return cycles;
}

/**
 * Writes `cycles` through a running sink around `sink` (fake backoff clock, 3 retries), then
 * closes it; returns the running sink's totals and its error lines.
 */
async function throughRunningSink(sink: Sink, cycles: readonly Cycle[]) {
  const totals = emptySinkTotals();
  const errors: string[] = [];
  const running = createRunningSink({
    sink,
    // Room for every cycle: what is checked is the write and its retry, not the queue's policy.
    policy: { ...DEFAULT_QUEUE, ...sink.queue, capacity: cycles.length, whenFull: "block", retries: 3, retryBaseMs: 1, retryMaxMs: 1, stallMs: 0 },
    totals,
    env: { now: () => 0, sleep: () => new Promise((r) => setImmediate(r)), random: () => 0.5 },
    wallNow: () => Date.now(),
    log: createConsola({ level: -999 }),
    onError: (m) => errors.push(m),
  });
  await running.open();
  for (const c of cycles) await running.enqueue(c.result, c.stats);
  await running.close(5000);
  return { totals, errors };
}

/** `sink` with its write of cycle `n` failing once, retriably: before reaching the target, or after. */
function failingOnce(sink: Sink, n: number, when: "before" | "after"): Sink {
  let failed = false;
  const fail = () => {
    failed = true;
    throw new SinkError(sink.name, "connection reset", { code: "unavailable", retriable: true });
  };
  return {
    name: sink.name,
    ...(sink.queue ? { queue: sink.queue } : {}),
    open: () => sink.open(),
    async write(result, stats) {
      if (result.cycle !== n || failed) return sink.write(result, stats);
      if (when === "before") fail();
      await sink.write(result, stats);
      return fail();
    },
    flush: () => sink.flush(),
    close: () => sink.close(),
  };
}

/** Settles `p`: a rejection must be a SinkError (what a sink throws), and is returned. */
async function settled(p: Promise<void>): Promise<unknown> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (err !== null) expect(err).toBeInstanceOf(SinkError);
  return err;
}

export function sinkConformance(name: string, factory: SinkFactory, opts: SinkConformanceOptions): void {
  const has = (c: SinkCapability) => !opts.lacks.includes(c);
  // A case for a capability the implementation declares it lacks is not registered (rather than
  // skipped): the run's counts then hold only cases that ran.
  const testIf = (c: SinkCapability) => (has(c) ? test : ((() => undefined) as unknown as typeof test));

  describe(`sink conformance: ${name}`, () => {
    let cycles: Cycle[] = [];
    beforeAll(async () => {
      cycles = await realCycles();
      // The cycles are real and OK: what a sink writes of them is not empty.
      expect(cycles.map((c) => c.result.status)).toEqual(["OK", "OK", "OK"]);
    });
    const make = () => factory(tempDir(`g6-${name}-case-`));

    test("open → write → flush → close on real cycles; every write reports rows and bytes, no faults", async () => {
      const { sink } = await make();
      expect(sink.name).toBe(name);
      await sink.open();
      const reports: SinkReport[] = [];
      for (const c of cycles) reports.push(await sink.write(c.result, c.stats));
      await sink.flush();
      await sink.close();
      for (const r of reports) {
        expect(r.rows).toBeGreaterThan(0);
        expect(r.bytes).toBeGreaterThan(0);
        expect(r.duplicatesSkipped).toBe(0);
        expect(r.faults ?? []).toEqual([]);
      }
    });

    test("a write's bytes are the bytes it put on disk", async () => {
      const { sink, bytesOnDisk } = await make();
      await sink.open();
      expect(bytesOnDisk()).toBe(0);
      const report = await sink.write(cycles[0]!.result, cycles[0]!.stats);
      await sink.flush();
      expect(report.bytes).toBe(bytesOnDisk());
      await sink.close();
    });

    test("close is idempotent, with or without a write", async () => {
      const fresh = await make();
      await fresh.sink.open();
      await fresh.sink.close();
      await fresh.sink.close();
      const { sink } = await make();
      await sink.open();
      await sink.write(cycles[0]!.result, cycles[0]!.stats);
      await sink.flush();
      await sink.close();
      await sink.close();
    });

    test("its declared queue policy is one the running sink can follow", async () => {
      const { sink } = await make();
      const q = { ...DEFAULT_QUEUE, ...sink.queue };
      expect(Number.isInteger(q.capacity) && q.capacity >= 1).toBe(true);
      expect(["block", "drop_oldest"]).toContain(q.whenFull);
      expect(q.flushIntervalMs).toBeGreaterThanOrEqual(0);
    });

    test("a retriable failure under the running sink loses nothing: retried, every cycle written, the output as without it", async () => {
      const clean = await make();
      const reference = await throughRunningSink(clean.sink, cycles);
      const faulty = await make();
      const { totals, errors } = await throughRunningSink(failingOnce(faulty.sink, cycles[1]!.result.cycle, "before"), cycles);
      expect(totals).toMatchObject({ written: 3, retries: 1, dropped: 0, errors: 0, failing: [], rows: reference.totals.rows, bytes: reference.totals.bytes });
      expect(faulty.bytesOnDisk()).toBe(clean.bytesOnDisk());
      // The failure was shown once (and cleared by the next write).
      expect(errors).toEqual([`sink ${name}: nothing written (connection reset)`]);
    });

    testIf("repeatable_write")("a retry after a write that reached the target adds nothing twice", async () => {
      const clean = await make();
      await throughRunningSink(clean.sink, cycles);
      const faulty = await make();
      const { totals } = await throughRunningSink(failingOnce(faulty.sink, cycles[1]!.result.cycle, "after"), cycles);
      expect(totals).toMatchObject({ written: 3, retries: 1, dropped: 0 });
      expect(faulty.bytesOnDisk()).toBe(clean.bytesOnDisk());
    });

    testIf("flush_after_close")("flush after close resolves", async () => {
      const { sink } = await make();
      await sink.open();
      await sink.write(cycles[0]!.result, cycles[0]!.stats);
      await sink.close();
      await sink.flush();
    });

    testIf("target_faults")("a target it cannot write is a fault with a bounded code; write does not throw", async () => {
      const { sink, breakTarget } = await make();
      await sink.open();
      const target = breakTarget!(cycles[0]!.result);
      const report = await sink.write(cycles[0]!.result, cycles[0]!.stats);
      const fault = (report.faults ?? []).find((f) => f.target === target);
      expect(fault).toBeDefined();
      expect(SINK_FAULT_CODES as readonly string[]).toContain(fault!.code);
      expect(fault!.reason.length).toBeGreaterThan(0);
      // The next cycle is written (or faulted) the same way: still no throw.
      const next = await sink.write(cycles[1]!.result, cycles[1]!.stats);
      expect((next.faults ?? []).some((f) => f.target === target)).toBe(true);
      // Flush and close may report what they could not write, as a SinkError only.
      await settled(sink.flush());
      await settled(sink.close());
    });
  });
}
