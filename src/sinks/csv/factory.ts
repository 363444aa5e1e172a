/** The CSV sink (`storage.csv`): the Python G6's option files. */
import type { SinkFactory } from "../registry.ts";
import { createCsvSink, underDataDir } from "./sink.ts";

export const csvSinkFactory: SinkFactory = {
  name: "csv",
  enabled: (config) => config.storage.csv.enabled,
  create: ({ config: { storage }, calendar }) =>
    createCsvSink({
      dir: underDataDir(storage.data_dir, storage.csv.dir),
      layout: storage.csv.layout,
      maxOpenFiles: storage.csv.max_open_files,
      syncIntervalSeconds: storage.csv.sync_interval_seconds,
      calendar,
    }),
};
