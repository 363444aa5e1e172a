/**
 * The real engine on the simulated market, through the running provider: asking for quotes in
 * small chunks (each a leg range the simulator serves) writes byte-identical CSV files to one
 * request for the whole batch; a fatal provider error ends the run with one clear message.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createEnricher, createSinks, estimateLegsPerCycle } from "../../src/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createRunningProvider } from "../../src/engine/running-provider.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import { instantClock, listFiles, quietLog, tempDir, testConfig } from "../helpers/engine.ts";
import { type Provider, ProviderError } from "../../src/contracts/index.ts";

const POLICY = { callMs: 10_000, retries: 0, retryBaseMs: 1 };

/** Runs `cycles` cycles with `wrap` around the simulator; returns the data dir. */
async function runWith(wrap: (sim: Provider) => Provider, cycles: number): Promise<string> {
  const dir = tempDir();
  const config = testConfig({
    pool: { size: 0 },
    provider: { sim: { start: "2026-11-20T10:00", faults: { missing_rate: 0.05, stale_rate: 0.05 } } },
    storage: { data_dir: dir, status: { enabled: false }, panels: { enabled: false } },
  });
  const calendar = createMarketCalendar({ holidays: [] });
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
  const engine = createEngine({
    config,
    provider: wrap(createSimProvider({ config, calendar })),
    sinks: createSinks(config, calendar),
    enrich: createEnricher(config, null),
    snapshotAt: () => simClock.next(),
    clock: instantClock,
    elapsed: () => performance.now(),
    log: quietLog,
  });
  await engine.run({ cycles, signal: new AbortController().signal });
  return dir;
}

test("quotes asked in chunks of 7 legs write the same CSV bytes as one request per cycle", async () => {
  const ranges: number[] = [];
  const whole = await runWith((sim) => sim, 3);
  const chunked = await runWith((sim) => {
    const declared: Provider = {
      ...sim,
      capabilities: { legsPerRequest: 7 },
      quotes: (batch, at, range, signal) => {
        ranges.push((range?.end ?? batch.legs) - (range?.start ?? 0));
        return sim.quotes(batch, at, range, signal);
      },
    };
    return createRunningProvider(declared, POLICY);
  }, 3);
  expect(Math.max(...ranges)).toBe(7);
  expect(ranges.length).toBeGreaterThan(30);
  const files = listFiles(join(whole, "g6_data"));
  expect(files.length).toBeGreaterThan(0);
  expect(listFiles(join(chunked, "g6_data"))).toEqual(files);
  for (const f of files) expect(readFileSync(join(chunked, "g6_data", f))).toEqual(readFileSync(join(whole, "g6_data", f)));
});

test("a fatal provider error ends the run with one line naming the provider and phase", async () => {
  const run = runWith((sim) => {
    const broken: Provider = { ...sim, quotes: async () => Promise.reject(new ProviderError("fatal", "API version retired")) };
    return createRunningProvider(broken, POLICY);
  }, 3);
  await expect(run).rejects.toThrow("provider sim: fetch failed fatally: API version retired");
});

test("legs a cycle are estimated from config: the ladder exactly, the universe from the listing rules", () => {
  const planned = [
    { index: "NIFTY", expiry: "2026-11-25" },
    { index: "NIFTY", expiry: "2026-12-02" },
    { index: "BANKNIFTY", expiry: "2026-11-25" },
  ];
  const ladder = testConfig({ indices: { NIFTY: { strikes_below: 10, strikes_above: 10 }, BANKNIFTY: { strikes_below: 5, strikes_above: 5 } } });
  expect(estimateLegsPerCycle(ladder, planned)).toBe(2 * 21 * 2 + 2 * 11);
  // NIFTY: 24,000 · (1 ± 0.15) in steps of 50 → 145 strikes; BANKNIFTY: 52,000 · 0.3 / 100 + 1 → 157.
  const universe = testConfig({ collection_mode: "universe" });
  expect(estimateLegsPerCycle(universe, planned)).toBe(2 * 145 * 2 + 2 * 157);
});
