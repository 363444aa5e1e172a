/**
 * One benchmark workload, run in its own process so that its peak RSS is its own:
 *   bun bench/workload.ts --preset NAME --pool N|auto --warmup W --cycles C [--sync SECONDS]
 * Prints one JSON line: per-cycle wall and CPU percentiles, peak RSS, legs, and the calibration
 * loop measured in the same process just before (ratios against it cancel machine speed).
 */
import { readdirSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { createApp } from "../src/app.ts";
import type { SchedulerClock } from "../src/engine/scheduler.ts";
import { benchConfig, quietLog, instantClock, tempDir } from "./support.ts";
import { calibrate, mainThreadCpuMs, percentile } from "./stats.ts";
import { writeFloorMs } from "./floor.ts";

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "default" },
    pool: { type: "string", default: "0" },
    warmup: { type: "string", default: "10" },
    cycles: { type: "string", default: "100" },
    /** storage.csv.sync_interval_seconds (absent: the default). */
    sync: { type: "string" },
    /** analytics.scope (absent: the default, "chain"). */
    scope: { type: "string" },
  },
});

/**
 * Sync runs wait between cycles as a scheduled recorder does, but without waiting: a sleep that
 * yields one event-loop turn, in which the background syncs' completions run, as the system
 * clock's zero sleep does. (The other runs use a clock whose sleep returns without a turn.) The
 * interval then only sets the simulated step.
 */
const yieldingClock: SchedulerClock = { now: instantClock.now, sleep: () => new Promise((resolve) => setImmediate(resolve)) };
const syncRun = values.sync !== undefined;

const dataDir = tempDir("g6-bench-");
const config = benchConfig(values.preset, {
  dataDir,
  pool: values.pool,
  interval: syncRun ? 60 : 0,
  extra: [
    ...(syncRun ? [{ path: "storage.csv.sync_interval_seconds", value: Number(values.sync), flag: "bench" }] : []),
    ...(values.scope === undefined ? [] : [{ path: "analytics.scope", value: values.scope, flag: "bench" }]),
  ],
});
const warmup = Number(values.warmup);
const cycles = Number(values.cycles);
// The machine's speed drifts while a workload runs (shared hosts), so the calibration loop is
// sampled between cycles throughout the run and its median is the reference.
const calibrations = [calibrate()];
const sampleEvery = Math.max(1, Math.floor(cycles / 10));

const wall: number[] = [];
/**
 * Wall ms from the end of one measured cycle to the end of the next (the first measured cycle
 * counts from the end of the last warm-up one): the time a cycle takes seen from outside, with
 * cycles back to back, the emission that the queues let run beside the next cycle included.
 */
const period: number[] = [];
let lastEnd = Number.NaN;
let mainCpuAtWarmup = Number.NaN;
/** Main-thread CPU spent in calibration samples, subtracted from the cycles' figure. */
let calibrationCpu = 0;
const cpu: number[] = [];
const compute: number[] = [];
let legs = 0;
let peakRss = 0;
let lastCpu = process.cpuUsage();
let n = 0;
/** The sinks' counters when the measured cycles began (rows and bytes per cycle for the floor). */
/** Most workers alive at the end of a cycle (they are terminated when the run ends). */
let workers = 0;
let totalsAtWarmup: Record<string, { rows: number; bytes: number }> = {};
const app = createApp(config, {
  log: quietLog,
  clock: syncRun ? yieldingClock : instantClock,
  onCycle: (result, stats) => {
    const now = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    n++;
    workers = Math.max(workers, app.pool?.stats.workers ?? 0);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (n === warmup) {
      mainCpuAtWarmup = mainThreadCpuMs();
      totalsAtWarmup = structuredClone(app.engine.stats.sinks);
    }
    const end = performance.now();
    if (n <= warmup) {
      lastEnd = end;
      return;
    }
    period.push(end - lastEnd);
    lastEnd = end;
    wall.push(stats.lastCycleMs);
    compute.push(result.durations.total);
    if ((n - warmup) % sampleEvery === 0) {
      const before = mainThreadCpuMs();
      const t = performance.now();
      calibrations.push(calibrate(3));
      calibrationCpu += mainThreadCpuMs() - before;
      // The calibration's wall time and CPU are not the next cycle's.
      lastEnd += performance.now() - t;
      lastCpu = process.cpuUsage();
    }
    cpu.push((now.user + now.system) / 1000);
    legs = result.legsRequested;
  },
  keepsResults: false,
});
await app.run({ cycles: warmup + cycles, signal: new AbortController().signal });
const mainCpuPerCycle = (mainThreadCpuMs() - mainCpuAtWarmup - calibrationCpu) / cycles;
const csvFiles = (readdirSync(dataDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".csv")).length;
rmSync(dataDir, { recursive: true, force: true });
// The floor (bench/floor.ts): the compute plus the cycle's bytes written at the least cost.
const perCycle = (sink: string, field: "rows" | "bytes") => ((app.engine.stats.sinks[sink]?.[field] ?? 0) - (totalsAtWarmup[sink]?.[field] ?? 0)) / cycles;
// A cycle appends to each CSV file at most once (the g6 layout: a row per series file and per
// index overview, so rows per cycle; other layouts: the files the run wrote).
const floorInput = { files: Math.min(perCycle("csv", "rows"), csvFiles), csvBytes: perCycle("csv", "bytes"), replacedBytes: perCycle("status", "bytes") + perCycle("panels", "bytes") };
const writeFloor = writeFloorMs(floorInput);
const floorMs = percentile(compute, 0.5) + writeFloor;

console.log(
  JSON.stringify({
    preset: values.preset,
    pool: values.pool,
    sync: values.sync ?? null,
    scope: values.scope ?? null,
    /** Workers the run spawned (a pool below its break-even size spawns none). */
    workers,
    legs,
    cycles: wall.length,
    calibrationMs: percentile(calibrations, 0.5),
    /** The cycle's own wall time (spot through score and the hand-over to the sinks), ms. */
    wall: { p50: percentile(wall, 0.5), p95: percentile(wall, 0.95), max: Math.max(...wall) },
    /** Wall ms per cycle seen from outside (end of one cycle to the end of the next, emission included). */
    period: { p50: percentile(period, 0.5) },
    /** Spot through score (no sinks), p50 ms; the rest of the wall time is emission. */
    computeP50: percentile(compute, 0.5),
    cpu: { p50: percentile(cpu, 0.5), p95: percentile(cpu, 0.95) },
    /** Mean main-thread CPU per measured cycle, ms (10 ms clock ticks averaged over the cycles). */
    mainCpuMs: mainCpuPerCycle,
    /** The main-thread CPU floor per cycle, ms: computeP50 plus the cycle's bytes written at the least cost (bench/floor.ts). */
    floor: { ms: floorMs, writeMs: writeFloor, ...floorInput },
    peakRssMb: peakRss / 2 ** 20,
  }),
);
