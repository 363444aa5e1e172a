/**
 * Append-only CSV files with crash safety and a bound on open descriptors.
 *
 * On first touch of a file in this process: a torn trailing line (a crash mid-write) is cut
 * off, the header is checked (a file with another header is never appended to), and the last
 * row's timestamp and the first row's values are read, so that a restart never writes a row
 * at or before the last recorded instant (no duplicates). Each row is appended with a single
 * write(2) on an O_APPEND descriptor. Descriptors are kept open and closed least-recently-used
 * beyond `maxOpen`; per-file state survives eviction.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { parseG6Timestamp } from "../../market/index.ts";
import { SinkError } from "../types.ts";

export type CsvFile = {
  path: string;
  /** Epoch ms of the last row on disk, or -Infinity for a new file. */
  lastTs: number;
  /** Fields of the first data row (empty for a new file). */
  firstRow: string[];
  fd: number | null;
};

const CHUNK = 64 * 1024;

function readRange(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.toString("utf8", 0, n);
}

/** The last complete line of a file (without its newline), or "" if none. */
export function lastLine(path: string): string {
  if (!existsSync(path)) return "";
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - CHUNK);
    const text = readRange(fd, start, size - start);
    const lines = text.split("\n");
    // The element after the last newline is "" or a torn partial line: not a complete line.
    lines.pop();
    return lines.length ? lines[lines.length - 1]! : "";
  } finally {
    closeSync(fd);
  }
}

/** Cuts a torn trailing line off the open file; returns the bytes removed. */
function repairTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  if (readRange(fd, size - 1, 1) === "\n") return 0;
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const idx = readRange(fd, start, end - start).lastIndexOf("\n");
    if (idx >= 0) {
      ftruncateSync(fd, start + idx + 1);
      return size - (start + idx + 1);
    }
    end = start;
  }
  // No complete line at all: even the header is torn. Start the file afresh.
  ftruncateSync(fd, 0);
  return size;
}

export type FilePool = {
  /** State of the file, opening (and creating with `header`) it if needed. */
  touch(path: string, header: string): CsvFile;
  /** Appends `data` (one or more complete lines) with one write; returns bytes written. */
  append(file: CsvFile, data: string | Uint8Array): number;
  /** Bytes cut from torn trailing lines so far. */
  readonly repairedBytes: number;
  readonly openCount: number;
  /** Forces written rows of every open file to disk. */
  sync(): void;
  closeAll(): void;
};

export function createFilePool(sink: string, maxOpen: number): FilePool {
  const files = new Map<string, CsvFile>();
  /** Open descriptors in least-recently-used order (Map keeps insertion order). */
  const open = new Map<string, CsvFile>();
  let repairedBytes = 0;

  function ensureOpen(file: CsvFile): number {
    if (file.fd !== null) {
      open.delete(file.path);
      open.set(file.path, file);
      return file.fd;
    }
    while (open.size >= maxOpen) {
      const [path, oldest] = open.entries().next().value as [string, CsvFile];
      closeSync(oldest.fd!);
      oldest.fd = null;
      open.delete(path);
    }
    file.fd = openSync(file.path, "a");
    open.set(file.path, file);
    return file.fd;
  }

  function load(path: string, header: string): CsvFile {
    const file: CsvFile = { path, lastTs: Number.NEGATIVE_INFINITY, firstRow: [], fd: null };
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, existsSync(path) ? "r+" : "w+");
    try {
      repairedBytes += repairTail(fd);
      const size = fstatSync(fd).size;
      if (size === 0) {
        writeSync(fd, `${header}\n`);
        return file;
      }
      const head = readRange(fd, 0, Math.min(size, CHUNK)).split("\n");
      if (head[0] !== header) {
        throw new SinkError(sink, `${path} has a different header; refusing to append (found "${head[0]!.slice(0, 80)}")`);
      }
      if (head.length > 2 && head[1]) file.firstRow = head[1].split(",");
    } finally {
      closeSync(fd);
    }
    const last = lastLine(path);
    if (last && last !== header) {
      const ts = last.slice(0, last.indexOf(","));
      try {
        file.lastTs = parseG6Timestamp(ts);
      } catch {
        throw new SinkError(sink, `${path}: last row has an unreadable timestamp "${ts}"; refusing to append`);
      }
    }
    return file;
  }

  return {
    touch(path, header) {
      let file = files.get(path);
      if (!file) {
        file = load(path, header);
        files.set(path, file);
      }
      return file;
    },
    append(file, data) {
      const fd = ensureOpen(file);
      return typeof data === "string" ? writeSync(fd, data) : writeSync(fd, data, 0, data.length);
    },
    get repairedBytes() {
      return repairedBytes;
    },
    get openCount() {
      return open.size;
    },
    sync() {
      for (const f of open.values()) if (f.fd !== null) fsyncSync(f.fd);
    },
    closeAll() {
      for (const f of open.values()) {
        if (f.fd !== null) closeSync(f.fd);
        f.fd = null;
      }
      open.clear();
      files.clear();
    },
  };
}
