/**
 * Writing one panels generation: the files, the links, the manifest, the `current` switch and
 * the removal of old generations, and the fsyncs that make a generation durable. The panels
 * sink runs these in its writer thread (workers/panels-writer.ts calls `runWriterRequest`); tests
 * and benches may call `writeGeneration` directly, which is the same code.
 */
import { linkSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileWriteError, syncPath } from "../../files/atomic.ts";
import { canonicalSha256 } from "./canonical.ts";
import { pruneGenerations, switchCurrent } from "./generations.ts";

export const PANELS_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
export const PANEL_NAMES = ["header", "indices", "expiries", "performance", "storage", "alerts", "links"] as const;
export type PanelName = (typeof PANEL_NAMES)[number];

export type PanelEnvelope = { panel: string; schema_version: number; generated_at: string; data: unknown; sha256: string };
export type ManifestEntry = { panel: string; file: string; sha256: string; bytes: number };
export type PanelManifest = { schema_version: number; generated_at: string; cycle: number; files: ManifestEntry[] };

/** What the sink writes: one JSON value per panel, and the cycle it shows (the summary snapshot). */
export type PanelSnapshot = Readonly<Record<PanelName, unknown>> & { readonly header: { readonly cycle: number } };

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

/** The paths whose fsyncs make generation `gen` under `dir` durable, in order: its files, its directory, `dir` (its entry and `current`). */
export function generationSyncPaths(dir: string, gen: Pick<Generation, "name" | "entries">): string[] {
  return [...gen.entries.map((e) => join(dir, gen.name, e.file)), join(dir, gen.name, MANIFEST_FILE), join(dir, gen.name), dir];
}

/** fsyncs `paths` one after the other; rejects with the first failure (a FileWriteError naming the path). */
export async function syncAll(paths: readonly string[], sync: (path: string) => Promise<void> = syncPath): Promise<void> {
  for (const path of paths) await sync(path);
}

/**
 * A request to the writer thread. `write`: write `snapshot` as generation `name` (hash reuse and
 * links against `previous`), then remove the generations numbered below `pruneBelow` (null: none).
 * `sync`: fsync `paths` in order.
 */
export type WriterRequest =
  | { id: number; kind: "write"; dir: string; name: string; snapshot: PanelSnapshot; generatedAt: string; previous: Pick<Generation, "name" | "entries"> | null; pruneBelow: number | null }
  | { id: number; kind: "sync"; paths: string[] };

/** A FileWriteError as it crosses threads (an Error's own fields do not survive structured clone). */
export type WriteFailure = { path: string; code: string | undefined; reason: string };

/**
 * The writer's answer. `write`: the generation was written and switched (files, bytes, entries);
 * `pruneFailed`: the removal of old generations failed after that. A failed write (nothing
 * switched) or sync is `failed`.
 */
export type WriterReply =
  | { id: number; ok: true; files: number; bytes: number; entries: ManifestEntry[]; pruneFailed?: WriteFailure }
  | { id: number; ok: true }
  | { id: number; ok: false; failed: WriteFailure };

export function toFailure(err: unknown, path: string): WriteFailure {
  const e = err instanceof FileWriteError ? err : new FileWriteError(path, err);
  return { path: e.path, code: e.code, reason: e.reason };
}

export function fromFailure(f: WriteFailure): FileWriteError {
  return new FileWriteError(f.path, Object.assign(new Error(f.reason), { code: f.code }));
}

/**
 * The writer thread's state and work: it keeps the last generation it wrote (with its plain
 * texts, for hash reuse) and answers requests. `previous` in a request is the generation the
 * sink holds as `current`: the one kept here is used when it is that one, else the request's
 * entries (a fresh thread hashes every panel again, and still links the unchanged ones).
 */
export function createGenerationWriter(sync: (path: string) => Promise<void> = syncPath) {
  let last: Generation | null = null;
  return async (req: WriterRequest): Promise<WriterReply> => {
    if (req.kind === "sync") {
      try {
        await syncAll(req.paths, sync);
        return { id: req.id, ok: true };
      } catch (err) {
        return { id: req.id, ok: false, failed: toFailure(err, req.paths[0] ?? "") };
      }
    }
    const previous = req.previous && last?.name === req.previous.name ? last : req.previous;
    let out: ReturnType<typeof writeGeneration>;
    try {
      out = writeGeneration(req.dir, req.name, req.snapshot, req.generatedAt, previous);
    } catch (err) {
      return { id: req.id, ok: false, failed: toFailure(err, req.dir) };
    }
    last = out.generation;
    const reply: WriterReply = { id: req.id, ok: true, files: out.files, bytes: out.bytes, entries: out.generation.entries };
    try {
      // The one `current` pointed at until now stays for readers still in it.
      if (req.pruneBelow !== null) pruneGenerations(req.dir, req.pruneBelow);
    } catch (err) {
      reply.pruneFailed = toFailure(err, req.dir);
    }
    return reply;
  };
}
