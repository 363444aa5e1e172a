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
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
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
  ) {
    super(`data directory ${dir} is in use by another g6 (${describeHolder(holder)}); stop it or choose another --data-dir`);
    this.name = "LockHeldError";
  }
}

export function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} on ${h.host}, started ${h.started_at}` : "holder unknown";
}

const LOCK_EX = 2;
const LOCK_NB = 4;

type Flock = (fd: number, op: number) => number;

/** flock(2) from the C library, or null where it cannot be loaded. */
function loadFlock(): Flock | null {
  const names = process.platform === "darwin" ? ["libc.dylib", "libSystem.B.dylib"] : ["libc.so.6", "libc.so"];
  for (const name of names) {
    try {
      const lib = dlopen(name, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
      return (fd, op) => lib.symbols.flock(fd, op);
    } catch {
      // try the next name
    }
  }
  return null;
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
    if (flock(fd, LOCK_EX | LOCK_NB) === 0) return null;
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
  const held = flock ? flock(fd, LOCK_EX | LOCK_NB) !== 0 : fallbackHeld(previous);
  if (held) {
    closeSync(fd);
    throw new LockHeldError(dir, readHolder(path));
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
