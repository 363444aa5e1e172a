/**
 * Background syncs of the CSV files written since the last sync, off the cycle's path.
 *
 * A round fdatasyncs each written file (on the thread pool, a few at a time) and fsyncs each
 * directory whose entries changed (a file created or set aside), then ends; rounds never
 * overlap, and what is written during a round waits for the next one. A descriptor is never
 * synced after it was closed or reused: a round reads the file's descriptor on the main thread
 * when it issues the sync and pins it, and a close of a pinned descriptor (LRU eviction, a
 * reload) is deferred until its sync completes, so the open count may exceed the pool's bound
 * by at most SYNC_CONCURRENCY for that long. A file whose descriptor was closed before its
 * turn is synced by path.
 */
import { closeSync } from "node:fs";
import type { FileIo } from "./io.ts";
import { faultCodeOf, type SinkFault } from "../../contracts/index.ts";

/**
 * Syncs in flight at once. Each completion needs a turn of the event loop to issue the next,
 * so a few in flight stretch a round over many turns when cycles run back to back; the disk
 * sets the pace anyway (measured: 300 fdatasyncs take ~0.5 s on a virtio ext4 disk whether 32
 * or 300 are in flight, ~1.5 s with 4).
 */
export const SYNC_CONCURRENCY = 32;

/** What the syncer needs of a file: its path, its current descriptor, whether it awaits a sync. */
export type SyncTarget = { readonly path: string; fd: number | null; unsynced: boolean };

export type Syncer = {
  /** `file` was written: sync it in the next round. */
  markFile(file: SyncTarget): void;
  /** Entries of directory `dir` changed: fsync it in the next round. */
  markDir(dir: string): void;
  /** Closes `fd` now, or when the sync running on it completes. */
  closeFd(fd: number): void;
  /** Starts a round in the background unless one is running or nothing awaits; true if started. */
  start(): boolean;
  /** Waits for the running round, then syncs everything marked since: all on disk when it resolves. */
  drain(): Promise<void>;
  /** Sync failures since the last call (a failed fdatasync means rows may be lost). */
  takeFaults(): SinkFault[];
};

export function createSyncer(io: FileIo): Syncer {
  let files: SyncTarget[] = [];
  let dirs = new Set<string>();
  let running: Promise<void> | null = null;
  /** Descriptors with a sync in flight → whether to close them when it completes. */
  const pinned = new Map<number, boolean>();
  let faults: SinkFault[] = [];

  const fail = (target: string, err: NodeJS.ErrnoException) =>
    faults.push({ target, code: faultCodeOf(err), reason: `sync failed, recent rows may not be on disk: ${err.message}` });

  /** Issues the sync of one file or directory; `done` runs when it completed. */
  function issue(target: SyncTarget | string, done: () => void): void {
    if (typeof target === "string") {
      io.syncPath(target, (err) => {
        if (err && err.code !== "ENOENT") fail(target, err);
        done();
      });
      return;
    }
    const fd = target.fd;
    if (fd === null) {
      io.syncPath(target.path, (err) => {
        // A file deleted since it was written has nothing left to sync.
        if (err && err.code !== "ENOENT") fail(target.path, err);
        done();
      });
      return;
    }
    pinned.set(fd, false);
    io.fdatasync(fd, (err) => {
      const closeNow = pinned.get(fd) === true;
      pinned.delete(fd);
      if (closeNow) closeQuietly(fd);
      if (err) fail(target.path, err);
      done();
    });
  }

  function round(): Promise<void> {
    const batch: (SyncTarget | string)[] = files;
    for (const f of files) f.unsynced = false;
    for (const d of dirs) batch.push(d);
    files = [];
    dirs = new Set();
    return new Promise((resolve) => {
      let next = 0;
      let inFlight = 0;
      const launch = () => {
        while (inFlight < SYNC_CONCURRENCY && next < batch.length) {
          inFlight++;
          issue(batch[next++]!, finished);
        }
        if (inFlight === 0) resolve();
      };
      const finished = () => {
        inFlight--;
        launch();
      };
      launch();
    });
  }

  const start = () => {
    if (running || (files.length === 0 && dirs.size === 0)) return false;
    running = round().then(() => {
      running = null;
    });
    return true;
  };

  return {
    markFile(file) {
      if (file.unsynced) return;
      file.unsynced = true;
      files.push(file);
    },
    markDir(dir) {
      dirs.add(dir);
    },
    closeFd(fd) {
      if (pinned.has(fd)) pinned.set(fd, true);
      else closeQuietly(fd);
    },
    start,
    async drain() {
      while (running) await running;
      if (start()) await running;
    },
    takeFaults() {
      const out = faults;
      faults = [];
      return out;
    },
  };
}

/** close(2), ignoring errors: the descriptor is gone either way and its data was written. */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // EBADF or EIO on close leaves nothing to do here.
  }
}
