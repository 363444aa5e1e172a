/**
 * Worker entry point of g6 ingest's reading: reads and parses the G6 CSV files it is sent with
 * the G6 CSV reader and posts the parsed files back (or why a file could not be read). The work
 * is `readG6Csv`; see src/ingest-read.ts. The parsed columns' buffers are transferred, not
 * copied: the main thread receives them as they are.
 */
import { readFileSync } from "node:fs";
import { readG6Csv } from "../src/g6csv/read.ts";
import type { ParsedFile } from "../src/providers/replay/recording.ts";
import { columnBuffers } from "../src/ingest-read.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ id: number; paths: string[] }>) => {
  const { id, paths } = event.data;
  const files: ParsedFile[] = paths.map((path) => {
    try {
      return { path, csv: readG6Csv(readFileSync(path), { path }) };
    } catch (err) {
      return { path, error: err instanceof Error ? err.message : String(err) };
    }
  });
  self.postMessage({ id, files }, columnBuffers(files));
};
