/** Benchmark support: a silent logger, a scheduler clock that never waits, temp dirs, a whole-app run's config. */
import { createConsola } from "consola";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBatch, type ChainBatch, type GroupSpec } from "../src/chain/batch.ts";
import { loadConfig, type LoadInput } from "../src/config/load.ts";
import type { G6Config } from "../src/config/schema.ts";
import type { SchedulerClock } from "../src/engine/scheduler.ts";
import { simulateQuotes } from "../src/providers/sim/model.ts";

export const quietLog = createConsola({ level: -999 });

export const instantClock: SchedulerClock = { now: () => Date.UTC(2026, 10, 20, 4, 0, 0), sleep: async () => {} };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The config of a whole-app bench run of `preset`: data under `dataDir`, the pool (`auto` or a
 * size), cycles back to back (interval 0 unless given), the simulated market from a fixed
 * session start; `extra` overrides after these.
 */
export function benchConfig(preset: string, opts: { dataDir: string; pool: string; interval?: number; extra?: NonNullable<LoadInput["cli"]> }): G6Config {
  return loadConfig({
    preset,
    cli: [
      { path: "storage.data_dir", value: opts.dataDir, flag: "bench" },
      { path: "interval", value: opts.interval ?? 0, flag: "bench" },
      { path: "pool.size", value: opts.pool === "auto" ? "auto" : Number(opts.pool), flag: "bench" },
      { path: "provider.sim.start", value: "2026-11-20T09:15", flag: "bench" },
      ...(opts.extra ?? []),
    ],
  }).config;
}

/** A snapshot instant inside a session, for fixtures: 2026-11-20 10:30 IST. */
export const FIXTURE_AT = Date.UTC(2026, 10, 20, 5, 0, 0);

/**
 * A batch for the given groups quoted by the simulator's model with uniform inputs (NIFTY-like:
 * base vol 13 %, open 24,000, step 50, lot 75, every strike listed), at FIXTURE_AT, one hour into
 * a two-hour session. `faults` are the missing / zero-price / stale fractions; `create` builds
 * the batch (default `createBatch`; a batch pool's `acquire` gives one in shared memory).
 */
export function quotedBatch(
  specs: readonly GroupSpec[],
  seed: number,
  faults = { missing: 0, zero: 0, stale: 0 },
  create: (specs: readonly GroupSpec[]) => ChainBatch = createBatch,
): ChainBatch {
  const b = create(specs);
  const n = b.groups;
  const fill = (x: number) => new Float64Array(n).fill(x);
  simulateQuotes(
    b,
    0,
    n,
    { baseVol: fill(0.13), openSpot: fill(24000), listedLo: fill(0), listedHi: fill(1e9), strikeStep: fill(50), lotSize: fill(75), activity: fill(1), key: Float64Array.from({ length: n }, (_, g) => g + 1) },
    { seed, r: 0.065, tick: 0.05, at: FIXTURE_AT, sessionOpen: FIXTURE_AT - 3600e3, sessionClose: FIXTURE_AT + 3600e3, missingRate: faults.missing, zeroPriceRate: faults.zero, staleRate: faults.stale },
  );
  return b;
}
