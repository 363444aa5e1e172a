/**
 * The panels sink: every `everyNCycles` cycles it writes the summary snapshot as one JSON file
 * per panel under `dir`, each an envelope { panel, schema_version, generated_at, data, sha256 }
 * where sha256 is the SHA-256 of the canonical JSON of `data`, then `manifest.json` listing each
 * file with its hash. Every file is written atomically (temp file + rename), panels before the
 * manifest, so a reader never sees a torn file. At flush the latest cycle is written if it was
 * skipped, so the files always end on the last cycle.
 */
import { join } from "node:path";
import type { CycleResult } from "../../engine/cycle.ts";
import type { SummarySnapshot } from "../../summary/model.ts";
import type { SummaryTracker } from "../../summary/tracker.ts";
import { writeFileAtomic } from "../status/sink.ts";
import { SinkError, type EngineStats, type Sink, type SinkReport } from "../types.ts";
import { canonicalSha256 } from "./canonical.ts";

export const PANELS_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
export const PANEL_NAMES = ["header", "indices", "expiries", "performance", "storage", "alerts", "links"] as const;
export type PanelName = (typeof PANEL_NAMES)[number];

export type PanelEnvelope = { panel: string; schema_version: number; generated_at: string; data: unknown; sha256: string };
export type ManifestEntry = { panel: string; file: string; sha256: string; bytes: number };
export type PanelManifest = { schema_version: number; generated_at: string; cycle: number; files: ManifestEntry[] };

export type PanelsSinkOptions = {
  dir: string;
  /** Write every N cycles (≥ 1). */
  everyNCycles: number;
  /** Builds the snapshot; observed every cycle so its rolling window stays whole. */
  tracker: SummaryTracker;
  /** Wall clock, epoch ms (generated_at). */
  now: () => number;
};

/**
 * Writes one snapshot's panel files and manifest into `dir`; returns files and bytes written and
 * the manifest entries. A panel whose data hash equals its entry in `previous` (what this process
 * last wrote) is left as it is: an atomic replace costs about half a millisecond of file-system
 * work, and a panel's generated_at is the time its data was generated.
 */
export function writePanels(
  dir: string,
  snapshot: SummarySnapshot,
  generatedAt: string,
  previous: ReadonlyMap<string, ManifestEntry> = new Map(),
): { files: number; bytes: number; entries: ManifestEntry[] } {
  const entries: ManifestEntry[] = [];
  let bytes = 0;
  let files = 1;
  for (const panel of PANEL_NAMES) {
    const data = snapshot[panel];
    const sha256 = canonicalSha256(data);
    const before = previous.get(panel);
    if (before && before.sha256 === sha256) {
      entries.push(before);
      continue;
    }
    const envelope: PanelEnvelope = { panel, schema_version: PANELS_SCHEMA_VERSION, generated_at: generatedAt, data, sha256 };
    const file = `${panel}.json`;
    const written = writeFileAtomic(join(dir, file), `${JSON.stringify(envelope, null, 2)}\n`);
    entries.push({ panel, file, sha256, bytes: written });
    bytes += written;
    files++;
  }
  const manifest: PanelManifest = { schema_version: PANELS_SCHEMA_VERSION, generated_at: generatedAt, cycle: snapshot.header.cycle, files: entries };
  bytes += writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, bytes, entries };
}

export function createPanelsSink(opts: PanelsSinkOptions): Sink {
  let pending: SummarySnapshot | null = null;
  let written = new Map<string, ManifestEntry>();
  const write = (snapshot: SummarySnapshot): SinkReport => {
    try {
      const { files, bytes, entries } = writePanels(opts.dir, snapshot, new Date(opts.now()).toISOString(), written);
      written = new Map(entries.map((e) => [e.panel, e]));
      pending = null;
      return { rows: files, bytes, duplicatesSkipped: 0 };
    } catch (err) {
      throw new SinkError("panels", `${opts.dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    name: "panels",
    async open() {},
    async write(result: CycleResult, stats: Readonly<EngineStats>): Promise<SinkReport> {
      pending = opts.tracker.observe(result, stats);
      if (result.cycle % opts.everyNCycles !== 0) return { rows: 0, bytes: 0, duplicatesSkipped: 0 };
      return write(pending);
    },
    async flush() {
      if (pending) write(pending);
    },
    async close() {},
  };
}
