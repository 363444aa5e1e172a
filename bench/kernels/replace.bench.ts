/**
 * File-replace kernels: what the status and panels sinks cost on the cycle path, and what the
 * fsyncs that make them durable would add if they ran there. The figures depend on the disk
 * and its load (bun bench writes under the system temp directory), not on the CPU, so they are
 * reported and never gated.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeGeneration, type Generation } from "../../src/sinks/panels/sink.ts";
import { generationName, pruneGenerations } from "../../src/sinks/panels/generations.ts";
import { replaceFile, writeFileAtomic } from "../../src/files/atomic.ts";
import { percentile } from "../stats.ts";
import { tempDir } from "../support.ts";
import { defaultShapedSnapshot } from "./summary.bench.ts";

export type ReplaceFigures = { statusUs: number; statusDurableUs: number; panelsUs: number; panelsDurableUs: number; fsyncP95Us: number };

/** A status document of the default workload's size (about 8.7 KB). */
const STATUS_TEXT = `${JSON.stringify({ filler: "x".repeat(8_600) })}\n`;

function fsyncPath(path: string): number {
  const t0 = performance.now();
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return (performance.now() - t0) * 1000;
}

/** p50 microseconds of `fn` over `n` calls. */
function p50Us(n: number, fn: (i: number) => void): number {
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    us.push((performance.now() - t0) * 1000);
  }
  return percentile(us, 0.5);
}

/** p50 per replace: the status file and a panels generation (with the switch and the removal of an old one), without and with their fsyncs. */
export function benchReplace(quick: boolean): ReplaceFigures {
  const n = quick ? 100 : 400;
  const dir = tempDir("g6-bench-replace-");
  const fsyncs: number[] = [];
  const status = join(dir, "runtime_status.json");
  const statusUs = p50Us(n, () => replaceFile(status, STATUS_TEXT));
  const statusDurableUs = p50Us(n, () => writeFileAtomic(status, STATUS_TEXT));

  const panels = join(dir, "panels");
  const snapshot = defaultShapedSnapshot();
  let previous: Generation | null = null;
  let seq = 0;
  const generation = (durable: boolean) => {
    // Every cycle changes the header and performance panels; the rest are hard-linked.
    const s = { ...snapshot, header: { ...snapshot.header, cycle: seq }, performance: { ...snapshot.performance, lastMs: seq } };
    const name = generationName(seq, seq);
    previous = writeGeneration(panels, name, s, new Date(0).toISOString(), previous).generation;
    if (seq > 0) pruneGenerations(panels, seq - 1);
    if (durable) {
      for (const e of previous.entries) fsyncs.push(fsyncPath(join(panels, name, e.file)));
      fsyncs.push(fsyncPath(join(panels, name, "manifest.json")), fsyncPath(join(panels, name)), fsyncPath(panels));
    }
    seq++;
  };
  mkdirSync(panels);
  const panelsUs = p50Us(n, () => generation(false));
  const panelsDurableUs = p50Us(n, () => generation(true));
  rmSync(dir, { recursive: true, force: true });
  return { statusUs, statusDurableUs, panelsUs, panelsDurableUs, fsyncP95Us: percentile(fsyncs, 0.95) };
}
