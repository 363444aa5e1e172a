/**
 * The file-system calls through which the CSV sink writes and syncs. Production uses node:fs;
 * tests pass their own to inject faults (a disk filling mid-write, a failing truncate) or to
 * observe and hold syncs, without mocking modules.
 */
import { close, fdatasync, fsync, ftruncateSync, open, writeSync } from "node:fs";

export type Done = (err: NodeJS.ErrnoException | null) => void;

export type FileIo = {
  /** One write(2) of `data` at the end of an O_APPEND descriptor: bytes written (may be fewer). */
  write(fd: number, data: Uint8Array): number;
  ftruncate(fd: number, length: number): void;
  /** fdatasync(2) on the thread pool; `done` runs on the main thread. */
  fdatasync(fd: number, done: Done): void;
  /** open, fsync(2), close of a file or directory by path, on the thread pool. */
  syncPath(path: string, done: Done): void;
};

export const nodeIo: FileIo = {
  write: (fd, data) => writeSync(fd, data, 0, data.length),
  ftruncate: (fd, length) => ftruncateSync(fd, length),
  fdatasync: (fd, done) => fdatasync(fd, done),
  syncPath(path, done) {
    open(path, "r", (err, fd) => {
      if (err) return done(err);
      fsync(fd, (syncErr) => close(fd, () => done(syncErr)));
    });
  },
};
