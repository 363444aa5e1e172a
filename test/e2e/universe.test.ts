/**
 * The universe workload: every listed strike of every listed expiry of the five indices
 * (~100,000 legs), on the pool, written in the per-expiry CSV layout.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { OPTION_HEADER } from "../../src/g6csv/index.ts";
import { listFiles, readCsv, runEngine, tempDir } from "../helpers/engine.ts";
import type { CycleResult } from "../../src/contracts/index.ts";

const dir = tempDir();
const { config } = loadConfig({
  preset: "universe",
  cli: [
    { path: "storage.data_dir", value: dir, flag: "test" },
    { path: "pool.size", value: 2, flag: "test" },
    { path: "provider.sim.start", value: "2026-11-20T09:30", flag: "test" },
  ],
});
let results: CycleResult[] = [];

beforeAll(async () => {
  results = await runEngine(config, 2);
}, 60_000);

describe("universe preset", () => {
  test("collects about 100,000 legs per cycle across every listed expiry", () => {
    const r = results[1]!;
    expect(r.legsRequested).toBeGreaterThan(90_000);
    expect(r.legsRequested).toBeLessThan(130_000);
    expect(r.legsCollected).toBe(r.legsRequested);
    // Weekly indices list more expiries than monthly-only ones.
    const groupsOf = (index: string) => r.expiries.filter((e) => e.index === index).length;
    expect(groupsOf("NIFTY")).toBeGreaterThan(groupsOf("BANKNIFTY"));
    expect(groupsOf("BANKNIFTY")).toBe(15);
    // Work was sharded over both workers, with no failure.
    expect(r.compute.enrich.shards).toBe(2);
    expect(r.compute.fetch.shards).toBe(2);
    expect([...r.compute.enrich.events, ...r.compute.fetch.events]).toEqual([]);
    expect(r.status).toBe("OK");
  });

  test("writes one file per index, expiry and day in the expiry_v1 layout", () => {
    const base = join(dir, "g6_data");
    const files = listFiles(base).filter((f) => f.startsWith("expiry_v1/"));
    expect(files).toHaveLength(results[1]!.expiries.length);
    const e = results[1]!.expiries.find((x) => x.index === "NIFTY")!;
    const { header, rows } = readCsv(join(base, `expiry_v1/NIFTY/${e.tag}/2026-11-20.csv`));
    expect(header.join(",")).toBe(OPTION_HEADER);
    expect(rows).toHaveLength(2 * e.strikesRequested);
    expect(new Set(rows.map((r) => r.timestamp))).toEqual(new Set(["20-11-2026 09:30:00", "20-11-2026 09:31:00"]));
    // Day change is per series (offset): the first snapshot's rows all have 0.
    for (const r of rows.slice(0, e.strikesRequested)) expect(r.tp_day_change).toBe("0.00");
    const byOffset = new Map<string, number>();
    for (const r of rows) {
      if (!byOffset.has(r.offset!)) byOffset.set(r.offset!, Number(r.tp));
      else expect(Number(r.tp_day_change)).toBeCloseTo(Number(r.tp) - byOffset.get(r.offset!)!, 6);
    }
  });
});
