/** /metrics is rendered at most once per cycle, and again only when a cycle is overdue. */
import { expect, test } from "bun:test";
import { createObservability, RENDER_MAX_AGE_MS } from "../../src/metrics/observability.ts";
import { runEngine, testConfig, tempDir } from "../helpers/engine.ts";

test("one rendering per cycle, served to every scrape; a stale one is made again while no cycle completes", async () => {
  const config = testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir() } });
  const [first, second] = await runEngine(config, 2);
  let t = 0;
  const obs = createObservability(config, { now: () => 0, elapsed: () => t });
  const a = obs.render();
  expect(obs.render()).toBe(a);
  const stats = { provider: "sim", startedAt: 0, intervalSeconds: 60, cyclesRun: 1, cyclesFailed: 0, skippedTicks: 0, lateTicks: 0, overruns: 0, lastCycleMs: 1, budgetUsed: 0, lastError: null, sinks: {}, pool: null };
  obs.onCycle(first!, stats);
  const b = obs.render();
  expect(b).not.toBe(a);
  expect(await b).toContain("g6_cycles_total 1");
  t += RENDER_MAX_AGE_MS - 1;
  expect(obs.render()).toBe(b);
  t += 2;
  const c = obs.render();
  expect(c).not.toBe(b);
  obs.onCycle(second!, { ...stats, cyclesRun: 2 });
  expect(await obs.render()).toContain("g6_cycles_total 2");
});
