/** The runtime status sink (`storage.status`): one JSON file rewritten each cycle. */
import type { SinkFactory } from "../registry.ts";
import { underDataDir } from "../csv/sink.ts";
import { createStatusSink } from "./sink.ts";

export const statusSinkFactory: SinkFactory = {
  name: "status",
  enabled: (config) => config.storage.status.enabled,
  create: ({ config: { storage }, now }) => createStatusSink({ file: underDataDir(storage.data_dir, storage.status.file), now }),
};
