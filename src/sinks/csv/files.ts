/**
 * Append-only CSV files: crash safety, faults confined to one file, a bound on open descriptors.
 *
 * A file is loaded when first touched and again whenever it changed under us (deleted,
 * truncated or appended to by another writer, or replaced while its descriptor was closed:
 * checked with one fstat per file per cycle): a torn trailing line (a crash mid-write) is cut off, the header is checked, and the
 * last row's timestamp is read, so that a restart never writes a row at or before the last
 * recorded instant (no duplicates). A G6 header ending "\r\n" (the Python G6's csv module)
 * makes rows append with "\r\n". A file with another header, or whose last timestamp cannot be
 * read, is never appended to nor modified: it is renamed aside (`<name>.foreign-<stamp>.csv`)
 * and the file is started afresh, reported once as a `foreign_file` fault.
 *
 * Each append is one write(2) on an O_APPEND descriptor; a failed one (no space, I/O error) is
 * cut back to the file's last complete row, so rows written after the fault clears never
 * join a partial line. A file that cannot be loaded or written is reported in `takeFaults()`,
 * skipped for the cycle and retried on the next; every other file carries on. Descriptors are
 * closed least-recently-used beyond `maxOpen`; per-file state survives eviction.
 */
import { constants, existsSync, fstatSync, mkdirSync, openSync, renameSync } from "node:fs";
import { basename, dirname } from "node:path";
import { readRowTimestamp } from "../../g6csv/index.ts";
import { formatIsoIst } from "../../market/index.ts";
import { nodeIo, type FileIo } from "./io.ts";
import { completeLength, headLine, lastLineOf } from "../../files/lines.ts";
import { createSyncer, type SyncTarget } from "./sync.ts";
import { errorMessage, faultCodeOf, type SinkFault, type SinkFaultCode } from "../../contracts/index.ts";

export type CsvFile = SyncTarget & {
  readonly path: string;
  readonly header: string;
  /** Epoch ms of the last row on disk, or -Infinity for a file without rows. */
  lastTs: number;
  /** The file's line end: "\n", or "\r\n" in a file the Python G6 wrote. Appended rows follow it. */
  eol: "\n" | "\r\n";
  /** False when the file cannot be written this cycle (its fault is in `takeFaults()`). */
  writable: boolean;
  /** Bytes the file holds after our last write, and its inode: anything else means it changed under us. */
  size: number;
  ino: number;
  loaded: boolean;
  /** The cycle in which the file was last checked (or its load retried). */
  checked: number;
  /** A failed append could not be cut back: truncate to `size` before the next append. */
  tailDirty: boolean;
};

export type FilePoolOptions = {
  maxOpen: number;
  /** File-system calls (tests inject faults here). */
  io?: FileIo;
  /** Wall clock, epoch ms: names set-aside files. */
  now?: () => number;
};

export type FilePool = {
  /** Starts a cycle: each file touched in it is checked (or its failed load retried) once. */
  beginCycle(): void;
  /** The file at `path`, created with `header` if missing. Append only when `writable`. */
  touch(path: string, header: string): CsvFile;
  /**
   * Appends `data` (complete "\n"-ended lines) with one write, in the file's line-end style;
   * returns the bytes written, or -1 after a fault (the file is left ending at its last
   * complete row, or marked so that it is before the next append).
   */
  append(file: CsvFile, data: Uint8Array): number;
  /** Files that faulted since the last call, one entry per file (its latest fault). */
  takeFaults(): SinkFault[];
  /** Header bytes written to new files since the last call (part of the cycle's bytes written). */
  takeHeaderBytes(): number;
  /** Bytes cut from torn trailing lines so far. */
  readonly repairedBytes: number;
  readonly openCount: number;
  /** Starts syncing the files written since the last sync in the background (none if one runs); true if started. */
  startSync(): boolean;
  /** Waits for a running sync, then syncs every file written since: on disk when it resolves. */
  sync(): Promise<void>;
  /** `sync()`, then closes every descriptor; the pool is done. */
  close(): Promise<void>;
};

const LF = 10;
const CR = 13;
/** Characters of a foreign header or timestamp quoted in a fault reason. */
const QUOTE_CHARS = 60;

