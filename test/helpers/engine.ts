/** Test helpers: run the real engine in-process on the simulated market into a temp dir. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { createApp } from "../../src/app.ts";
import { ConfigSchema, type G6Config } from "../../src/config/schema.ts";
import { instantClock, quietLog, tempDir as makeTempDir } from "../../bench/support.ts";
import type { CycleResult } from "../../src/contracts/index.ts";
import { trackTempDir } from "./temp.ts";

export { instantClock, quietLog };

/** A new temp dir, removed after the whole test run (test/helpers/temp.ts). */
export function tempDir(prefix = "g6-test-"): string {
  return trackTempDir(makeTempDir(prefix));
}

/** A validated config from partial raw settings (as a config file would give them). */
export function testConfig(raw: Record<string, unknown>): G6Config {
  return v.parse(ConfigSchema, raw);
}

/** Runs `cycles` cycles of the real engine; returns the cycle results. */
export async function runEngine(config: G6Config, cycles: number): Promise<CycleResult[]> {
  const results: CycleResult[] = [];
  const app = createApp(config, { log: quietLog, clock: instantClock, onCycle: (r) => results.push(r) });
  await app.run({ cycles, signal: new AbortController().signal });
  return results;
}

/** Every file under dir, relative paths, sorted. */
export function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** Parses a CSV file (no quoting in G6 files) into header and rows of records. */
export function readCsv(path: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = readFileSync(path, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const header = lines[0]!.split(",");
  return { header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i]!, v]))) };
}
