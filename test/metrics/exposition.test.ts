/**
 * The exposition as Prometheus sees it: promtool lints our registry after real cycles, names
 * follow the conventions, and docs/METRICS.md is what the generator produces.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { allDescriptors, metricsCatalog } from "../../src/metrics/index.ts";
import { OPTIONAL_GROUPS } from "../../src/config/metric-groups.ts";
import { requireBinary } from "../helpers/binaries.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";



async function exposition(groups: readonly string[], pool: number): Promise<string> {
  const config = testConfig({
    provider: { sim: { start: "2026-11-20T10:00", faults: { missing_rate: 0.05 } } },
    storage: { data_dir: join(tempDir(), "out") },
    pool: { size: pool, min_shard_legs: 100 },
    metrics: { groups },
  });
  const app = createApp(config, { log: quietLog, clock: instantClock });
  await app.run({ cycles: 2, signal: new AbortController().signal });
  return app.observability.render();
}

describe("exposition", () => {
  test("promtool check metrics passes on every group, option detail included", async () => {
    const promtool = requireBinary("promtool");
    const text = await exposition(OPTIONAL_GROUPS, 2);
    for (const name of ["g6_cycles_total", "g6_index_spot", "g6_chain_pcr_oi_ratio", "g6_iv_failures_total", "g6_pool_jobs_total", "g6_process_cpu_seconds_total", "g6_option_iv_ratio", "g6_storage_rows_written_total"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    const proc = Bun.spawnSync([promtool, "check", "metrics"], { stdin: Buffer.from(text) });
    expect(proc.stdout.toString() + proc.stderr.toString()).toBe("");
    expect(proc.exitCode).toBe(0);
  }, 30_000);

  test("disabled groups are absent; always-on groups stay", async () => {
    const text = await exposition([], 0);
    expect(text).toContain("g6_cycles_total 2");
    expect(text).toContain("g6_provider_requests_total");
    expect(text).toContain("g6_storage_rows_written_total");
    for (const absent of ["g6_index_", "g6_chain_", "g6_iv_", "g6_pool_", "g6_process_", "g6_option_"]) expect(text).not.toContain(absent);
  });

  test("names follow the conventions and are unique", () => {
    const names = allDescriptors().map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of allDescriptors()) {
      expect(d.name).toMatch(/^g6_[a-z0-9_]+$/);
      expect(d.name.endsWith("_total")).toBe(d.type === "counter");
      expect(d.name).not.toMatch(/_(milliseconds|ms|kilobytes|percent)(_|$)/);
      if (d.type === "histogram") expect(d.buckets?.length).toBeGreaterThan(0);
      expect(d.help.length).toBeGreaterThan(5);
    }
  });

  test("docs/METRICS.md is in sync with the descriptors (regenerate: bun run metrics:docs)", () => {
    const committed = readFileSync(join(import.meta.dir, "../../docs/METRICS.md"), "utf8");
    expect(committed).toBe(metricsCatalog());
    for (const d of allDescriptors()) expect(committed).toContain(`\`${d.name}\``);
  });
});
