/**
 * Cross-field checks that a per-field schema cannot express. Each returns the key path, the
 * value and what is wrong; the loader adds the layer. Nothing here writes to disk.
 */
import { accessSync, constants, lstatSync, statfsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { G6Config } from "./schema.ts";

export type ConfigProblem = { path: string; value: unknown; message: string };

/** Weekly-only tags: an index without weekly expiries has none to resolve them to. */
const WEEKLY_TAGS = new Set(["this_week", "next_week"]);

/** The file-system facts the data-directory check reads (statfs(2)); tests fake a full disk. */
export type FsStats = { type: number; bsize: number; blocks: number; bavail: number; files: number; ffree: number };
export type DirProbe = { statfs(path: string): FsStats };
export const systemProbe: DirProbe = { statfs: (path) => statfsSync(path) };

/** Less free space than this (bytes, for unprivileged writers) counts as a full disk: 1 MiB. */
export const MIN_FREE_BYTES = 1024 * 1024;

/** Kernel file systems without storage, where mkdir fails (even for root): statfs f_type → name. */
const VIRTUAL_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x1cd1, "devpts"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x6165676c, "pstore"],
  [0xcafe4a11, "bpf"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0x42494e4d, "binfmt_misc"],
  [0x19800202, "mqueue"],
]);

/** Linux limits: NAME_MAX bytes per path component, PATH_MAX bytes per path. */
const NAME_MAX = 255;
const PATH_MAX = 4095;

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/**
 * Why `dir` is not (and could not be created as) a writable directory, or undefined when it
 * is fine; the checks `mkdir -p` and the first write would otherwise fail on: over-long names,
 * an existing ancestor that is a file or a dangling link, no write permission, a kernel file
 * system (/proc, /sys), a read-only file system, a full disk or no free inodes. Creates nothing.
 */
export function writableDirProblem(dir: string, probe: DirProbe = systemProbe): string | undefined {
  const target = resolve(dir);
  if (Buffer.byteLength(target) > PATH_MAX) return `path longer than ${PATH_MAX} bytes`;
  const long = target.split("/").find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (long !== undefined) return `name "${long.slice(0, 40)}…" longer than ${NAME_MAX} bytes`;
  // The nearest existing ancestor (or the directory itself): where mkdir -p would start.
  let existing = target;
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch (err) {
      if (errnoOf(err) !== "ENOENT" && errnoOf(err) !== "ENOTDIR") return `${existing} cannot be inspected (${errnoOf(err)})`;
    }
    const parent = dirname(existing);
    if (parent === existing) return "no existing parent directory";
    existing = parent;
  }
  let isDir: boolean;
  try {
    isDir = statSync(existing).isDirectory();
  } catch (err) {
    return errnoOf(err) === "ENOENT" ? `${existing} is a dangling symbolic link` : `${existing} cannot be inspected (${errnoOf(err)})`;
  }
  if (!isDir) return `${existing} is not a directory`;
  const creates = existing !== target;
  let fs: FsStats;
  try {
    fs = probe.statfs(existing);
  } catch (err) {
    return `${existing} cannot be inspected (${errnoOf(err)})`;
  }
  const virtual = VIRTUAL_FS.get(Number(fs.type));
  if (virtual) return `${creates ? "cannot be created: " : ""}${existing} is on the kernel's ${virtual} file system, which holds no files`;
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (err) {
    const why = errnoOf(err) === "EROFS" ? "is on a read-only file system" : "is not writable";
    return creates ? `cannot be created: ${existing} ${why}` : `directory ${why}`;
  }
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (Number(fs.blocks) > 0 && free < MIN_FREE_BYTES) return `no space left: ${free} bytes free on the file system of ${existing} (at least ${MIN_FREE_BYTES} needed)`;
  if (Number(fs.files) > 0 && Number(fs.ffree) === 0) return `no free inodes on the file system of ${existing}`;
  return undefined;
}

export function checkConfig(config: Readonly<G6Config>, opts: { checkDataDir: boolean; probe?: DirProbe }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, ic] of Object.entries(config.indices)) {
    if (ic.weekly) continue;
    ic.expiries.forEach((tag, i) => {
      if (WEEKLY_TAGS.has(tag)) {
        problems.push({ path: `indices.${name}.expiries.${i}`, value: tag, message: `${name} has no weekly expiries (weekly is false): use this_month/next_month or a date` });
      }
    });
  }
  if (!Object.values(config.indices).some((ic) => ic.enabled)) {
    const names = Object.keys(config.indices);
    problems.push({ path: "indices", value: "all disabled", message: `at least one index must be enabled (${names.join(", ")})` });
  }
  if (config.market.open >= config.market.close) {
    problems.push({ path: "market.close", value: config.market.close, message: `expected a time after market.open (${config.market.open})` });
  }
  const lc = config.load_control;
  if (lc.restore_below >= lc.shed_above) {
    problems.push({ path: "load_control.restore_below", value: lc.restore_below, message: `expected less than load_control.shed_above (${lc.shed_above}), or load would be shed and restored in turn` });
  }
  const ivRank = config.analytics.iv_rank;
  if (ivRank.min_sessions > ivRank.sessions) {
    problems.push({ path: "analytics.iv_rank.min_sessions", value: ivRank.min_sessions, message: `expected at most analytics.iv_rank.sessions (${ivRank.sessions}): IV rank would never be computed` });
  }
  if (opts.checkDataDir) {
    const problem = writableDirProblem(config.storage.data_dir, opts.probe);
    if (problem) problems.push({ path: "storage.data_dir", value: config.storage.data_dir, message: problem });
  }
  return problems;
}
