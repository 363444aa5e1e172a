/**
 * Cross-field checks that a per-field schema cannot express. Each returns the key path, the
 * value and what is wrong; the loader adds the layer. Nothing here writes to disk.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { G6Config } from "./schema.ts";

export type ConfigProblem = { path: string; value: unknown; message: string };

/** Weekly-only tags: an index without weekly expiries has none to resolve them to. */
const WEEKLY_TAGS = new Set(["this_week", "next_week"]);

/** Whether `dir` is (or could be created as) a writable directory, without creating it. */
export function writableDirProblem(dir: string): string | undefined {
  let probe = resolve(dir);
  while (!existsSync(probe)) {
    const parent = dirname(probe);
    if (parent === probe) return "no existing parent directory";
    probe = parent;
  }
  if (!statSync(probe).isDirectory()) return `${probe} is not a directory`;
  try {
    accessSync(probe, constants.W_OK);
  } catch {
    return probe === resolve(dir) ? "directory is not writable" : `cannot be created: ${probe} is not writable`;
  }
  return undefined;
}

export function checkConfig(config: Readonly<G6Config>, opts: { checkDataDir: boolean }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, ic] of Object.entries(config.indices)) {
    if (ic.weekly) continue;
    ic.expiries.forEach((tag, i) => {
      if (WEEKLY_TAGS.has(tag)) {
        problems.push({ path: `indices.${name}.expiries.${i}`, value: tag, message: `${name} has no weekly expiries (weekly is false): use this_month/next_month or a date` });
      }
    });
  }
  if (config.market.open >= config.market.close) {
    problems.push({ path: "market.close", value: config.market.close, message: `expected a time after market.open (${config.market.open})` });
  }
  if (opts.checkDataDir) {
    const problem = writableDirProblem(config.storage.data_dir);
    if (problem) problems.push({ path: "storage.data_dir", value: config.storage.data_dir, message: problem });
  }
  return problems;
}
