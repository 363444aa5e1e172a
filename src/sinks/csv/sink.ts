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
import type { MarketCalendar } from "../../market/index.ts";
import type { Sink, SinkReport } from "../types.ts";
import { createFilePool, lastLine, type CsvFile } from "./files.ts";
import { OPTION_HEADER, OVERVIEW_HEADER, optionPath, optionRow, overviewPath, overviewRow, pairMissing, straddleAt, TP_COLUMN } from "./format.ts";

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

/** Day-change and net-change references per series, by layout. */
type SeriesMemory = {
  /** The day's first tp of the series (NaN if it has none yet). */
  firstTp(file: CsvFile, offset: number): number;
  /** The previous trading day's last tp of the series (NaN if unknown). */
  previousTp(path: string, offset: number, date: string): number;
  remember(file: CsvFile, offset: number, tp: number): void;
  clear(): void;
};

function createSeriesMemory(layout: CsvLayout, calendar: MarketCalendar): SeriesMemory {
  const first = new Map<string, Map<number, number>>();
  const previous = new Map<string, Map<number, number>>();
  const prevPath = (path: string, date: string) => path.slice(0, -"YYYY-MM-DD.csv".length) + `${calendar.previousTradingDay(date)}.csv`;
  const firstOf = (file: CsvFile) => {
    let m = first.get(file.path);
    if (!m) {
      // g6 files hold one series: the first row is enough. expiry_v1 files are scanned once.
      m = layout === "g6" ? new Map(file.firstRow.length ? [[Number(file.firstRow[OFFSET_COLUMN]), tpOf(file.firstRow)]] : []) : tpByOffset(file.path, "first");
      first.set(file.path, m);
    }
    return m;
  };
  return {
    firstTp: (file, offset) => firstOf(file).get(offset) ?? Number.NaN,
    previousTp(path, offset, date) {
      let m = previous.get(path);
      if (!m) {
        const p = prevPath(path, date);
        if (layout === "g6") {
          const last = lastLine(p);
          m = new Map(last && last !== OPTION_HEADER ? [[offset, tpOf(last.split(","))]] : []);
        } else {
          m = tpByOffset(p, "last");
        }
        previous.set(path, m);
      }
      return m.get(offset) ?? Number.NaN;
    },
    remember(file, offset, tp) {
      const m = firstOf(file);
      if (!m.has(offset)) m.set(offset, tp);
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

  /** Appends one cycle's rows to a file unless the file already has rows at or after `at`. */
  const appendRows = (file: CsvFile, rows: string[], at: number, report: SinkReport) => {
    if (at <= file.lastTs) {
      report.duplicatesSkipped += rows.length;
      return;
    }
    report.bytes += pool.append(file, `${rows.join("\n")}\n`);
    report.rows += rows.length;
    file.lastTs = at;
    if (file.firstRow.length === 0) file.firstRow = rows[0]!.split(",");
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
      const pending = new Map<CsvFile, string[]>();
      for (const e of result.expiries) {
        for (let c = b.start[e.group]!; c < b.end[e.group]!; c += 2) {
          if (pairMissing(b, c)) continue;
          const offset = b.strike[c]! - e.atm;
          const path = pathOf(e.index, e.tag, offset, date);
          const file = pool.touch(path, OPTION_HEADER);
          if (at <= file.lastTs) {
            report.duplicatesSkipped++;
            continue;
          }
          const tp = straddleAt(b, c);
          memory.remember(file, offset, tp);
          const row = optionRow(b, e, c, at, tp - memory.previousTp(path, offset, date), tp - memory.firstTp(file, offset));
          const rows = pending.get(file);
          if (rows) rows.push(row);
          else pending.set(file, [row]);
        }
      }
      for (const [file, rows] of pending) appendRows(file, rows, at, report);
      for (const s of result.indices) {
        const file = pool.touch(overviewPath(opts.dir, s.index, date), OVERVIEW_HEADER);
        appendRows(file, [overviewRow(s, result.expiries, at)], at, report);
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
