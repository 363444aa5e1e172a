/** Benchmark support: a silent logger, a scheduler clock that never waits, temp dirs. */
import { createConsola } from "consola";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBatch, type ChainBatch, type GroupSpec } from "../src/chain/batch.ts";
import type { SchedulerClock } from "../src/engine/scheduler.ts";
import { simulateQuotes } from "../src/providers/sim/model.ts";

export const quietLog = createConsola({ level: -999 });

export const instantClock: SchedulerClock = { now: () => Date.UTC(2026, 10, 20, 4, 0, 0), sleep: async () => {} };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
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
