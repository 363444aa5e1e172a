/**
 * The G6 CSV sink: per-option rows and the per-index overview (format and rows: src/g6csv).
 *
 * Layouts (storage.csv.layout):
 * - `g6`: the Python G6 layout, one file per index / expiry tag / offset / day;
 * - `expiry_v1`: one file per index / expiry tag / day under `<dir>/expiry_v1/`, same header
 *   and rows, for universes where the per-offset layout would need tens of thousands of files.
 * Each file gets at most one write per cycle. Rows at or before a file's last recorded instant
 * are skipped, so a restart or a replayed session never duplicates (index, expiry, offset,
 * timestamp). A file that cannot be written is reported in `SinkReport.faults` and retried next
 * cycle while every other file is written (files.ts). Written files are synced in the
 * background after a cycle's writes, every `syncIntervalSeconds` (sync.ts).
 */
import { isAbsolute, join } from "node:path";
import { formatG6Timestamp, type MarketCalendar } from "../../market/index.ts";
import { LARGE_BYTES, threadBuffers } from "../../chain/recycle.ts";
import { createFilePool, type CsvFile, type FilePool } from "./files.ts";
import type { FileIo } from "./io.ts";
import { lastLines, scanLines } from "../../files/lines.ts";
import { ByteWriter, expiryPath, OPTION_HEADER, OVERVIEW_HEADER, optionPath, overviewPath, overviewRow, pairMissing, readOptionRowTp, renderRowBodies, straddleAt, writeRowTail } from "../../g6csv/index.ts";
import type { CycleResult, EngineStats, RenderedRows, Sink, SinkFault, SinkReport } from "../../contracts/index.ts";

/**
 * Main-thread ms a write runs before it lets the event loop turn, between two files, while the
 * engine's pool has live workers. A universe cycle's rows take ~30 ms to append, beside the next
 * cycle (see the engine's hand-over); run in one piece they would hold back that cycle's worker
 * messages (its quotes arriving, its enrichment to dispatch) for all of it. Files are whole when
 * the loop turns: each file still gets its cycle's rows in one append.
 */
const WRITE_SLICE_MS = 4;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Cycles whose rendered rows were given back for recycling (at most once each, whichever sink wrote them). */
const released = new WeakSet<CycleResult>();

export type CsvLayout = "g6" | "expiry_v1";

export type CsvSinkOptions = {
  /** Base directory of the layout. */
  dir: string;
  layout: CsvLayout;
  maxOpenFiles: number;
  calendar: MarketCalendar;
  /**
   * Seconds between background syncs of the files written since the previous one (each
   * started after a cycle's writes, never awaited by a cycle); 0: only when files are closed.
   */
  syncIntervalSeconds: number;
  /** File-system calls (tests inject faults here). */
  io?: FileIo;
  /** Wall clock, epoch ms: paces syncs and names set-aside files. */
  now?: () => number;
  /** Main-thread ms a write runs beside live workers before the event loop turns (default WRITE_SLICE_MS; tests use 0). */
  writeSliceMs?: number;
};

/** Resolves a storage path: absolute as is, else under the data directory. */
export function underDataDir(dataDir: string, path: string): string {
  return isAbsolute(path) ? path : join(dataDir, path);
}

/**
 * First (or last) finite tp per offset over a file's rows: a row missing a leg has no tp and
 * is no reference. `single`: the file holds one series, so the scan stops at the first one.
 * Empty when the file does not exist.
 */
function tpByOffset(path: string, keep: "first" | "last", single: boolean): Map<number, number> {
  const out = new Map<number, number>();
  scanLines(path, (line) => {
    const row = readOptionRowTp(line);
    if (!row || !Number.isFinite(row.tp)) return false;
    if (keep === "last" || !out.has(row.offset)) out.set(row.offset, row.tp);
    return single && keep === "first";
  });
  return out;
}

/** The last finite tp of a one-series file (searched in its last 64 KiB), by offset. */
function lastTpOf(path: string): Map<number, number> {
  const lines = lastLines(path);
  for (let i = lines.length - 1; i >= 0; i--) {
    const row = readOptionRowTp(lines[i]!);
    if (row && Number.isFinite(row.tp)) return new Map([[row.offset, row.tp]]);
  }
  return new Map();
}

/** tp references per series of a file: offset → tp. */
type TpByOffset = Map<number, number>;

