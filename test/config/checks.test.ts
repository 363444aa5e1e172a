/** The data-directory check: what `mkdir -p` and the first write would fail on, found without writing. */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkConfig, MIN_FREE_BYTES, systemProbe, writableDirProblem, type DirProbe, type FsStats } from "../../src/config/checks.ts";
import { loadConfig } from "../../src/config/load.ts";
import { problemsOf } from "../helpers/config.ts";
import { tempDir } from "../helpers/engine.ts";

/** The real file system's statfs with some fields replaced (a full disk cannot be made in a test). */
const probeWith = (fields: Partial<FsStats>): DirProbe => ({ statfs: (path) => ({ ...systemProbe.statfs(path), ...fields }) });

describe("writableDirProblem", () => {
  test("a writable directory, existing or to be created, is fine; nothing is created", () => {
    const dir = tempDir("g6-checks-");
    expect(writableDirProblem(dir)).toBeUndefined();
    expect(writableDirProblem(join(dir, "a/b/c"))).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  test("/proc and /sys hold no files, even for root", () => {
    expect(writableDirProblem("/proc/g6-out")).toBe("cannot be created: /proc is on the kernel's proc file system, which holds no files");
    expect(writableDirProblem("/sys/g6")).toBe("cannot be created: /sys is on the kernel's sysfs file system, which holds no files");
    expect(writableDirProblem("/proc")).toBe("/proc is on the kernel's proc file system, which holds no files");
    expect(existsSync("/proc/g6-out")).toBe(false);
  });

  test("a path under a regular file or a dangling link", () => {
    const dir = tempDir("g6-checks-");
    writeFileSync(join(dir, "file"), "");
    expect(writableDirProblem(join(dir, "file/out"))).toBe(`${dir}/file is not a directory`);
    expect(writableDirProblem(join(dir, "file"))).toBe(`${dir}/file is not a directory`);
    symlinkSync(join(dir, "missing"), join(dir, "link"));
    expect(writableDirProblem(join(dir, "link/out"))).toBe(`${dir}/link is a dangling symbolic link`);
  });

  test("names longer than the file system allows", () => {
    const dir = tempDir("g6-checks-");
    expect(writableDirProblem(join(dir, "x".repeat(256)))).toStartWith('name "xxxxxxxx');
    expect(writableDirProblem(join(dir, "x".repeat(255)))).toBeUndefined();
    expect(writableDirProblem(join(dir, ...Array.from({ length: 40 }, () => "y".repeat(120))))).toBe("path longer than 4095 bytes");
  });

  test("a full disk or no free inodes, on the nearest existing ancestor's file system", () => {
    const dir = tempDir("g6-checks-");
    mkdirSync(join(dir, "data"));
    expect(writableDirProblem(join(dir, "data/new"), probeWith({ bavail: 0, bsize: 4096 }))).toBe(`no space left: 0 bytes free on the file system of ${dir}/data (at least ${MIN_FREE_BYTES} needed)`);
    expect(writableDirProblem(join(dir, "data"), probeWith({ bavail: 255, bsize: 4096 }))).toStartWith("no space left: 1044480 bytes free");
    expect(writableDirProblem(join(dir, "data"), probeWith({ bavail: 256, bsize: 4096 }))).toBeUndefined();
    expect(writableDirProblem(join(dir, "data"), probeWith({ ffree: 0, files: 1000 }))).toBe(`no free inodes on the file system of ${dir}/data`);
    // A file system that reports no block counts (e.g. an unlimited tmpfs) is not "full".
    expect(writableDirProblem(join(dir, "data"), probeWith({ blocks: 0, bavail: 0, files: 0, ffree: 0 }))).toBeUndefined();
  });
});

describe("checkConfig", () => {
  test("at least one index must be enabled", () => {
    const config = loadConfig({ checkDataDir: false }).config;
    const off = { ...config, indices: Object.fromEntries(Object.entries(config.indices).map(([n, ic]) => [n, { ...ic, enabled: false }])) } as typeof config;
    expect(checkConfig(off, { checkDataDir: false })).toEqual([
      { path: "indices", value: "all disabled", message: "at least one index must be enabled (NIFTY, BANKNIFTY, FINNIFTY, MIDCPNIFTY, SENSEX)" },
    ]);
    expect(checkConfig(config, { checkDataDir: false })).toEqual([]);
  });

  test("a full disk is a config error naming storage.data_dir and where it came from", () => {
    const dir = tempDir("g6-checks-");
    const config = loadConfig({ cli: [{ path: "storage.data_dir", value: join(dir, "out"), flag: "--data-dir" }] }).config;
    expect(checkConfig(config, { checkDataDir: true, probe: probeWith({ bavail: 0 }) })).toEqual([
      { path: "storage.data_dir", value: join(dir, "out"), message: `no space left: 0 bytes free on the file system of ${dir} (at least ${MIN_FREE_BYTES} needed)` },
    ]);
    expect(problemsOf(() => loadConfig({ cli: [{ path: "storage.data_dir", value: "/proc/x", flag: "--data-dir" }] }))).toEqual([
      'storage.data_dir: cannot be created: /proc is on the kernel\'s proc file system, which holds no files; got "/proc/x" (from flag --data-dir)',
    ]);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
});

describe("analytics.iv_rank", () => {
  test("min_sessions above sessions is refused, naming both", () => {
    const base = loadConfig({ checkDataDir: false }).config;
    const config = { ...base, analytics: { ...base.analytics, iv_rank: { sessions: 5, min_sessions: 6 } } } as typeof base;
    expect(checkConfig(config, { checkDataDir: false })).toEqual([
      { path: "analytics.iv_rank.min_sessions", value: 6, message: "expected at most analytics.iv_rank.sessions (5): IV rank would never be computed" },
    ]);
  });
});
