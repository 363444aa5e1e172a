/**
 * The G6 CSV sink: per-option series files and the per-index overview, in the G6 layout
 * (see format.ts). Rows at or before a file's last recorded instant are skipped, so a
 * restart or a replayed session never duplicates (index, expiry, offset, timestamp).
 */
import { isAbsolute, join } from "node:path";
import type { CycleResult } from "../../engine/cycle.ts";
import type { MarketCalendar } from "../../market/index.ts";
import type { Sink, SinkReport } from "../types.ts";
import { createFilePool, lastLine, type CsvFile } from "./files.ts";
import {
  OPTION_HEADER,
  OVERVIEW_HEADER,
  optionPath,
  optionRow,
  overviewPath,
  overviewRow,
  pairMissing,
  straddleAt,
  TP_COLUMN,
} from "./format.ts";

export type CsvSinkOptions = {
  /** Base directory of the G6 layout. */
  dir: string;
  maxOpenFiles: number;
  calendar: MarketCalendar;
};

/** Resolves a storage path: absolute as is, else under the data directory. */
export function underDataDir(dataDir: string, path: string): string {
  return isAbsolute(path) ? path : join(dataDir, path);
}

const tpOf = (fields: readonly string[]) => {
  const raw = fields[TP_COLUMN];
  return raw ? Number(raw) : Number.NaN;
};

export function createCsvSink(opts: CsvSinkOptions): Sink & { readonly repairedBytes: number } {
  const name = "csv";
  let pool = createFilePool(name, opts.maxOpenFiles);
  let day = "";
  let repairedBefore = 0;
  /** Last tp of the previous trading day per series path (read once per day and series). */
  const prevTp = new Map<string, number>();

  const previousDayTp = (path: string, date: string) => {
    let tp = prevTp.get(path);
    if (tp === undefined) {
      const prevPath = path.slice(0, -"YYYY-MM-DD.csv".length) + `${opts.calendar.previousTradingDay(date)}.csv`;
      const last = lastLine(prevPath);
      tp = last && last !== OPTION_HEADER ? tpOf(last.split(",")) : Number.NaN;
      prevTp.set(path, tp);
    }
    return tp;
  };

  const appendRow = (file: CsvFile, row: string, at: number, report: SinkReport) => {
    if (at <= file.lastTs) {
      report.duplicatesSkipped++;
      return;
    }
    report.bytes += pool.append(file, `${row}\n`);
    report.rows++;
    file.lastTs = at;
    if (file.firstRow.length === 0) file.firstRow = row.split(",");
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
        prevTp.clear();
        day = date;
      }
      for (const e of result.expiries) {
        for (let c = b.start[e.group]!; c < b.end[e.group]!; c += 2) {
          if (pairMissing(b, c)) continue;
          const path = optionPath(opts.dir, e.index, e.tag, b.strike[c]! - e.atm, date);
          const file = pool.touch(path, OPTION_HEADER);
          const tp = straddleAt(b, c);
          const firstTp = file.firstRow.length ? tpOf(file.firstRow) : tp;
          appendRow(file, optionRow(b, e, c, at, tp - previousDayTp(path, date), tp - firstTp), at, report);
        }
      }
      for (const s of result.indices) {
        const file = pool.touch(overviewPath(opts.dir, s.index, date), OVERVIEW_HEADER);
        appendRow(file, overviewRow(s, result.expiries, at), at, report);
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
