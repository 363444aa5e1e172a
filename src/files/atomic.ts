/**
 * Atomic, durable file replacement (a low module: the sinks and the Kite token store share it). A replace writes a temp file beside the target and renames
 * it over the target, so a reader sees the old or the new file, never a mix. Durability needs
 * two fsyncs as well: of the temp file before the rename (else, after a power loss or a forced
 * read-only remount, the name can point at an empty file) and of the directory after it (else
 * the rename itself can be lost). `writeFileAtomic` does all of it at once. An fsync costs about
 * a millisecond with a long tail under disk load, so the cycle-path sinks use `replaceFile` (temp
 * file and rename, on the cycle) and fsync in the background with `syncPath` (see
 * docs/ARCHITECTURE.md, "Durable file replacement").
 */
import * as nodeFs from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The synchronous file-system calls a replace makes (node:fs; tests pass recording wrappers). */
export type ReplaceFs = Pick<typeof nodeFs, "mkdirSync" | "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync" | "rmSync">;

/**
 * A file that could not be written: the message names the target path; `reason` is the cause
 * alone (for a SinkFault, whose target already names the file); `code` keeps the errno code
 * (see faultCodeOf).
 */
export class FileWriteError extends Error {
  readonly code: string | undefined;
  readonly reason: string;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot write ${path}: ${reason}`, { cause });
    this.name = "FileWriteError";
    this.reason = reason;
    this.code = (cause as NodeJS.ErrnoException | null)?.code;
  }
}

/**
 * Temp names are unique per call: the pid tells processes apart, and a process-wide sequence
 * tells apart calls within one process (its worker threads share the pid), so no replace ever
 * writes into another one's temp file. One sequence for every caller, hence module level.
 */
let tempSequence = 0;

/** The temp file name for one replace of `path`: `<path>.tmp-<pid>-<n>`. */
function tempPathFor(path: string): string {
  tempSequence += 1;
  return `${path}.tmp-${process.pid}-${tempSequence}`;
}

/** True when `name` is a temp file left by a replace of the file named `target` (same directory). */
function isTempOf(target: string, name: string): boolean {
  return name.startsWith(`${target}.tmp-`);
}

/** Removes temp files a crashed replace left beside `path` (best effort: a leftover only costs space). */
export function removeTempLeftovers(path: string): void {
  const dir = dirname(path);
  let names: string[];
  try {
    names = nodeFs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (isTempOf(basename(path), name)) nodeFs.rmSync(join(dir, name), { force: true });
}

function fsyncDirSync(fs: ReplaceFs, dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `text` (UTF-8) to a new temp file beside `path` (`<path>.tmp-<pid>-<n>`); returns its
 * path and the bytes written. `durable`: fsync it before returning. On failure the temp file is
 * removed and a FileWriteError naming `path` is thrown.
 */
function stageFile(path: string, text: string, opts: { durable?: boolean; fs?: ReplaceFs; mode?: number } = {}): { tmp: string; bytes: number } {
  const fs = opts.fs ?? nodeFs;
  const tmp = tempPathFor(path);
  const data = Buffer.from(text, "utf8");
  let created = false;
  try {
    fs.mkdirSync(dirname(path), { recursive: true });
    const fd = fs.openSync(tmp, "w", opts.mode ?? 0o644);
    created = true;
    try {
      for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
      if (opts.durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (created) fs.rmSync(tmp, { force: true });
    throw new FileWriteError(path, err);
  }
  return { tmp, bytes: data.length };
}

/** Stages, renames, and with `durable` fsyncs the directory; see the two exports below. */
function replace(path: string, text: string, durable: boolean, fs: ReplaceFs, mode?: number): number {
  const { tmp, bytes } = stageFile(path, text, { durable, fs, mode });
  try {
    fs.renameSync(tmp, path);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new FileWriteError(path, err);
  }
  if (durable) {
    try {
      fsyncDirSync(fs, dirname(path));
    } catch (err) {
      throw new FileWriteError(path, err);
    }
  }
  return bytes;
}

/**
 * Writes `text` to `path` atomically and durably: a reader sees the old or the new file, never a
 * mix, and once this returns the new file survives a crash. Blocks for the fsyncs (use it off
 * the cycle path: startup, shutdown). Returns the bytes written; throws a FileWriteError naming
 * `path`, with the temp file removed. `mode`: the new file's permissions (default 0o644, less
 * the umask); 0o600 for a file of secrets, which is then never readable by others, not even
 * between the write and the rename.
 */
export function writeFileAtomic(path: string, text: string, fs: ReplaceFs = nodeFs, mode?: number): number {
  return replace(path, text, true, fs, mode);
}

/**
 * Replaces `path` with `text` atomically but without fsync (the caller syncs `path` and its
 * directory later, see syncPath); returns the bytes written. On failure the temp file is removed
 * and a FileWriteError naming `path` is thrown.
 */
export function replaceFile(path: string, text: string, fs: ReplaceFs = nodeFs): number {
  return replace(path, text, false, fs);
}

/** fsync of a file or directory by path, off the main thread; rejects with a FileWriteError. */
export async function syncPath(path: string): Promise<void> {
  try {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new FileWriteError(path, err);
  }
}
