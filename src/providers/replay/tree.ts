/**
 * Finding a recorded day's files in a G6 CSV tree (file-system reads only, no parsing). A tree
 * is the base directory G6's CSV sink writes (storage.csv.dir) or the Python G6 wrote:
 * `overview/<INDEX>/<date>.csv`, the `g6` layout's `<INDEX>/<tag>/<offset>/<date>.csv` and the
 * `expiry_v1` layout's `expiry_v1/<INDEX>/<tag>/<date>.csv` (src/g6csv/format.ts). Both option
 * layouts are read when both are present (a row the other layout also holds is read once).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseG6Path } from "../../g6csv/index.ts";

const DATE_FILE = /^(\d{4}-\d{2}-\d{2})\.csv$/;
const OFFSET_DIR = /^(0|[+-][1-9]\d*)$/;

/** Directory entries that are directories, sorted; none when `dir` is not one. */
function subdirs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => statSync(join(dir, n), { throwIfNoEntry: false })?.isDirectory()).sort();
}

/** The directories whose `<date>.csv` files belong to `index`: overview, expiry_v1 tags, g6 offsets. */
function dayDirs(base: string, index: string): { overview: string; options: string[] } {
  const options: string[] = [];
  for (const tag of subdirs(join(base, "expiry_v1", index))) options.push(join(base, "expiry_v1", index, tag));
  for (const tag of subdirs(join(base, index))) {
    for (const offset of subdirs(join(base, index, tag))) if (OFFSET_DIR.test(offset)) options.push(join(base, index, tag, offset));
  }
  return { overview: join(base, "overview", index), options };
}

export type DayFiles = { overview: string[]; options: string[] };

/** The files of `date` for `indices` under `base` (paths G6's own path parser accepts). */
export function filesOfDay(base: string, indices: readonly string[], date: string): DayFiles {
  const out: DayFiles = { overview: [], options: [] };
  for (const index of indices) {
    const dirs = dayDirs(base, index);
    const ov = join(dirs.overview, `${date}.csv`);
    if (existsSync(ov)) out.overview.push(ov);
    for (const d of dirs.options) {
      const p = join(d, `${date}.csv`);
      if (existsSync(p) && parseG6Path(p)?.kind === "option") out.options.push(p);
    }
  }
  return out;
}

/** The dates in [from, to] for which `indices` have any file under `base`, ascending. */
export function datesInRange(base: string, indices: readonly string[], from: string, to: string): string[] {
  const dates = new Set<string>();
  for (const index of indices) {
    const dirs = dayDirs(base, index);
    for (const d of [dirs.overview, ...dirs.options]) {
      let names: string[];
      try {
        names = readdirSync(d);
      } catch {
        continue;
      }
      for (const n of names) {
        const m = DATE_FILE.exec(n);
        if (m && m[1]! >= from && m[1]! <= to) dates.add(m[1]!);
      }
    }
  }
  return [...dates].sort();
}
