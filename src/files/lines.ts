/**
 * Reading back G6 CSV files: the header line and its line-end style, the last complete line,
 * a torn tail, and a chunked scan of lines. Files the Python G6 wrote end lines with "\r\n"
 * (its csv module's default); every reader here returns lines without "\r" or "\n".
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";

/** Bytes read at a time; also the window searched for the last line. */
const CHUNK = 64 * 1024;
/** The header is ~330 bytes; a first line longer than this is not a G6 header. */
const HEAD_LIMIT = 4096;
const LF = 10;

function readRange(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.toString("utf8", 0, n);
}

const stripCr = (line: string) => (line.endsWith("\r") ? line.slice(0, -1) : line);

/**
 * The first line of an open file of `size` bytes, without its line end, and whether it ends
 * "\r\n". `complete` is false when there is no line end within the first 4 KiB: `text` is
 * then what was read.
 */
export function headLine(fd: number, size: number): { text: string; crlf: boolean; complete: boolean } {
  const head = readRange(fd, 0, Math.min(size, HEAD_LIMIT));
  const end = head.indexOf("\n");
  if (end < 0) return { text: head, crlf: false, complete: false };
  const crlf = end > 0 && head[end - 1] === "\r";
  return { text: head.slice(0, crlf ? end - 1 : end), crlf, complete: true };
}

/** The complete lines in the last 64 KiB of an open file of `size` bytes (the first may be cut), oldest first. */
function tailLines(fd: number, size: number): string[] {
  const start = Math.max(0, size - CHUNK);
  const lines = readRange(fd, start, size - start).split("\n");
  // The element after the last newline is "" or a torn partial line: not a complete line.
  lines.pop();
  if (start > 0) lines.shift();
  return lines.map(stripCr);
}

/** The last complete line of an open file (without its line end), or "" if none. */
export function lastLineOf(fd: number, size: number): string {
  return tailLines(fd, size).at(-1) ?? "";
}

/** The complete lines at the end of the file at `path` (up to 64 KiB), oldest first; [] when it does not exist. */
export function lastLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const fd = openSync(path, "r");
  try {
    return tailLines(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** The last complete line of the file at `path` (without its line end), or "" if none. */
export function lastLine(path: string): string {
  return lastLines(path).at(-1) ?? "";
}

/**
 * Length the open file of `size` bytes should have to end at its last complete line: `size`
 * when it ends with "\n", 0 when it has no complete line at all (even the header is torn).
 */
export function completeLength(fd: number, size: number): number {
  if (size === 0) return 0;
  const one = Buffer.alloc(1);
  readSync(fd, one, 0, 1, size - 1);
  if (one[0] === LF) return size;
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const idx = readRange(fd, start, end - start).lastIndexOf("\n");
    if (idx >= 0) return start + idx + 1;
    end = start;
  }
  return 0;
}

/**
 * Calls `visit` with each complete data line (after the header) of the file at `path`, in
 * order, reading 64 KiB at a time, until `visit` returns true. Nothing when it does not exist.
 */
export function scanLines(path: string, visit: (line: string) => boolean): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(CHUNK);
    let carry = "";
    let header = true;
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n <= 0) return;
      pos += n;
      const lines = (carry + buf.toString("utf8", 0, n)).split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        if (header) header = false;
        else if (visit(stripCr(line))) return;
      }
    }
  } finally {
    closeSync(fd);
  }
}