/** `data` with each "\n" written "\r\n": rows are rendered with "\n", a CRLF file gets them in kind. */
export function toCrlf(data: Uint8Array): Uint8Array {
  let lf = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === LF) lf++;
  const out = new Uint8Array(data.length + lf);
  for (let i = 0, j = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === LF) out[j++] = CR;
    out[j++] = b;
  }
  return out;
}

/** A free name beside `path` for a file set aside at epoch ms `at`: `<name>.<kind>-<YYYYMMDDTHHMMSS IST>[-n].csv`. */
export function asideName(path: string, kind: string, at: number): string {
  const stamp = formatIsoIst(at).slice(0, 19).replace(/[-:]/g, "");
  const stem = path.endsWith(".csv") ? path.slice(0, -4) : path;
  for (let n = 1; ; n++) {
    const candidate = `${stem}.${kind}-${stamp}${n > 1 ? `-${n}` : ""}.csv`;
    if (!existsSync(candidate)) return candidate;
  }
}

const clip = (s: string) => (s.length > QUOTE_CHARS ? `${s.slice(0, QUOTE_CHARS)}…` : s);

export function createFilePool(opts: FilePoolOptions): FilePool {
  const io = opts.io ?? nodeIo;
  const now = opts.now ?? Date.now;
  const syncer = createSyncer(io);
  const encoder = new TextEncoder();
  const files = new Map<string, CsvFile>();
  /** Open descriptors in least-recently-used order (Map keeps insertion order). */
  const open = new Map<string, CsvFile>();
  const faults = new Map<string, SinkFault>();
  let repairedBytes = 0;
  let headerBytes = 0;
  let cycle = 0;

  /** Records the file's fault; the reason drops the path errno messages repeat (the target names it). */
  const fault = (file: CsvFile, code: SinkFaultCode, reason: string) =>
    faults.set(file.path, { target: file.path, code, reason: reason.replace(` '${file.path}'`, "") });

  /**
   * The file's descriptor, opening it (most recently used first) when it has none. `create`
   * false reopens only an existing file: a file deleted while its descriptor was evicted must
   * go through load() (header, directory entry synced), not be recreated empty here.
   */
  function openFd(file: CsvFile, create = true): number {
    if (file.fd !== null) {
      open.delete(file.path);
      open.set(file.path, file);
      return file.fd;
    }
    while (open.size >= opts.maxOpen) releaseFd(open.values().next().value!);
    file.fd = openSync(file.path, create ? "a+" : constants.O_RDWR | constants.O_APPEND);
    open.set(file.path, file);
    return file.fd;
  }

  function releaseFd(file: CsvFile): void {
    if (file.fd === null) return;
    open.delete(file.path);
    syncer.closeFd(file.fd);
    file.fd = null;
  }

  /** mkdir -p; a directory it creates needs its entry in the parent synced, like a new file. */
  function makeDir(dir: string): void {
    const first = mkdirSync(dir, { recursive: true });
    if (first === undefined) return;
    for (let d = dir; d !== dirname(d); d = dirname(d)) {
      syncer.markDir(dirname(d));
      if (d === first) break;
    }
  }

  /** Writes all of `bytes`; on failure cuts the file back to `file.size` (or marks its tail) and rethrows. */
  function writeAll(file: CsvFile, fd: number, bytes: Uint8Array): void {
    try {
      for (let off = 0; off < bytes.length; ) {
        const n = io.write(fd, off === 0 ? bytes : bytes.subarray(off));
        if (n <= 0) throw Object.assign(new Error(`EIO: wrote 0 of ${bytes.length - off} bytes`), { code: "EIO" });
        off += n;
      }
    } catch (err) {
      try {
        io.ftruncate(fd, file.size);
      } catch {
        file.tailDirty = true;
      }
      throw err;
    }
    file.size += bytes.length;
  }

  /** Reads the file's state from disk, creating it with its header if missing; false when it cannot be written. Throws errno errors. */
  function load(file: CsvFile): boolean {
    releaseFd(file);
    file.loaded = false;
    file.tailDirty = false;
    const dir = dirname(file.path);
    makeDir(dir);
    const created = !existsSync(file.path);
    const fd = openFd(file);
    if (created) syncer.markDir(dir);
    const st = fstatSync(fd);
    file.ino = st.ino;
    file.lastTs = Number.NEGATIVE_INFINITY;
    file.eol = "\n";
    // The header is checked before anything is cut: a foreign file is never modified.
    const head = st.size > 0 ? headLine(fd, st.size) : null;
    if (head && !head.complete && !file.header.startsWith(head.text.replace(/\r$/, ""))) {
      return setAside(file, "foreign", `it has no header line (found "${clip(head.text)}")`);
    }
    if (head?.complete && head.text !== file.header) return setAside(file, "foreign", `its header is not G6's (found "${clip(head.text)}")`);
    // A torn trailing line (a crash mid-write) is cut; a torn header leaves nothing.
    const complete = completeLength(fd, st.size);
    if (complete < st.size) {
      io.ftruncate(fd, complete);
      repairedBytes += st.size - complete;
    }
    file.size = complete;
    if (complete === 0) {
      const header = encoder.encode(`${file.header}\n`);
      writeAll(file, fd, header);
      headerBytes += header.length;
      syncer.markFile(file);
      return (file.loaded = true);
    }
    file.eol = head!.crlf ? "\r\n" : "\n";
    const last = lastLineOf(fd, complete);
    if (last !== file.header) {
      try {
        file.lastTs = readRowTimestamp(last);
      } catch {
        const comma = last.indexOf(",");
        return setAside(file, "unreadable", `its last row has an unreadable timestamp "${clip(comma < 0 ? last : last.slice(0, comma))}"`);
      }
    }
    return (file.loaded = true);
  }

  /** Renames a file we must not append to out of the way and starts it afresh; reported as a foreign_file fault. */
  function setAside(file: CsvFile, kind: "foreign" | "unreadable", why: string): boolean {
    releaseFd(file);
    const aside = asideName(file.path, kind, now());
    try {
      renameSync(file.path, aside);
    } catch (err) {
      fault(file, "foreign_file", `${why}; it could not be set aside (${errorMessage(err)}) and is left untouched`);
      return false;
    }
    syncer.markDir(dirname(file.path));
    fault(file, "foreign_file", `${why}; set aside as ${basename(aside)}, a new file was started`);
    return load(file);
  }

  /** Whether the file can be written this cycle: loads it, or reloads it when it changed under us. */
  function check(file: CsvFile): boolean {
    try {
      if (!file.loaded) return load(file);
      // One fstat: a reopened descriptor (after eviction) shows a replaced file by its inode.
      let fd: number;
      try {
        fd = file.fd ?? openFd(file, false);
      } catch (err) {
        // Deleted (with its directory, maybe) while its descriptor was evicted: start it again.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return load(file);
        throw err;
      }
      const st = fstatSync(fd);
      if (st.nlink > 0 && st.ino === file.ino) {
        if (st.size === file.size) return true;
        if (file.tailDirty && st.size > file.size) {
          // The rest of an append that failed and could not be cut back then.
          io.ftruncate(fd, file.size);
          file.tailDirty = false;
          return true;
        }
      }
      // Deleted, replaced, truncated or appended to by another writer: read it again.
      return load(file);
    } catch (err) {
      fault(file, faultCodeOf(err), errorMessage(err));
      return false;
    }
  }

  return {
    beginCycle() {
      cycle++;
    },
    touch(path, header) {
      let file = files.get(path);
      if (file === undefined) {
        file = { path, header, lastTs: Number.NEGATIVE_INFINITY, eol: "\n", writable: false, fd: null, unsynced: false, size: 0, ino: 0, loaded: false, checked: -1, tailDirty: false };
        files.set(path, file);
      }
      if (file.checked !== cycle) {
        file.checked = cycle;
        file.writable = check(file);
      }
      return file;
    },
    append(file, data) {
      if (!file.writable) return -1;
      const bytes = file.eol === "\n" ? data : toCrlf(data);
      try {
        writeAll(file, openFd(file), bytes);
      } catch (err) {
        file.writable = false;
        fault(file, faultCodeOf(err), errorMessage(err));
        return -1;
      }
      syncer.markFile(file);
      return bytes.length;
    },
    takeFaults() {
      const out = [...faults.values(), ...syncer.takeFaults()];
      faults.clear();
      return out;
    },
    takeHeaderBytes() {
      const n = headerBytes;
      headerBytes = 0;
      return n;
    },
    get repairedBytes() {
      return repairedBytes;
    },
    get openCount() {
      return open.size;
    },
    startSync: () => syncer.start(),
    sync: () => syncer.drain(),
    async close() {
      await syncer.drain();
      for (const f of [...open.values()]) releaseFd(f);
      files.clear();
    },
  };
}
