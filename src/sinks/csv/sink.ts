/**
 * The G6 CSV sink: per-option rows and the per-index overview (see format.ts).
 *
 * Layouts (storage.csv.layout):
 * - `g6`: the Python G6 layout, one file per index / expiry tag / offset / day;
 * - `expiry_v1`: one file per index / expiry tag / day under `<dir>/expiry_v1/`, same header
 *   and rows, for universes where the per-offset layout would need tens of thousands of files.
 * Each file gets at most one write per cycle. Rows at or before a file's last recorded instant
 * are skipped, so a restart or a replayed session never duplicates (index, expiry, offset,
 * timestamp).
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { CycleResult } from "../../engine/cycle.ts";
import { formatG6Timestamp, type MarketCalendar } from "../../market/index.ts";
import type { Sink, SinkReport } from "../types.ts";
import { createFilePool, lastLine, type CsvFile } from "./files.ts";
import { ByteWriter } from "./bytes.ts";
import {
  OPTION_HEADER,
  OVERVIEW_HEADER,
  optionPath,
  overviewPath,
  overviewRow,
  pairMissing,
  renderRowBodies,
  straddleAt,
  TP_COLUMN,
  writeRowTail,
  type RenderedRows,
} from "./format.ts";

export type CsvLayout = "g6" | "expiry_v1";

export type CsvSinkOptions = {
  /** Base directory of the layout. */
  dir: string;
  layout: CsvLayout;
  maxOpenFiles: number;
  calendar: MarketCalendar;
};

/** Resolves a storage path: absolute as is, else under the data directory. */
export function underDataDir(dataDir: string, path: string): string {
  return isAbsolute(path) ? path : join(dataDir, path);
}

export function expiryPath(base: string, index: string, tag: string, date: string): string {
  return `${base}/expiry_v1/${index}/${tag}/${date}.csv`;
}

const OFFSET_COLUMN = OPTION_HEADER.split(",").indexOf("offset");
const tpOf = (fields: readonly string[]) => (fields[TP_COLUMN] ? Number(fields[TP_COLUMN]) : Number.NaN);

/** First (or last) tp per offset over a file's rows; empty when the file does not exist. */
function tpByOffset(path: string, keep: "first" | "last"): Map<number, number> {
  const out = new Map<number, number>();
  if (!existsSync(path)) return out;
  const lines = readFileSync(path, "utf8").split("\n");
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.split(",");
    if (fields.length <= TP_COLUMN) continue;
    const offset = Number(fields[OFFSET_COLUMN]);
    if (keep === "last" || !out.has(offset)) out.set(offset, tpOf(fields));
  }
  return out;
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
  const fromRow = (fields: readonly string[]): TpByOffset => new Map(fields.length > TP_COLUMN ? [[Number(fields[OFFSET_COLUMN]), tpOf(fields)]] : []);
  return {
    first(file) {
      let m = first.get(file);
      if (!m) {
        // g6 files hold one series: the first row is enough. expiry_v1 files are scanned once.
        m = layout === "g6" ? fromRow(file.firstRow) : tpByOffset(file.path, "first");
        first.set(file, m);
      }
      return m;
    },
    previous(path, date) {
      let m = previous.get(path);
      if (!m) {
        const p = prevPath(path, date);
        if (layout === "g6") {
          const last = lastLine(p);
          m = last && last !== OPTION_HEADER ? fromRow(last.split(",")) : new Map();
        } else {
          m = tpByOffset(p, "last");
        }
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
  let pool = createFilePool(name, opts.maxOpenFiles);
  let day = "";
  let repairedBefore = 0;
  const memory = createSeriesMemory(opts.layout, opts.calendar);
  const pathOf = (index: string, tag: string, offset: number, date: string) =>
    opts.layout === "g6" ? optionPath(opts.dir, index, tag, offset, date) : expiryPath(opts.dir, index, tag, date);

  const writer = new ByteWriter();
  /** Appends one cycle's text for a file unless the file already has rows at or after `at`. */
  const appendOnce = (file: CsvFile, data: string | Uint8Array, rows: number, at: number, report: SinkReport) => {
    if (at <= file.lastTs) {
      report.duplicatesSkipped += rows;
      return;
    }
    report.bytes += pool.append(file, data);
    report.rows += rows;
    file.lastTs = at;
  };

  return {
    name,
    get repairedBytes() {
      return repairedBefore + pool.repairedBytes;
    },
    async open() {},
    async write(result: CycleResult): Promise<SinkReport> {
      const report: SinkReport = { rows: 0, bytes: 0, duplicatesSkipped: 0 };
      const { batch: b, at, date } = result;
      if (date !== day) {
        // A new trading day: the previous day's files are done.
        repairedBefore += pool.repairedBytes;
        pool.closeAll();
        pool = createFilePool(name, opts.maxOpenFiles);
        memory.clear();
        day = date;
      }
      // Row bodies come rendered from enrichment (on the pool); render them here otherwise.
      const rendered: RenderedRows[] = result.rendered ?? [renderRowBodies(b, 0, b.groups, formatG6Timestamp(at))];
      let shard = 0;
      // Rows of one file are consecutive in this loop (one offset per tag, or one expiry per
      // file), so each file's rows are one segment of the writer: one write per file.
      writer.reset();
      let current: CsvFile | null = null;
      let segmentStart = 0;
      let segmentRows = 0;
      const flushSegment = () => {
        if (current && segmentRows > 0) appendOnce(current, writer.view(segmentStart), segmentRows, at, report);
        segmentStart = writer.pos;
        segmentRows = 0;
      };
      let firstTps: TpByOffset = new Map();
      let previousTps: TpByOffset = new Map();
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
              current = file;
              firstTps = memory.first(file);
              previousTps = memory.previous(path, date);
            }
          }
          const file = current!;
          if (at <= file.lastTs) {
            report.duplicatesSkipped++;
            continue;
          }
          const k = c >> 1;
          while (k >= rendered[shard]!.pairStart + rendered[shard]!.pairEnd.length) shard++;
          const r = rendered[shard]!;
          const i = k - r.pairStart;
          writer.bytes(r.bytes.subarray(i === 0 ? 0 : r.pairEnd[i - 1]!, r.pairEnd[i]!));
          const tp = straddleAt(b, c);
          if (!firstTps.has(offset)) firstTps.set(offset, tp);
          writeRowTail(writer, tp - (previousTps.get(offset) ?? Number.NaN), tp - firstTps.get(offset)!);
          segmentRows++;
        }
      }
      flushSegment();
      for (const s of result.indices) {
        const file = pool.touch(overviewPath(opts.dir, s.index, date), OVERVIEW_HEADER);
        appendOnce(file, `${overviewRow(s, result.expiries, at)}\n`, 1, at, report);
      }
      return report;
    },
    async flush() {
      pool.sync();
    },
    async close() {
      repairedBefore += pool.repairedBytes;
      pool.closeAll();
    },
  };
}
