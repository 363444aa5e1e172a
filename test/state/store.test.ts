/**
 * The latest-state store keeps each cycle as it was: the engine's stats are copied and frozen at
 * publish, so the next cycle's updates (counters, sink totals, failing lists, pool counters)
 * cannot show beside an earlier cycle's result.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { createLatestState, type CycleSnapshot } from "../../src/state/index.ts";
import { type CycleResult, emptySinkTotals, type EngineStats } from "../../src/contracts/index.ts";
import { instantClock, quietLog, runEngine, tempDir, testConfig } from "../helpers/engine.ts";

const config = testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir() } });
let results: CycleResult[] = [];
beforeAll(async () => {
  results = await runEngine(config, 2);
});

/** Engine stats as the engine holds them after cycle `n` (one csv sink, a pool, an error). */
function engineStats(n: number): EngineStats {
  return {
    provider: "sim",
    startedAt: 1_000,
    intervalSeconds: 60,
    cyclesRun: n,
    cyclesFailed: 0,
    skippedTicks: 0,
    lateTicks: 0,
    overruns: 0,
    lastCycleMs: 12.5,
    budgetUsed: 0.2,
    lastError: { at: 900, message: "cycle 0: spot failed" },
    sinks: { csv: { ...emptySinkTotals(), rows: 40, bytes: 4_000 } },
    pool: { workers: 2, jobs: 6, inlineJobs: 0, retries: 0, restarts: 0, failures: { error: 0, exit: 0, timeout: 0 } },
  };
}

/** What the engine does to its stats during the next cycle. */
function nextCycle(s: EngineStats): void {
  s.cyclesRun++;
  s.cyclesFailed++;
  s.lastCycleMs = 99;
  s.sinks.csv!.rows += 40;
  s.sinks.csv!.bytes += 4_000;
  s.sinks.csv!.errors++;
  s.sinks.csv!.failing.push({ target: "/data/a.csv", code: "io", reason: "EIO" });
  s.sinks.csv!.failing = [{ target: "/data/b.csv", code: "no_space", reason: "ENOSPC" }];
  s.lastError!.message = "cycle 2: quotes failed";
  const pool = s.pool as { jobs: number; failures: Record<string, number> };
  pool.jobs += 3;
  pool.failures.timeout!++;
}

describe("latest-state store", () => {
  test("a published cycle keeps its own counters while the engine updates its stats for the next", () => {
    let t = 5_000;
    const state = createLatestState({ now: () => t, providerOpen: () => true });
    const stats = engineStats(1);
    state.publish(results[0]!, stats);
    t = 6_000;
    nextCycle(stats);
    const last = state.latest()!;
    expect(last.result.cycle).toBe(1);
    expect(last.observedAt).toBe(5_000);
    expect(last.stats.cyclesRun).toBe(1);
    expect(last.stats.cyclesFailed).toBe(0);
    expect(last.stats.lastCycleMs).toBe(12.5);
    expect(last.stats.sinks).toEqual({ csv: { ...emptySinkTotals(), rows: 40, bytes: 4_000 } });
    expect(last.stats.lastError).toEqual({ at: 900, message: "cycle 0: spot failed" });
    expect(last.stats.pool).toEqual({ workers: 2, jobs: 6, inlineJobs: 0, retries: 0, restarts: 0, failures: { error: 0, exit: 0, timeout: 0 } });
    // Readiness follows the published cycle, not the engine's stats in progress.
    expect(state.readiness()).toEqual({ ready: true, reasons: [] });

    state.publish(results[1]!, stats);
    expect(state.latest()!.stats.cyclesRun).toBe(2);
    expect(state.latest()!.stats.sinks.csv).toEqual({ ...emptySinkTotals(), rows: 80, bytes: 8_000, errors: 1, failing: [{ target: "/data/b.csv", code: "no_space", reason: "ENOSPC" }] });
    expect(state.readiness()).toEqual({ ready: false, reasons: ["sink csv: cannot write /data/b.csv (ENOSPC)"] });
  });

  test("a snapshot is frozen all the way down", () => {
    const state = createLatestState({ now: () => 0, providerOpen: () => true });
    const stats = engineStats(1);
    stats.sinks.csv!.failing = [{ target: "/data/a.csv", code: "io", reason: "EIO" }];
    const { stats: s } = state.publish(results[0]!, stats);
    for (const o of [state.latest(), s, s.sinks, s.sinks.csv, s.sinks.csv!.failing, s.sinks.csv!.failing[0], s.lastError, s.pool, s.pool!.failures]) expect(Object.isFrozen(o)).toBe(true);
    expect(() => {
      (s as EngineStats).cyclesRun = 7;
    }).toThrow(TypeError);
    expect(s.cyclesRun).toBe(1);
    // The engine's own object stays writable.
    stats.cyclesRun = 2;
    expect(stats.cyclesRun).toBe(2);
  });

  test("observers get the published snapshot in subscription order; removal stops them", () => {
    const state = createLatestState({ now: () => 0, providerOpen: () => true });
    const seen: string[] = [];
    const got: CycleSnapshot[] = [];
    state.subscribe((s) => (seen.push(`a${s.result.cycle}`), got.push(s)));
    const off = state.subscribe((s) => seen.push(`b${s.stats.cyclesRun}`));
    state.publish(results[0]!, engineStats(1));
    off();
    state.publish(results[1]!, engineStats(2));
    expect(seen).toEqual(["a1", "b1", "a2"]);
    expect(got[1]).toBe(state.latest()!);
  });

  test("readiness: provider open, a successful cycle (an EMPTY one does not count), no failing sink target", () => {
    let open = false;
    const state = createLatestState({ now: () => 0, providerOpen: () => open });
    expect(state.readiness()).toEqual({ ready: false, reasons: ["provider not open", "no successful cycle yet"] });
    open = true;
    state.publish({ ...results[0]!, status: "EMPTY" }, engineStats(1));
    expect(state.readiness()).toEqual({ ready: false, reasons: ["no successful cycle yet"] });
    state.publish({ ...results[0]!, errors: [{ phase: "fetch", code: "transient", message: "timeout" }] }, engineStats(2));
    expect(state.readiness().reasons).toEqual(["no successful cycle yet"]);
    state.publish(results[1]!, engineStats(3));
    expect(state.readiness()).toEqual({ ready: true, reasons: [] });
    open = false;
    expect(state.readiness()).toEqual({ ready: false, reasons: ["provider not open"] });
  });

  test("the app publishes every cycle: a snapshot taken at cycle 1 still says cycle 1 after the run", async () => {
    const seen: CycleSnapshot[] = [];
    // A data dir of its own: the cycles above wrote the same snapshots, which the CSV sink would skip as duplicates.
    const own = testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir() } });
    const app = createApp(own, { log: quietLog, clock: instantClock, onCycle: () => seen.push(app.state.latest()!) });
    const final = await app.run({ cycles: 3, signal: new AbortController().signal });
    expect(final.cyclesRun).toBe(3);
    expect(seen.map((s) => [s.result.cycle, s.stats.cyclesRun])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    // Each snapshot keeps the storage counters it was published with (sinks write after it)…
    const rows = seen.map((s) => s.stats.sinks.csv!.rows);
    expect(rows[1]).toBeGreaterThan(rows[0]!);
    expect(rows[2]).toBeGreaterThan(rows[1]!);
    expect(rows[2]).toBeLessThan(final.sinks.csv!.rows);
    // …while the live storage counters have every cycle written.
    expect(app.state.storage().csv).toMatchObject({ rows: final.sinks.csv!.rows, written: 3, queued: 0 });
  });
});
