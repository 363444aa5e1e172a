/**
 * One writer per data directory: an exclusive lock on `<data_dir>/.g6.lock`, taken before
 * anything is written there and held for the life of the process.
 *
 * The lock is a kernel advisory lock (flock(2), LOCK_EX | LOCK_NB) on the lock file, so it is
 * released by the kernel when the process dies, however it dies: a lock left by a dead process
 * is never an obstacle. The file's content names the holder (pid, host, start time) for the
 * message a second instance prints; a non-empty file found when the lock is free was left by a
 * process that did not stop cleanly, and taking it over is reported. On a clean release the
 * content is emptied (the file stays: unlinking a lock file races with a concurrent locker).
 *
 * Where flock cannot be loaded (a platform without a C library Bun can open), the fallback
 * judges the holder by its pid: alive on this host means held.
 */
import { dlopen, FFIType, read, type Pointer } from "bun:ffi";
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { describeFsError, StartError } from "./exit.ts";

export const LOCK_FILE = ".g6.lock";

/** Who holds (or held) a data directory. */
export type LockHolder = { pid: number; host: string; started_at: string };

export type DataDirLock = {
  readonly path: string;
  /** The holder recorded in a lock file left by a process that did not stop cleanly, if any. */
  readonly tookOverFrom: LockHolder | null;
  /** Empties the lock file and releases the lock (idempotent). */
  release(): void;
};

/** Another live process holds the data directory (a usage problem: exit status 2). */
export class LockHeldError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder | null,
    /** What the directory is to G6 ("data directory", or the setting that names it). */
    readonly what = "data directory",
  ) {
    super(`${what} ${dir} is in use by another g6 (${describeHolder(holder)}); stop it or choose another ${what === "data directory" ? "--data-dir" : "directory"}`);
    this.name = "LockHeldError";
  }
}

/** A directory G6 writes under and what it is ("data directory", "storage.csv.dir", …). */
export type OutputRoot = { dir: string; what: string };

/**
 * The directories to lock: the data directory, and each output directory configured outside
 * it (an absolute `storage.csv.dir`, say), so that two g6 with different data directories
 * still never write the same files.
 */
export function outputRoots(dataDir: string, outputs: readonly OutputRoot[]): OutputRoot[] {
  const roots: OutputRoot[] = [{ dir: resolve(dataDir), what: "data directory" }];
  const inside = (dir: string, root: string) => {
    const rel = relative(root, dir);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  };
  for (const o of outputs) {
    const dir = resolve(o.dir);
    if (!roots.some((r) => inside(dir, r.dir))) roots.push({ dir, what: o.what });
  }
  return roots;
}

/** The first root another live g6 holds, as the error to refuse the start with; creates nothing. */
export function heldRoot(roots: readonly OutputRoot[]): LockHeldError | null {
  for (const r of roots) {
    const holder = lockHolder(r.dir);
    if (holder) return new LockHeldError(r.dir, holder, r.what);
  }
  return null;
}

/** Locks every root, or none: on any failure the ones taken are released and the error thrown. */
export function acquireLocks(roots: readonly OutputRoot[], startedAt: Date): DataDirLock[] {
  const taken: DataDirLock[] = [];
  try {
    for (const r of roots) {
      try {
        taken.push(acquireLock(r.dir, startedAt));
      } catch (err) {
        throw err instanceof LockHeldError ? new LockHeldError(r.dir, err.holder, r.what) : err;
      }
    }
    return taken;
  } catch (err) {
    for (const l of taken) l.release();
    throw err;
  }
}

