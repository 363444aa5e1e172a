/**
 * Scrapes stay cheap and off the cycle path on the universe workload (~100k legs): the cycle's
 * metric update is bounded by indices and expiries, and rendering (option detail included,
 * limited by the guard) takes milliseconds.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { PRESETS } from "../../src/config/presets.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

test("universe: per-cycle metric update and scrape render times", async () => {
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

  const update: number[] = [];
  const render: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 7; i++) {
    let t0 = performance.now();
    obs.onCycle(last.result, last.stats);
    update.push(performance.now() - t0);
    t0 = performance.now();
    bytes = (await obs.render()).length;
    render.push(performance.now() - t0);
  }
  expect(obs.detailLevel).toBe(1);
  expect(bytes).toBeGreaterThan(100_000);
  expect(median(update)).toBeLessThan(25);
  expect(median(render)).toBeLessThan(250);
}, 30_000);
