/** The CSV sink runs the sink conformance suite. */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { overviewPath } from "../../src/g6csv/index.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createCsvSink } from "../../src/sinks/csv/sink.ts";
import { sinkConformance } from "../conformance/sink.case.ts";
import { listFiles } from "../helpers/engine.ts";

sinkConformance(
  "csv",
  (dir) => ({
    sink: createCsvSink({ dir, layout: "g6", maxOpenFiles: 64, syncIntervalSeconds: 0, calendar: createMarketCalendar({ holidays: [] }) }),
    bytesOnDisk: () => (readdirSync(dir).length ? listFiles(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0) : 0),
    // A directory where the first index's overview file goes.
    breakTarget: (result) => {
      const path = overviewPath(dir, result.indices[0]!.index, result.date);
      mkdirSync(path, { recursive: true });
      return path;
    },
  }),
  { lacks: [] },
);
