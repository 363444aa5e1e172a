/**
 * Background syncs of CSV files: off the cycle's path, paced by storage.csv.sync_interval_seconds,
 * never on a closed or reused descriptor, waited for by flush and close, new directory entries
 * synced, sync failures reported.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { fstatSync } from "node:fs";
import { join } from "node:path";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createFilePool } from "../../src/sinks/csv/files.ts";
import { nodeIo, type Done, type FileIo } from "../../src/sinks/csv/io.ts";
import { createCsvSink } from "../../src/sinks/csv/sink.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import type { CycleResult, EngineStats } from "../../src/contracts/index.ts";

const HEADER = "timestamp,a,b";
const bytes = (s: string) => new TextEncoder().encode(s);
const tick = () => new Promise((r) => setTimeout(r, 5));

/** An io whose syncs wait until released, recording what they were called on. */
function heldIo() {
  const held: Done[] = [];
  const calls: { kind: "fd" | "path"; target: number | string; ino?: number }[] = [];
  const io: FileIo = {
    ...nodeIo,
    fdatasync(fd, done) {
      calls.push({ kind: "fd", target: fd, ino: fstatSync(fd).ino });
      held.push(done);
    },
    syncPath(path, done) {
      calls.push({ kind: "path", target: path });
      held.push(done);
    },
  };
  /** Completes every held sync, and those they start, until none is left. */
  const releaseAll = async (err: NodeJS.ErrnoException | null = null) => {
    do {
      while (held.length) held.shift()!(err);
      await tick();
    } while (held.length);
  };
  return { io, held, calls, releaseAll };
}

/** The inode `fd` refers to now, or null when it is closed. */
const inoOf = (fd: number) => {
  try {
    return fstatSync(fd).ino;
  } catch {
    return null;
  }
};

describe("file pool syncs", () => {
  test("a descriptor being synced is not closed by eviction until its sync completes; close waits for syncs", async () => {
    const base = tempDir();
    const { io, held, calls, releaseAll } = heldIo();
    const pool = createFilePool({ maxOpen: 2, io });
    const [a, b] = ["a", "b"].map((n) => pool.touch(join(base, "d", `${n}.csv`), HEADER));
    for (const f of [a!, b!]) pool.append(f, bytes("20-11-2026 09:15:00,1,2\n"));
    expect(pool.startSync()).toBe(true);
    expect(pool.startSync()).toBe(false);
    const pinned = calls.filter((c) => c.kind === "fd");
    expect(pinned.map((c) => c.ino)).toEqual([fstatSync(a!.fd!).ino, fstatSync(b!.fd!).ino]);
    // The directory mkdir created (its entry in base) and the new files' entries in it.
    expect(calls.filter((c) => c.kind === "path").map((c) => c.target)).toEqual([base, join(base, "d")]);
    expect(held.length).toBeGreaterThanOrEqual(2);
    // Two more files evict a and b while their syncs run: their descriptors stay open.
    for (const n of ["c", "e"]) pool.append(pool.touch(join(base, "d", `${n}.csv`), HEADER), bytes("20-11-2026 09:15:00,1,2\n"));
    expect(pool.openCount).toBe(2);
    expect([a!.fd, b!.fd]).toEqual([null, null]);
    for (const c of pinned) expect(inoOf(c.target as number)).toBe(c.ino!);
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false);
    await releaseAll();
    await closing;
    expect(closed).toBe(true);
    // The deferred closes ran: those descriptors no longer refer to a and b.
    for (const c of pinned) expect(inoOf(c.target as number)).not.toBe(c.ino!);
    // c and e were synced by the final round before close.
    expect(calls.filter((c) => c.kind === "fd")).toHaveLength(4);
    expect(calls.filter((c) => c.kind === "path").map((c) => c.target)).toEqual([base, join(base, "d"), join(base, "d")]);
  });
});

