/**
 * The per-day cache of Kite instrument dumps: `<data_dir>/kite/instruments/<YYYY-MM-DD>/<EX>.csv`,
 * one file per exchange as Kite sent it (gunzipped CSV text).
 *
 * Decisions:
 * - The day of a dump is its "dump day": the IST date whose `instruments_refresh` time (08:30 by
 *   default, after the exchanges publish) has most recently passed. Before 08:30 the previous
 *   day's dump is the current one (Kite still serves it), so a start at 07:00 reuses the
 *   cached one and a start at 09:00 downloads the new one once.
 * - Files are written atomically (a temporary file in the same directory, fsynced, renamed):
 *   a crash mid-download leaves no half dump for the next start to trust. A file that is not
 *   a dump (no header) is a parse error at load, and is then downloaded again.
 * - Old days are pruned after a new day's dumps are written: the newest
 *   `provider.kite.instruments_keep_days` day folders stay (a dump is 5–10 MB a day, about 2 GB
 *   a year if kept). Only folders named like a day are touched; anything else under the cache
 *   directory is left alone. Recorded data never depends on the dumps (the CSV rows carry their
 *   strikes and expiries), so pruning loses nothing a reader needs.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { clockTimeMs, dateOfDay, istDayNumber } from "../../market/ist.ts";
import type { KiteExchange } from "./protocol.ts";

/** The IST date of the dump current at `epochMs` when dumps are refreshed at `refresh` (HH:MM IST). */
export function dumpDay(epochMs: number, refresh: string): string {
  return dateOfDay(istDayNumber(epochMs - clockTimeMs(refresh)));
}

/** The cache directory of a dump day. */
export function dumpDir(dataDir: string, day: string): string {
  return join(dataDir, "kite", "instruments", day);
}

/** The cached dump text of `exchange` for `day`, or null when not cached. */
export function readCachedDump(dataDir: string, day: string, exchange: KiteExchange): string | null {
  try {
    return readFileSync(join(dumpDir(dataDir, day), `${exchange}.csv`), "utf8");
  } catch {
    return null;
  }
}

/** Writes the dump text of `exchange` for `day` atomically (creating the directory). */
export function writeCachedDump(dataDir: string, day: string, exchange: KiteExchange, text: string): void {
  const dir = dumpDir(dataDir, day);
  mkdirSync(dir, { recursive: true });
  const final = join(dir, `${exchange}.csv`);
  const tmp = `${final}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, final);
}

const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Removes the cache's day folders older than the newest `keep` (by name, which sorts by date).
 * Returns the days removed and the first failure's message (a folder that could not be removed
 * stays for the next prune), or null.
 */
export function pruneDumpDays(dataDir: string, keep: number): { removed: string[]; failure: string | null } {
  const root = join(dataDir, "kite", "instruments");
  let days: string[];
  try {
    days = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && DAY_DIR.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    return { removed: [], failure: `${root}: ${(err as Error).message}` };
  }
  const removed: string[] = [];
  let failure: string | null = null;
  for (const day of days.slice(0, Math.max(0, days.length - keep))) {
    try {
      rmSync(join(root, day), { recursive: true });
      removed.push(day);
    } catch (err) {
      failure ??= `${join(root, day)}: ${(err as Error).message}`;
    }
  }
  return { removed, failure };
}
