/**
 * The panels sink: every `everyNCycles` cycles it writes the summary snapshot as one JSON file
 * per panel, each an envelope { panel, schema_version, generated_at, data, sha256 } where sha256
 * is the SHA-256 of the canonical JSON of `data`, plus `manifest.json` listing each file with its
 * hash. Each write is a new generation directory made visible at once by switching the `current`
 * symlink (see generations.ts), so a reader never sees a mix of two writes; generations older
 * than the previous one are then removed. The fsyncs that make the newest generation durable run
 * in the background (writes meanwhile coalesce into one more run) and are awaited at flush. At
 * flush the latest cycle is written if it was skipped, so the files always end on the last cycle.
 *
 * Threads: the snapshot is built here, on the cycle path, every cycle and in order (the builder
 * keeps rolling state). Everything else of a write runs in the sink's writer thread (thread.ts,
 * started at the first write): the panels' JSON, canonical hashing, the generation's files and
 * links, the manifest, the switch, the removal of old generations (write.ts, one code path), and
 * the background fsyncs. `write` resolves once the thread has switched `current`, so the reports,
 * faults and order are as if it ran here; the queue blocks (one cycle waits) rather than drop, so
 * the builder still sees every cycle. A thread that dies fails the write it was answering (a
 * fault naming the generation, like any write failure) and the next write starts a fresh thread
 * (no inline fallback: one code path, and the cycle path never does a generation's syscalls);
 * fsyncs it was running are asked of the fresh thread. Directory recovery (open) stays on this
 * thread: it runs once, before the first write. See docs/ARCHITECTURE.md, "The panels'
 * generations written by a writer thread".
 */
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { FileWriteError } from "../../files/atomic.ts";
import { createBackgroundWork } from "../status/background.ts";
import { generationName, generationSeq, recoverPanelsDir } from "./generations.ts";
import { createWriterThread, WriterThreadGone } from "./thread.ts";
import { fromFailure, generationSyncPaths, type Generation, MANIFEST_FILE, PANEL_NAMES, type PanelSnapshot, syncAll, type WriterReply } from "./write.ts";
import { type CycleResult, describeFault, type EngineStats, faultCodeOf, type Sink, SinkError, type SinkFault, type SinkReport, type SnapshotBuilder } from "../../contracts/index.ts";

export { type Generation, type ManifestEntry, MANIFEST_FILE, type PanelEnvelope, type PanelManifest, type PanelName, PANEL_NAMES, PANELS_SCHEMA_VERSION, type PanelSnapshot, writeGeneration } from "./write.ts";

export type PanelsSinkOptions = {
  dir: string;
  /** Write every N cycles (≥ 1). */
  everyNCycles: number;
  /** Builds the snapshot; called every cycle (in order) so a rolling window it keeps stays whole. */
  snapshot: SnapshotBuilder<PanelSnapshot>;
  /** Wall clock, epoch ms (generated_at). */
  now: () => number;
  /** fsync by path, run on this thread (default: the real one, in the writer thread); tests observe or delay it. */
  sync?: (path: string) => Promise<void>;
  /** Called with each writer thread started (tests end it to play a crash). */
  onWriterThread?: (worker: Worker) => void;
};

export function createPanelsSink(opts: PanelsSinkOptions): Sink {
  const { dir } = opts;
  const writer = createWriterThread({ onStart: opts.onWriterThread });
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
  /**
   * fsyncs `paths` in order: in the writer thread, or with the injected `sync` here. fsync is
   * idempotent and the files were written whole before it was asked for, so a thread that died
   * under it is replaced and the fsyncs asked of the fresh one, once.
   */
  const syncPaths = async (paths: string[]): Promise<void> => {
    if (opts.sync) return syncAll(paths, opts.sync);
    let reply: WriterReply;
    try {
      reply = await writer.request({ kind: "sync", paths }).catch((err: unknown) => {
        if (err instanceof WriterThreadGone) return writer.request({ kind: "sync", paths });
        throw err;
      });
    } catch (err) {
      throw new FileWriteError(paths[0]!, err);
    }
    if (!reply.ok) throw fromFailure(reply.failed);
  };
  // Syncs the newest generation's files, its directory and `dir` (its entry and `current`). A
  // generation removed meanwhile was superseded: the write that superseded it asked for a run.
  const durability = createBackgroundWork(async () => {
    const gen = latest!;
    try {
      await syncPaths(generationSyncPaths(dir, gen));
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
  const write = async (snapshot: PanelSnapshot): Promise<SinkReport> => {
    const unsynced = durability.takeFailure();
    const faults = unsynced ? [faultOf(unsynced)] : [];
    try {
      nextSeq ??= recover();
      const seq = nextSeq++;
      const name = generationName(snapshot.header.cycle, seq);
      const previous = latest && { name: latest.name, entries: latest.entries };
      const call = { kind: "write", dir, name, snapshot, generatedAt: new Date(opts.now()).toISOString(), previous, pruneBelow: previousSeq } as const;
      const reply = await writer.request(call).catch((err: unknown) => {
        throw new FileWriteError(join(dir, name), err);
      });
      if (!reply.ok) throw fromFailure(reply.failed);
      if (!("entries" in reply)) throw new FileWriteError(join(dir, name), new Error("the panels writer thread answered a write with no generation"));
      pending = null;
      previousSeq = seq;
      latest = { name, entries: reply.entries };
      durability.request();
      if (reply.pruneFailed) throw fromFailure(reply.pruneFailed);
      return { rows: reply.files, bytes: reply.bytes, duplicatesSkipped: 0, ...(faults.length ? { faults } : {}) };
    } catch (err) {
      return { rows: 0, bytes: 0, duplicatesSkipped: 0, faults: [...faults, faultOf(err)] };
    }
  };
  return {
    name: "panels",
    // Every cycle reaches the snapshot builder, in order (its rolling window must see them all):
    // one cycle waits while the writer thread writes, the next waits for room. A write on this
    // thread held the cycle the same way, for the whole write.
    queue: { capacity: 1, whenFull: "block" },
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
      const report = pending ? await write(pending) : null;
      // The fsyncs in flight are waited for whatever the last write did: G6 never exits with one running.
      try {
        await durability.settle();
      } catch (err) {
        throw new SinkError("panels", (err as Error).message);
      }
      if (report?.faults?.length) throw new SinkError("panels", report.faults.map(describeFault).join("; "));
    },
    async close() {
      // The fsyncs still running (a close without flush) finish before the thread goes; their
      // failure is flush's to report.
      await durability.settle().catch(() => {});
      await writer.close();
    },
  };
}
