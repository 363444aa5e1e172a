/**
 * The panel directory's layout. Each write is a generation: a new directory
 * `gen-<cycle>-<seq>/` holding every panel file and the manifest, made visible all at once by
 * switching the symlink `current` to it (a temp symlink renamed over `current`, which is atomic).
 * A reader that resolves `current` once and reads the files of that generation always sees a
 * consistent set. `seq` grows across restarts (the next one is found at open), so names never
 * repeat and order generations. The previous generation is kept for readers still in it.
 */
import { readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";

export const CURRENT_LINK = "current";

const GENERATION = /^gen-(\d+)-(\d+)$/;

/** The directory name of a generation. */
export function generationName(cycle: number, seq: number): string {
  return `gen-${cycle}-${seq}`;
}

/** The sequence number of a generation's name, or null when `name` is not one. */
export function generationSeq(name: string): number | null {
  const m = GENERATION.exec(name);
  return m ? Number(m[2]) : null;
}

/** The generation `current` points at (its link text), or null when there is no `current`. */
export function currentGeneration(dir: string): string | null {
  try {
    return readlinkSync(join(dir, CURRENT_LINK));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * Points `current` at generation `name` atomically (relative link, so the data dir can move).
 * The temp link's name is new (generation names never repeat, a failed switch removes its link,
 * recovery removes older ones): one left by something else is removed only when symlink finds it.
 */
export function switchCurrent(dir: string, name: string): void {
  const tmp = join(dir, `${CURRENT_LINK}.tmp-${process.pid}-${name}`);
  try {
    symlinkSync(name, tmp);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    rmSync(tmp, { force: true });
    symlinkSync(name, tmp);
  }
  try {
    renameSync(tmp, join(dir, CURRENT_LINK));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Clears what a crash left in `dir` (run at open, before any write): every generation but the
 * one `current` points at (a crash mid-write leaves a partial one), temp links, and the files
 * of the flat layout older versions wrote (`names`: stale data a reader could take for live).
 * Returns the current generation (null: none) and the next free sequence number.
 */
export function recoverPanelsDir(dir: string, names: readonly string[]): { current: string | null; nextSeq: number } {
  const current = currentGeneration(dir);
  let maxSeq = -1;
  for (const entry of readdirSync(dir)) {
    const seq = generationSeq(entry);
    if (seq !== null) maxSeq = Math.max(maxSeq, seq);
    const stale = (seq !== null && entry !== current) || entry.startsWith(`${CURRENT_LINK}.tmp-`) || names.includes(entry) || names.some((n) => entry.startsWith(`${n}.tmp-`));
    if (stale) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  return { current, nextSeq: maxSeq + 1 };
}

/** Removes the generations numbered below `keepFromSeq` (the previous and newer ones stay). */
export function pruneGenerations(dir: string, keepFromSeq: number): void {
  for (const entry of readdirSync(dir)) {
    const seq = generationSeq(entry);
    if (seq !== null && seq < keepFromSeq) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}