/** Day-change and net-change references per series, by layout. */
type SeriesMemory = {
  /** The day's first tp per offset of the file's series (filled as rows are written). */
  first(file: CsvFile): TpByOffset;
  /** The previous trading day's last tp per offset for the file at `path`. */
  previous(path: string, date: string): TpByOffset;
  clear(): void;
};

function createSeriesMemory(layout: CsvLayout, calendar: MarketCalendar): SeriesMemory {
  const first = new Map<CsvFile, TpByOffset>();
  const previous = new Map<string, TpByOffset>();
  const prevPath = (path: string, date: string) => path.slice(0, -"YYYY-MM-DD.csv".length) + `${calendar.previousTradingDay(date)}.csv`;
  const single = layout === "g6";
  return {
    first(file) {
      let m = first.get(file);
      if (!m) {
        // Read once per file and day (a file without rows has nothing to read); g6 files hold
        // one series, so the scan stops at its first complete row.
        m = file.lastTs === Number.NEGATIVE_INFINITY ? new Map() : tpByOffset(file.path, "first", single);
        first.set(file, m);
      }
      return m;
    },
    previous(path, date) {
      let m = previous.get(path);
      if (!m) {
        const p = prevPath(path, date);
        m = single ? lastTpOf(p) : tpByOffset(p, "last", false);
        previous.set(path, m);
      }
      return m;
    },
    clear() {
      first.clear();
      previous.clear();
    },
  };
}

