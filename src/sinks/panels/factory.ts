/** The panels sink (`storage.panels`): the summary snapshot as panel JSON files. */
import type { SinkFactory } from "../registry.ts";
import { underDataDir } from "../csv/sink.ts";
import { createPanelsSink } from "./sink.ts";

export const panelsSinkFactory: SinkFactory = {
  name: "panels",
  enabled: (config) => config.storage.panels.enabled,
  create: ({ config: { storage }, now, summary }) =>
    createPanelsSink({ dir: underDataDir(storage.data_dir, storage.panels.dir), everyNCycles: storage.panels.every_n_cycles, snapshot: summary(), now }),
};
