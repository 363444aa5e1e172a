/**
 * Daily JSONL journals: append-only files of one JSON object a line, one file per day
 * (`<dir>/<prefix>-YYYY-MM-DD.jsonl`). Each append is one write(2) of whole lines to a file
 * opened O_APPEND, then fdatasync, so a crash leaves at most one torn last line. When a file
 * is opened (at start, on a new day) a last line without its newline is such a torn line: it
 * is moved to `<file>.torn` (appended there, for inspection) and the file is cut back to its
 * last complete line before anything is appended, so every line of the journal parses.
 */
import * as nodeFs from "node:fs";
import { join } from "node:path";

export type JsonlFs = Pick<typeof nodeFs, "mkdirSync" | "openSync" | "writeSync" | "fdatasyncSync" | "closeSync" | "fstatSync" | "readSync" | "ftruncateSync" | "appendFileSync">;

export type DailyJsonl = {
  /** Appends `records` (one line each) to the file of `day` (YYYY-MM-DD). Throws what the file system throws. */
  append(day: string, records: readonly unknown[]): void;
  /** The path of `day`'s file. */
  pathOf(day: string): string;
  close(): void;
};

export type DailyJsonlOptions = {
  dir: string;
  prefix: string;
  /** Told once per torn line set aside (the file and how many bytes). */
  onTorn?: (message: string) => void;
  fs?: JsonlFs;
};

/** Bytes after the last newline of the open file `fd` of `size` bytes (0: the file ends with a whole line, or is empty). */
function tornTail(fs: JsonlFs, fd: number, size: number): number {
  const chunk = Buffer.alloc(4096);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = fs.readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) return size - (start + nl + 1);
    end = start;
  }
  return size;
}

export function createDailyJsonl(opts: DailyJsonlOptions): DailyJsonl {
  const fs = opts.fs ?? nodeFs;
  let open: { day: string; fd: number } | null = null;
  const pathOf = (day: string) => join(opts.dir, `${opts.prefix}-${day}.jsonl`);

  function openDay(day: string): number {
    if (open?.day === day) return open.fd;
    if (open) fs.closeSync(open.fd);
    open = null;
    fs.mkdirSync(opts.dir, { recursive: true });
    const path = pathOf(day);
    // Read-write to repair a torn tail; O_APPEND so every write lands at the end.
    const fd = fs.openSync(path, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT | nodeFs.constants.O_APPEND, 0o644);
    const size = fs.fstatSync(fd).size;
    const torn = size > 0 ? tornTail(fs, fd, size) : 0;
    if (torn > 0) {
      const tail = Buffer.alloc(torn);
      fs.readSync(fd, tail, 0, torn, size - torn);
      fs.appendFileSync(`${path}.torn`, Buffer.concat([tail, Buffer.from("\n")]));
      fs.ftruncateSync(fd, size - torn);
      fs.fdatasyncSync(fd);
      opts.onTorn?.(`${path}: a torn last line (${torn} bytes, an interrupted write) was moved to ${path}.torn`);
    }
    open = { day, fd };
    return fd;
  }

  return {
    pathOf,
    append(day, records) {
      if (records.length === 0) return;
      const fd = openDay(day);
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join("");
      const buf = Buffer.from(text);
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
      fs.fdatasyncSync(fd);
    },
    close() {
      if (open) fs.closeSync(open.fd);
      open = null;
    },
  };
}

/** The records of a JSONL file's complete lines, and the bytes of a torn last line (not parsed). */
export function readJsonl(text: string): { records: unknown[]; tornBytes: number } {
  const end = text.lastIndexOf("\n") + 1;
  const records = text
    .slice(0, end)
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as unknown);
  return { records, tornBytes: Buffer.byteLength(text.slice(end)) };
}
