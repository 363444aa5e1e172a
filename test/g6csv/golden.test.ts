/**
 * Byte identity of what the CSV sink writes: every file of a fixed run (seed, start, faults) in
 * both layouts hashes to the digest the sink gave before the format moved to src/g6csv. A
 * change here is a change in G6's output, which existing readers of the files would see.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listFiles, readCsv, runEngine, tempDir, testConfig } from "../helpers/engine.ts";

/** sha256 of each file's relative path, a NUL, its bytes and a NUL, in path order. */
function digest(dir: string): { files: number; sha256: string } {
  const hash = createHash("sha256");
  const files = listFiles(dir);
  for (const f of files) hash.update(`${f}\0`).update(readFileSync(join(dir, f))).update("\0");
  return { files: files.length, sha256: hash.digest("hex") };
}

/**
 * Two sessions into one data directory: the previous trading day's, then a day whose rows take
 * their tp_net_change from the last tp of the previous day's files (read back by the sink).
 */
async function written(layout: "g6" | "expiry_v1") {
  const dataDir = tempDir();
  for (const [start, cycles] of [["2026-11-18T15:27", 2], ["2026-11-19T09:15", 3]] as const) {
    const config = testConfig({
      interval: 30,
      storage: { data_dir: dataDir, csv: { layout } },
      provider: { sim: { seed: 7, start, faults: { missing_rate: 0.05, zero_price_rate: 0.03 } } },
    });
    await runEngine(config, cycles);
  }
  const base = join(dataDir, "g6_data");
  const day2 = layout === "g6" ? "NIFTY/this_week/0/2026-11-19.csv" : "expiry_v1/NIFTY/this_week/2026-11-19.csv";
  // The previous day's reference was found: net changes are written.
  expect(readCsv(join(base, day2)).rows.filter((r) => r.tp_net_change !== "").length).toBeGreaterThan(0);
  return digest(base);
}

describe("CSV output is byte-identical to the reference", () => {
  test("g6 layout", async () => {
    expect(await written("g6")).toEqual({ files: 598, sha256: "aad1185dd985c9dc4314c5135077b526c3441f54f8688022c738c005cddaab1c" });
  });
  test("expiry_v1 layout", async () => {
    expect(await written("expiry_v1")).toEqual({ files: 38, sha256: "c8ad1320c22de709c93ef8738e751ce65384753f5c7a1a1ee073b175123749c0" });
  });
});
