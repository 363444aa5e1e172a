/**
 * A panel whose data's JSON text equals the previous generation's keeps the previous hash (not
 * hashed again); data that changed, even by one value or only in key order, is hashed anew.
 * Every manifest hash equals the canonical hash of the data written.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalSha256 } from "../../src/sinks/panels/canonical.ts";
import { type Generation, type PanelSnapshot, writeGeneration } from "../../src/sinks/panels/sink.ts";
import { defaultShapedSnapshot } from "../../bench/kernels/summary.bench.ts";
import { tempDir } from "../helpers/engine.ts";

test("manifest hashes equal the canonical hash of each panel's data across unchanged, changed and reordered data", () => {
  const dir = tempDir("g6-panels-hash-");
  const base = defaultShapedSnapshot() as unknown as PanelSnapshot & Record<string, unknown>;
  const snapshots: PanelSnapshot[] = [
    base,
    { ...base, header: { ...(base.header as object), cycle: 2 } } as PanelSnapshot,
    // Same data as the one before, keys in another order: a new text, the same canonical hash.
    { ...base, header: Object.fromEntries(Object.entries({ ...(base.header as object), cycle: 2 }).reverse()) } as unknown as PanelSnapshot,
    { ...base, header: { ...(base.header as object), cycle: 4 }, links: { changed: true } } as PanelSnapshot,
  ];
  let previous: Generation | null = null;
  snapshots.forEach((s, i) => {
    const out = writeGeneration(dir, `gen-${i + 1}-${i}`, s, "2026-11-20T04:30:00.000Z", previous);
    for (const e of out.generation.entries) {
      expect(e.sha256).toBe(canonicalSha256((s as Record<string, unknown>)[e.panel]));
      const envelope = JSON.parse(readFileSync(join(dir, out.generation.name, e.file), "utf8"));
      expect(envelope.sha256).toBe(e.sha256);
      expect(canonicalSha256(envelope.data)).toBe(e.sha256);
    }
    // Generation 3 changes nothing (reordered keys): every panel linked, only the manifest written.
    if (i === 2) expect(out.files).toBe(1);
    if (i === 3) expect(out.files).toBe(3);
    previous = out.generation;
  });
});
