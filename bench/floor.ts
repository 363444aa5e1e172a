/**
 * The floor of a cycle's main-thread CPU: what no implementation of the same output can avoid.
 * It is the cycle's compute (spot through score, measured by the workload) plus the cheapest way
 * to put the cycle's bytes on disk, measured here in the same process: one write(2) per CSV file
 * the cycle appends to (each file's share of the cycle's CSV bytes, on descriptors held open, in
 * a temp directory) and one atomic replace (temp file + rename) holding the bytes of the status
 * file and the panels. A sink that does more (checking a file did not change under it, switching
 * a panels generation, rendering JSON) is above the floor by that much.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { replaceFile } from "../src/files/atomic.ts";
import { mainThreadCpuMs } from "./stats.ts";
import { tempDir } from "./support.ts";

export type FloorInput = {
  /** CSV files appended to per cycle. */
  files: number;
  /** CSV bytes appended per cycle. */
  csvBytes: number;
  /** Bytes replaced per cycle (status file and panels). */
  replacedBytes: number;
};

/** Main-thread CPU ms per cycle of writing `input`'s bytes at the floor (mean over `reps` cycles; NaN without /proc). */
export function writeFloorMs(input: FloorInput, reps = 300): number {
  const dir = tempDir("g6-bench-floor-");
  const files = Math.max(0, Math.round(input.files));
  const fds = Array.from({ length: files }, (_, i) => openSync(join(dir, `f${i}.csv`), "a"));
  const row = Buffer.alloc(files > 0 ? Math.max(1, Math.round(input.csvBytes / files)) : 0, 0x31);
  const replaced = "x".repeat(Math.max(1, Math.round(input.replacedBytes)));
  const status = join(dir, "status.json");
  const cycle = () => {
    for (const fd of fds) writeSync(fd, row);
    replaceFile(status, replaced);
  };
  // Warm: the files exist and the code is compiled before the CPU is counted.
  for (let i = 0; i < 20; i++) cycle();
  const before = mainThreadCpuMs();
  for (let i = 0; i < reps; i++) cycle();
  const ms = (mainThreadCpuMs() - before) / reps;
  for (const fd of fds) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return ms;
}