export function createCsvSink(opts: CsvSinkOptions): Sink & { readonly repairedBytes: number } {
  const name = "csv";
  const now = opts.now ?? Date.now;
  const newPool = () => createFilePool({ maxOpen: opts.maxOpenFiles, io: opts.io, now });
  let pool = newPool();
  let day = "";
  let repairedBefore = 0;
  /** Closing of the previous days' pools (syncing then closing), in the background. */
  let retired: Promise<void> = Promise.resolve();
  /** Faults of retired pools (a failed final sync), reported with the next cycle. */
  let lateFaults: SinkFault[] = [];
  const syncMs = opts.syncIntervalSeconds * 1000;
  const sliceMs = opts.writeSliceMs ?? WRITE_SLICE_MS;
  let lastSyncAt = Number.NEGATIVE_INFINITY;
  const memory = createSeriesMemory(opts.layout, opts.calendar);
  const pathOf = (index: string, tag: string, offset: number, date: string) =>
    opts.layout === "g6" ? optionPath(opts.dir, index, tag, offset, date) : expiryPath(opts.dir, index, tag, date);
  const encoder = new TextEncoder();

  const retire = (old: FilePool) => {
    repairedBefore += old.repairedBytes;
    retired = retired.then(async () => {
      await old.close();
      lateFaults.push(...old.takeFaults());
    });
  };

  /** Starts a background sync when one is due; the cycle never waits for it. */
  const syncIfDue = () => {
    if (syncMs <= 0) return;
    const t = now();
    // A clock stepped back must not postpone syncs until it catches up.
    if ((t - lastSyncAt >= syncMs || t < lastSyncAt) && pool.startSync()) lastSyncAt = t;
  };

  const writer = new ByteWriter();
  /** Appends one cycle's text for a file unless the file already has rows at or after `at`; false if the append faulted. */
  const appendOnce = (file: CsvFile, data: Uint8Array, rows: number, at: number, report: SinkReport) => {
    if (at <= file.lastTs) {
      report.duplicatesSkipped += rows;
      return true;
    }
    const n = pool.append(file, data);
    if (n < 0) return false;
    report.bytes += n;
    report.rows += rows;
    file.lastTs = at;
    return true;
  };

  return {
    name,
    // Rows must never be lost: a cycle waits for room behind a slow disk (collection slows, the
    // missed ticks are counted) rather than being dropped. Four cycles bound the memory held.
    queue: { capacity: 4, whenFull: "block" },
    get repairedBytes() {
      return repairedBefore + pool.repairedBytes;
    },
    async open() {},
    async write(result: CycleResult, stats?: Readonly<EngineStats>): Promise<SinkReport> {
      const report: SinkReport = { rows: 0, bytes: 0, duplicatesSkipped: 0 };
      const { batch: b, at, date } = result;
      if (date !== day) {
        // A new trading day: the previous day's files are done.
        if (day !== "") {
          retire(pool);
          pool = newPool();
          memory.clear();
        }
        day = date;
      }
      pool.beginCycle();
      // Row bodies come rendered from enrichment (on the pool); render them here otherwise.
      const rendered: RenderedRows[] = result.rendered ?? [renderRowBodies(b, 0, b.groups, formatG6Timestamp(at))];
      let shard = 0;
      // Rows of one file are consecutive in this loop (one offset per tag, or one expiry per
      // file), so each file's rows are one segment of the writer: one write per file.
      writer.reset();
      let current: CsvFile | null = null;
      let segmentStart = 0;
      let segmentRows = 0;
      let firstTps: TpByOffset = new Map();
      /** Offsets whose day reference was set by a row of the current segment. */
      const newFirsts: number[] = [];
      const flushSegment = () => {
        if (current && segmentRows > 0 && !appendOnce(current, writer.view(segmentStart), segmentRows, at, report)) {
          // Those rows are not in the file: the day's reference stays what the file holds.
          for (const offset of newFirsts) firstTps.delete(offset);
        }
        newFirsts.length = 0;
        segmentStart = writer.pos;
        segmentRows = 0;
      };
      let previousTps: TpByOffset = new Map();
      let sliceStart = performance.now();
      // Only beside live workers: inline, a write has nothing to make room for and runs whole.
      const sliced = (stats?.pool?.workers ?? 0) > 0;
      const perExpiry = opts.layout === "expiry_v1";
      for (const e of result.expiries) {
        let resolved = false;
        for (let c = b.start[e.group]!; c < b.end[e.group]!; c += 2) {
          if (pairMissing(b, c)) continue;
          const offset = b.strike[c]! - e.atm;
          // expiry_v1: one file per group, resolved once; g6: one file per offset.
          if (!perExpiry || !resolved) {
            resolved = true;
            const path = pathOf(e.index, e.tag, offset, date);
            const file = pool.touch(path, OPTION_HEADER);
            if (file !== current) {
              flushSegment();
              // A long write lets the event loop turn between files (see WRITE_SLICE_MS).
              if (sliced && performance.now() - sliceStart >= sliceMs) {
                await nextTurn();
                sliceStart = performance.now();
              }
              current = file;
              if (file.writable) {
                firstTps = memory.first(file);
                previousTps = memory.previous(path, date);
              }
            }
          }
          const file = current!;
          // A file that faulted this cycle is skipped (its fault is reported); the rest carry on.
          if (!file.writable) continue;
          if (at <= file.lastTs) {
            report.duplicatesSkipped++;
            continue;
          }
          const k = c >> 1;
          while (k >= rendered[shard]!.pairStart + rendered[shard]!.pairEnd.length) shard++;
          const r = rendered[shard]!;
          const i = k - r.pairStart;
          writer.range(r.bytes, i === 0 ? 0 : r.pairEnd[i - 1]!, r.pairEnd[i]!);
          const tp = straddleAt(b, c);
          // The day's reference is its first complete straddle: a row missing a leg has no tp.
          if (tp === tp && !firstTps.has(offset)) {
            firstTps.set(offset, tp);
            newFirsts.push(offset);
          }
          writeRowTail(writer, tp - (previousTps.get(offset) ?? Number.NaN), tp - (firstTps.get(offset) ?? Number.NaN));
          segmentRows++;
        }
      }
      flushSegment();
      for (const s of result.indices) {
        const file = pool.touch(overviewPath(opts.dir, s.index, date), OVERVIEW_HEADER);
        if (file.writable) appendOnce(file, encoder.encode(`${overviewRow(s, result.expiries, at)}\n`), 1, at, report);
      }
      // Headers of the files created this cycle are bytes written too.
      report.bytes += pool.takeHeaderBytes();
      const faults = pool.takeFaults();
      if (lateFaults.length) {
        faults.push(...lateFaults);
        lateFaults = [];
      }
      if (faults.length) report.faults = faults;
      syncIfDue();
      // The rendered rows are copied into the files' bytes: their memory is recycled for the
      // next rows, once per cycle, and only after a write that returned (a retry reads them again).
      if (!released.has(result)) {
        released.add(result);
        threadBuffers.give(rendered.map((r) => r.bytes.buffer as ArrayBuffer).filter((buf) => buf.byteLength >= LARGE_BYTES));
      }
      return report;
    },
    async flush() {
      await retired;
      await pool.sync();
    },
    async close() {
      await retired;
      repairedBefore += pool.repairedBytes;
      await pool.close();
      pool = newPool();
    },
  };
}
