/**
 * The universe workload (~100k legs) through the metrics: the cardinality guard holds option
 * detail at level 1, and repeated updates and renderings of one cycle keep the exposition whole.
 * How long they take is a benchmark's business (shared, noisy machines), not this test's.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { PRESETS } from "../../src/config/presets.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

test("universe: the guard holds option detail at level 1; repeated updates and renders keep the exposition whole", async () => {
  const config = testConfig({
    ...PRESETS.universe,
    provider: { sim: { ...PRESETS.universe.provider.sim, start: "2026-11-20T10:00" } },
    storage: { ...PRESETS.universe.storage, data_dir: join(tempDir(), "out"), csv: { enabled: false } },
    pool: { size: 2 },
    metrics: { groups: ["index", "chain", "analytics", "pool", "process", "option_detail"] },
  });
  const app = createApp(config, { log: quietLog, clock: instantClock });
  await app.run({ cycles: 1, signal: new AbortController().signal });
  const obs = app.observability;
  const last = app.state.latest()!;
  expect(last.result.batch.legs).toBeGreaterThan(90_000);

  const sizes: number[] = [];
  for (let i = 0; i < 3; i++) {
    obs.onCycle(last.result, last.stats);
    sizes.push((await obs.render()).length);
  }
  expect(obs.detailLevel).toBe(1);
  expect(sizes[0]).toBeGreaterThan(100_000);
  for (const size of sizes) expect(size).toBeGreaterThan(100_000);
}, 30_000);