export function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} on ${h.host}, started ${h.started_at}` : "holder unknown";
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;

/** flock(2): "locked", "held" (another open file holds it: EWOULDBLOCK), or the errno of any other failure. */
type Flock = (fd: number, op: number) => "locked" | "held" | number;

/** EWOULDBLOCK (= EAGAIN): Linux 11, macOS and the BSDs 35. */
const EWOULDBLOCK = process.platform === "linux" ? 11 : 35;

/** flock(2) from the C library, or null where it cannot be loaded. */
function loadFlock(): Flock | null {
  const darwin = process.platform === "darwin";
  const names = darwin ? ["libc.dylib", "libSystem.B.dylib"] : ["libc.so.6", "libc.so"];
  const errnoSymbol = darwin ? "__error" : "__errno_location";
  for (const name of names) {
    try {
      const lib = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoAt = lib.symbols[errnoSymbol] as () => Pointer | null;
      return (fd, op) => {
        if (lib.symbols.flock(fd, op) === 0) return "locked";
        const at = errnoAt();
        const errno = at === null ? EWOULDBLOCK : read.i32(at, 0);
        return errno === EWOULDBLOCK ? "held" : errno;
      };
    } catch {
      // try the next name
    }
  }
  return null;
}

/** A lock the file system refuses (NFS without lockd, some FUSE mounts): a start problem, not a holder. */
function lockFailure(path: string, errno: number): StartError {
  return new StartError(`storage.data_dir: cannot lock ${path} (flock failed with errno ${errno}; the file system may not support locks)`);
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    return typeof h.pid === "number" && typeof h.host === "string" && typeof h.started_at === "string" ? { pid: h.pid, host: h.host, started_at: h.started_at } : null;
  } catch {
    return null;
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    return parseHolder(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** Whether a process with this pid runs on this machine (EPERM: it does, owned by another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `holder`, found by the fallback, still holds the lock. */
function fallbackHeld(holder: LockHolder | null): boolean {
  if (!holder || holder.pid === process.pid) return false;
  // A holder on another host cannot be checked: treat it as live.
  return holder.host !== hostname() || pidAlive(holder.pid);
}

/**
 * The holder of `dir`'s lock when another live process holds it, else null. Creates nothing:
 * a start that is refused leaves no trace.
 */
export function lockHolder(dir: string): LockHolder | null {
  const path = join(dir, LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const flock = loadFlock();
    if (!flock) return fallbackHeld(readHolder(path)) ? readHolder(path) : null;
    // A shared lock conflicts only with the holder's exclusive one, and not with another
    // probe; what else fails here, acquireLock reports.
    if (flock(fd, LOCK_SH | LOCK_NB) !== "held") return null;
    return readHolder(path) ?? { pid: 0, host: "unknown", started_at: "unknown" };
  } finally {
    // Closing the descriptor drops a lock taken by the probe.
    closeSync(fd);
  }
}

/**
 * Takes `dir`'s lock (creating the directory), or throws LockHeldError naming the holder, or
 * StartError when the directory or the lock file cannot be written.
 * `startedAt` is this process's start, as written for the next instance to read.
 */
export function acquireLock(dir: string, startedAt: Date): DataDirLock {
  const path = join(dir, LOCK_FILE);
  let fd: number;
  const existed = existsSync(path);
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(path, "a+");
  } catch (err) {
    throw new StartError(`storage.data_dir: cannot create ${path}: ${describeFsError(err)}`);
  }
  const flock = loadFlock();
  const previous = readHolder(path);
  const outcome = flock ? flock(fd, LOCK_EX | LOCK_NB) : fallbackHeld(previous) ? "held" : "locked";
  if (outcome !== "locked") {
    closeSync(fd);
    if (outcome === "held") throw new LockHeldError(dir, readHolder(path));
    throw lockFailure(path, outcome);
  }
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: startedAt.toISOString() };
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } catch (err) {
    // A refused start leaves nothing behind: not even the lock file it created.
    closeSync(fd);
    if (!existed) rmSync(path, { force: true });
    throw new StartError(`storage.data_dir: cannot write ${path}: ${describeFsError(err)}`);
  }
  let released = false;
  return {
    path,
    tookOverFrom: previous && previous.pid !== process.pid ? previous : null,
    release() {
      if (released) return;
      released = true;
      try {
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    },
  };
}
