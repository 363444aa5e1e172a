/** Benchmark support: a silent logger, a scheduler clock that never waits, temp dirs. */
import { createConsola } from "consola";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SchedulerClock } from "../src/engine/scheduler.ts";

export const quietLog = createConsola({ level: -999 });

export const instantClock: SchedulerClock = { now: () => Date.UTC(2026, 10, 20, 4, 0, 0), sleep: async () => {} };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
