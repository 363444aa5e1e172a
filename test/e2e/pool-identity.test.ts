/**
 * Property: the output files are byte-identical whatever the pool size (0, 1, 2, 4), on the
 * simulated market over several seeds, with faults injected into the data so that missing and
 * unidentifiable legs are part of what must match. Shards are forced small so every pool size
 * really splits the work (both quote generation and enrichment).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listFiles, runEngine, tempDir, testConfig } from "../helpers/engine.ts";

function run(seed: number, pool: number) {
  const dir = tempDir();
  const config = testConfig({
    storage: { data_dir: dir, status: { enabled: false } },
    pool: { size: pool, min_shard_legs: 60 },
    provider: { sim: { seed, start: "2026-11-20T11:00", faults: { missing_rate: 0.05, zero_price_rate: 0.02, stale_rate: 0.05 } } },
  });
  return { dir, config };
}

describe("pool size does not change results", () => {
  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: pool 0, 1, 2, 4 write identical files`, async () => {
      const outputs: Map<string, string>[] = [];
      for (const pool of [0, 1, 2, 4]) {
        const { dir, config } = run(seed, pool);
        const results = await runEngine(config, 2);
        if (pool > 0) expect(results[0]!.compute.enrich.shards).toBe(Math.min(pool, 14));
        if (pool > 0) expect(results[0]!.compute.fetch.shards).toBe(Math.min(pool, 14));
        if (pool === 0) expect(results[0]!.compute.fetch.shards).toBe(0);
        for (const r of results) expect(r.compute.enrich.events).toEqual([]);
        const base = join(dir, "g6_data");
        outputs.push(new Map(listFiles(base).map((f) => [f, readFileSync(join(base, f), "utf8")])));
      }
      const [inline, ...pooled] = outputs;
      expect(inline!.size).toBeGreaterThan(250);
      for (const other of pooled) {
        expect([...other.keys()]).toEqual([...inline!.keys()]);
        for (const [f, text] of inline!) expect(other.get(f)).toBe(text);
      }
    }, 30_000);
  }
});