describe("CSV sink syncs", () => {
  let results: CycleResult[] = [];
  const cfg = testConfig({ interval: 60, pool: { size: 0 }, storage: { data_dir: tempDir(), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: false } }, provider: { sim: { seed: 3, start: "2026-11-20T10:00" } } });
  const calendar = createMarketCalendar({ holidays: cfg.market.holidays, open: cfg.market.open, close: cfg.market.close });
  const NO_STATS = {} as EngineStats;
  beforeAll(async () => {
    results = await runEngine(cfg, 4);
  });
  const FILES = 14 * 21 + 5;

  test("a sync starts after a cycle's writes and the cycle does not wait for it; syncs are paced by the interval", async () => {
    const { io, held, calls, releaseAll } = heldIo();
    let now = 0;
    const sink = createCsvSink({ dir: tempDir(), layout: "g6", maxOpenFiles: 512, calendar, syncIntervalSeconds: 10, io, now: () => now });
    await sink.write(results[0]!, NO_STATS);
    // write() returned with the sync still running (held).
    expect(held.length).toBeGreaterThan(0);
    await releaseAll();
    const round1 = calls.length;
    expect(calls.filter((c) => c.kind === "fd")).toHaveLength(FILES);
    // Every new file's directory, and the directories above them that mkdir created.
    expect(calls.filter((c) => c.kind === "path").length).toBeGreaterThan(FILES / 21);
    now = 5_000;
    await sink.write(results[1]!, NO_STATS);
    expect(calls.length).toBe(round1);
    now = 12_000;
    await sink.write(results[2]!, NO_STATS);
    await releaseAll();
    // Cycles 2 and 3 wrote every file again; each is synced once; no directory changed.
    expect(calls.slice(round1).map((c) => c.kind)).toEqual(Array(FILES).fill("fd"));
    await sink.flush();
    expect(calls.length).toBe(round1 + FILES);
    await sink.close();
  });

  test("at a new day the previous day's files are synced and closed in the background; flush waits for that", async () => {
    const { io, held, calls, releaseAll } = heldIo();
    const sink = createCsvSink({ dir: tempDir(), layout: "g6", maxOpenFiles: 512, calendar, syncIntervalSeconds: 0, io, now: () => 0 });
    await sink.write(results[0]!, NO_STATS);
    expect(calls).toHaveLength(0);
    // The next trading day (Monday): the day's first write does not wait for Friday's files.
    const monday = { ...results[1]!, date: "2026-11-23", at: results[1]!.at + 3 * 86_400_000 };
    const report = await sink.write(monday, NO_STATS);
    expect(report.rows).toBe(FILES);
    await tick();
    expect(held.length).toBeGreaterThan(0);
    let flushed = false;
    const flushing = sink.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    await releaseAll();
    await flushing;
    // Friday's files (closed at the roll) and Monday's (flushed), each once.
    expect(calls.filter((c) => c.kind === "fd")).toHaveLength(2 * FILES);
    await sink.close();
  });

  test("0 syncs only when files are closed; flush waits for the sync", async () => {
    const { io, calls, releaseAll } = heldIo();
    const sink = createCsvSink({ dir: tempDir(), layout: "g6", maxOpenFiles: 512, calendar, syncIntervalSeconds: 0, io, now: () => 0 });
    for (const r of results.slice(0, 3)) await sink.write(r, NO_STATS);
    expect(calls).toHaveLength(0);
    let flushed = false;
    const flushing = sink.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    await releaseAll();
    await flushing;
    expect(calls.filter((c) => c.kind === "fd")).toHaveLength(FILES);
    await sink.close();
  });

  test("a failed sync is reported with the next cycle, naming the file", async () => {
    const { io, releaseAll } = heldIo();
    const dir = tempDir();
    const sink = createCsvSink({ dir, layout: "g6", maxOpenFiles: 512, calendar, syncIntervalSeconds: 1, io, now: () => 0 });
    expect((await sink.write(results[0]!, NO_STATS)).faults).toBeUndefined();
    await releaseAll(Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" }));
    const faults = (await sink.write(results[1]!, NO_STATS)).faults!;
    const overview = join(dir, "overview/NIFTY/2026-11-20.csv");
    expect(faults.find((f) => f.target === overview)).toEqual({ target: overview, code: "io", reason: "sync failed, recent rows may not be on disk: EIO: i/o error, fdatasync" });
    expect(faults.filter((f) => f.reason.startsWith("sync failed")).length).toBeGreaterThanOrEqual(FILES);
    const closing = sink.close();
    await releaseAll();
    await closing;
  });
});
