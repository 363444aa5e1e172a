/**
 * The panels sink: every `everyNCycles` cycles it writes the summary snapshot as one JSON file
 * per panel, each an envelope { panel, schema_version, generated_at, data, sha256 } where sha256
 * is the SHA-256 of the canonical JSON of `data`, plus `manifest.json` listing each file with its
 * hash. Each write is a new generation directory made visible at once by switching the `current`
 * symlink (see generations.ts), so a reader never sees a mix of two writes; generations older
 * than the previous one are then removed. The fsyncs that make the newest generation durable run
 * in the background (writes meanwhile coalesce into one more run) and are awaited at flush. At
 * flush the latest cycle is written if it was skipped, so the files always end on the last cycle.
 */
import { linkSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { FileWriteError, syncPath } from "../../files/atomic.ts";
import { createBackgroundWork } from "../status/background.ts";
import { canonicalSha256 } from "./canonical.ts";
import { generationName, generationSeq, pruneGenerations, recoverPanelsDir, switchCurrent } from "./generations.ts";
import { type CycleResult, describeFault, type EngineStats, faultCodeOf, type Sink, SinkError, type SinkFault, type SinkReport, type SnapshotBuilder } from "../../contracts/index.ts";

export const PANELS_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
export const PANEL_NAMES = ["header", "indices", "expiries", "performance", "storage", "alerts", "links"] as const;
export type PanelName = (typeof PANEL_NAMES)[number];

export type PanelEnvelope = { panel: string; schema_version: number; generated_at: string; data: unknown; sha256: string };
export type ManifestEntry = { panel: string; file: string; sha256: string; bytes: number };
export type PanelManifest = { schema_version: number; generated_at: string; cycle: number; files: ManifestEntry[] };

/** What the sink writes: one JSON value per panel, and the cycle it shows (the summary snapshot). */
export type PanelSnapshot = Readonly<Record<PanelName, unknown>> & { readonly header: { readonly cycle: number } };

export type PanelsSinkOptions = {
  dir: string;
  /** Write every N cycles (≥ 1). */
  everyNCycles: number;
  /** Builds the snapshot; called every cycle (in order) so a rolling window it keeps stays whole. */
  snapshot: SnapshotBuilder<PanelSnapshot>;
  /** Wall clock, epoch ms (generated_at). */
  now: () => number;
  /** fsync by path (default: the real one); tests observe or delay it. */
  sync?: (path: string) => Promise<void>;
};

/**
 * A generation as written: its directory name and manifest entries; `plain`: each panel's data as
 * JSON.stringify wrote it (the next generation compares against it before hashing).
 */
export type Generation = { name: string; entries: ManifestEntry[]; plain?: Record<string, string | undefined> };

/** Writes `text` to a new file (in a generation nobody reads yet: no temp file needed). */
function writeNew(path: string, text: string): number {
  try {
    writeFileSync(path, text, { flag: "wx" });
  } catch (err) {
    throw new FileWriteError(path, err);
  }
  return Buffer.byteLength(text);
}

/**
 * Writes one snapshot as generation `name` under `dir` (panel files, then the manifest) and
 * switches `current` to it; returns the files and bytes written and the generation. A panel
 * whose data hash equals its entry in `previous` is hard-linked from that generation instead of
 * rewritten: its generated_at stays the time its data was generated. A failure removes the
 * partial generation and throws a FileWriteError naming the file; `current` is then unchanged.
 */
export function writeGeneration(
  dir: string,
  name: string,
  snapshot: PanelSnapshot,
  generatedAt: string,
  previous: Generation | null,
): { files: number; bytes: number; generation: Generation } {
  const genDir = join(dir, name);
  const before = new Map(previous?.entries.map((e) => [e.panel, e]));
  const entries: ManifestEntry[] = [];
  const plain: Record<string, string | undefined> = {};
  let bytes = 0;
  let files = 1;
  let created = false;
  try {
    mkdirSync(genDir);
    created = true;
    for (const panel of PANEL_NAMES) {
      const data = snapshot[panel];
      const old = before.get(panel);
      // Data whose JSON text equals the previous generation's is the same data (same values, same
      // keys): its canonical hash is the previous one, without canonicalising and hashing again.
      const text = (plain[panel] = JSON.stringify(data));
      const sha256 = old && text !== undefined && previous!.plain?.[panel] === text ? old.sha256 : canonicalSha256(data);
      if (old && old.sha256 === sha256 && linked(join(dir, previous!.name, old.file), join(genDir, old.file))) {
        entries.push(old);
        continue;
      }
      const envelope: PanelEnvelope = { panel, schema_version: PANELS_SCHEMA_VERSION, generated_at: generatedAt, data, sha256 };
      const file = `${panel}.json`;
      const written = writeNew(join(genDir, file), `${JSON.stringify(envelope, null, 2)}\n`);
      entries.push({ panel, file, sha256, bytes: written });
      bytes += written;
      files++;
    }
    const manifest: PanelManifest = { schema_version: PANELS_SCHEMA_VERSION, generated_at: generatedAt, cycle: snapshot.header.cycle, files: entries };
    bytes += writeNew(join(genDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    switchCurrent(dir, name);
  } catch (err) {
    if (created) rmSync(genDir, { recursive: true, force: true });
    throw err instanceof FileWriteError ? err : new FileWriteError(genDir, err);
  }
  return { files, bytes, generation: { name, entries, plain } };
}

/** Hard-links an unchanged panel file into the new generation; false when the file system refuses (then it is written). */
function linked(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch {
    return false;
  }
}

export function createPanelsSink(opts: PanelsSinkOptions): Sink {
  const { dir } = opts;
  const sync = opts.sync ?? syncPath;
  let pending: PanelSnapshot | null = null;
  /** Next generation number; null until the directory has been recovered (at open, else at the next write). */
  let nextSeq: number | null = null;
  /** The newest generation (`current`) and the sequence number of the one before it. */
  let latest: Generation | null = null;
  let previousSeq: number | null = null;
  const recover = (): number => {
    mkdirSync(dir, { recursive: true });
    const found = recoverPanelsDir(dir, [MANIFEST_FILE, ...PANEL_NAMES.map((p) => `${p}.json`)]);
    previousSeq = found.current === null ? null : generationSeq(found.current);
    return found.nextSeq;
  };
  // Syncs the newest generation's files, its directory and `dir` (its entry and `current`). A
  // generation removed meanwhile was superseded: the write that superseded it asked for a run.
  const durability = createBackgroundWork(async () => {
    const gen = latest!;
    try {
      for (const file of [...gen.entries.map((e) => e.file), MANIFEST_FILE]) await sync(join(dir, gen.name, file));
      await sync(join(dir, gen.name));
      await sync(dir);
    } catch (err) {
      if (latest !== gen && (err as FileWriteError).code === "ENOENT") return;
      throw err;
    }
  });
  /** A fault on the panels dir; the reason names the file within it that failed. */
  const faultOf = (err: unknown): SinkFault => {
    const e = err instanceof FileWriteError ? err : new FileWriteError(dir, err);
    const where = relative(dir, e.path);
    return { target: dir, code: faultCodeOf(e), reason: where ? `${where}: ${e.reason}` : e.reason };
  };
  const write = (snapshot: PanelSnapshot): SinkReport => {
    const unsynced = durability.takeFailure();
    const faults = unsynced ? [faultOf(unsynced)] : [];
    try {
      nextSeq ??= recover();
      const seq = nextSeq++;
      const { files, bytes, generation } = writeGeneration(dir, generationName(snapshot.header.cycle, seq), snapshot, new Date(opts.now()).toISOString(), latest);
      pending = null;
      const before = previousSeq;
      previousSeq = seq;
      latest = generation;
      durability.request();
      // The one `current` pointed at until now stays for readers still in it.
      if (before !== null) pruneGenerations(dir, before);
      return { rows: files, bytes, duplicatesSkipped: 0, ...(faults.length ? { faults } : {}) };
    } catch (err) {
      return { rows: 0, bytes: 0, duplicatesSkipped: 0, faults: [...faults, faultOf(err)] };
    }
  };
  return {
    name: "panels",
    // The panels show the newest cycle: one waiting cycle is superseded by the next.
    queue: { capacity: 1, whenFull: "drop_oldest" },
    async open() {
      // A directory that cannot be recovered now is retried by the first write, which then
      // reports the fault like any other: panels never stop the engine from starting.
      try {
        nextSeq = recover();
      } catch {
        nextSeq = null;
      }
    },
    async write(result: CycleResult, stats: Readonly<EngineStats>): Promise<SinkReport> {
      pending = opts.snapshot(result, stats);
      if (result.cycle % opts.everyNCycles !== 0) return { rows: 0, bytes: 0, duplicatesSkipped: 0 };
      return write(pending);
    },
    async flush() {
      const report = pending ? write(pending) : null;
      // The fsyncs in flight are waited for whatever the last write did: G6 never exits with one running.
      try {
        await durability.settle();
      } catch (err) {
        throw new SinkError("panels", (err as Error).message);
      }
      if (report?.faults?.length) throw new SinkError("panels", report.faults.map(describeFault).join("; "));
    },
    async close() {},
  };
}
