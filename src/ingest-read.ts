/**
 * g6 ingest's reading: a day's G6 CSV files parsed on worker threads (the pool's size,
 * `pool.size`), split by bytes, while the main thread runs the previous day's cycles (the ingest
 * asks for day N+1 before it runs day N). Each worker runs the same reader (`readG6Csv`) the
 * replay would run inline; a file a worker could not read comes back with the reader's message
 * and is reported as the replay reports it. Size 0: nothing here, the replay reads inline.
 */
import { statSync } from "node:fs";
import type { ParsedFile } from "./providers/replay/recording.ts";

const WORKER = new URL("../workers/ingest-read.ts", import.meta.url);

export type DayReader = {
  /** The files parsed, by path. */
  read(paths: readonly string[]): Promise<Map<string, ParsedFile>>;
  close(): void;
};

/** Splits `paths` into `n` lists of about equal bytes (largest first, each to the lightest list). */
export function splitByBytes(paths: readonly string[], n: number, size: (path: string) => number): string[][] {
  const lists = Array.from({ length: n }, () => ({ bytes: 0, paths: [] as string[] }));
  const sized = paths.map((p) => ({ p, b: size(p) })).sort((a, b) => b.b - a.b);
  for (const { p, b } of sized) {
    const lightest = lists.reduce((m, l) => (l.bytes < m.bytes ? l : m));
    lightest.paths.push(p);
    lightest.bytes += b;
  }
  return lists.map((l) => l.paths).filter((l) => l.length > 0);
}

/**
 * The buffers under the parsed files' typed arrays (timestamps, numeric columns, string codes),
 * each once: the worker transfers them with its answer instead of copying them (structured clone
 * copied about 27 MB a default day, and the main thread paid for it).
 */
export function columnBuffers(files: readonly ParsedFile[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const f of files) {
    if (!("csv" in f)) continue;
    const { csv } = f;
    out.add(csv.timestamp.buffer as ArrayBuffer);
    for (const c of Object.values(csv.columns) as Float64Array[]) out.add(c.buffer as ArrayBuffer);
    for (const c of Object.values(csv.strings) as { codes: Uint32Array }[]) out.add(c.codes.buffer as ArrayBuffer);
  }
  return [...out];
}

export function createDayReader(workers: number): DayReader {
  const pool = Array.from({ length: workers }, () => new Worker(WORKER));
  const waiting = new Map<number, { resolve: (files: ParsedFile[]) => void; reject: (err: Error) => void }>();
  let seq = 0;
  for (const w of pool) {
    w.onmessage = (e: MessageEvent<{ id: number; files: ParsedFile[] }>) => {
      waiting.get(e.data.id)?.resolve(e.data.files);
      waiting.delete(e.data.id);
    };
    w.onerror = (e) => {
      for (const p of waiting.values()) p.reject(new Error(`ingest reading worker: ${e.message}`));
      waiting.clear();
    };
  }
  const sizeOf = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return {
    async read(paths) {
      const lists = splitByBytes(paths, pool.length, sizeOf);
      const parts = await Promise.all(
        lists.map(
          (list, i) =>
            new Promise<ParsedFile[]>((resolve, reject) => {
              const id = ++seq;
              waiting.set(id, { resolve, reject });
              pool[i]!.postMessage({ id, paths: list });
            }),
        ),
      );
      return new Map(parts.flat().map((f) => [f.path, f]));
    },
    close() {
      for (const w of pool) w.terminate();
    },
  };
}
