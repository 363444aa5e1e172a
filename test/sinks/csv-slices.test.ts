/**
 * Beside live pool workers, a long CSV write lets the event loop turn between files (the next
 * cycle's worker messages are handled meanwhile); the files are byte-for-byte those of a write
 * in one piece. Inline it never turns.
 */
import { beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createCsvSink, type CsvLayout } from "../../src/sinks/csv/sink.ts";
import { listFiles, runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import type { CycleResult, EngineStats, PoolStats } from "../../src/contracts/index.ts";

const calendar = createMarketCalendar({ holidays: [] });
let results: CycleResult[] = [];
beforeAll(async () => {
  results = await runEngine(testConfig({ pool: { size: 0 }, storage: { data_dir: tempDir(), status: { enabled: false }, panels: { enabled: false } }, provider: { sim: { seed: 3, start: "2026-11-20T10:00" } } }), 3);
});

const poolStats = (workers: number): PoolStats => ({ workers, jobs: 0, inlineJobs: 0, retries: 0, restarts: 0, failures: { error: 0, exit: 0, timeout: 0 } });
const statsWith = (workers: number) => ({ pool: poolStats(workers) }) as unknown as EngineStats;

/** Writes the cycles with `workers` live; counts the event-loop turns seen while each write ran. */
async function writeAll(layout: CsvLayout, workers: number) {
  const dir = tempDir();
  const sink = createCsvSink({ dir, layout, maxOpenFiles: 512, calendar, syncIntervalSeconds: 0, writeSliceMs: 0 });
  await sink.open();
  const turns: number[] = [];
  for (const r of results) {
    let finished = false;
    let seen = 0;
    const tick = () => {
      if (finished) return;
      seen++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const report = await sink.write(r, statsWith(workers));
    finished = true;
    expect(report.faults).toBeUndefined();
    turns.push(seen);
  }
  await sink.close();
  return { files: new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f))])), turns };
}

for (const layout of ["g6", "expiry_v1"] as const) {
  test(`${layout}: beside workers the write turns the event loop between files; the files are those of a write in one piece`, async () => {
    const whole = await writeAll(layout, 0);
    const sliced = await writeAll(layout, 2);
    // Inline: no turn while a write runs.
    expect(whole.turns).toEqual([0, 0, 0]);
    // Beside workers, with a 0 ms slice: a turn at (nearly) every file of the cycle.
    for (const t of sliced.turns) expect(t).toBeGreaterThanOrEqual(layout === "g6" ? 50 : 5);
    expect([...sliced.files.keys()]).toEqual([...whole.files.keys()]);
    expect(whole.files.size).toBeGreaterThan(layout === "g6" ? 100 : 5);
    for (const [f, bytes] of whole.files) expect(sliced.files.get(f)!.equals(bytes)).toBe(true);
  });
}
