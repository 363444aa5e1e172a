/** The status sink runs the sink conformance suite. */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createStatusSink } from "../../src/sinks/status/sink.ts";
import { sinkConformance } from "../conformance/sink.case.ts";

sinkConformance(
  "status",
  (dir) => {
    const file = join(dir, "status.json");
    return {
      sink: createStatusSink({ file, now: () => Date.UTC(2026, 10, 20, 5, 0, 0) }),
      bytesOnDisk: () => (existsSync(file) ? statSync(file).size : 0),
      // A directory where the status file goes: the rename over it fails.
      breakTarget: () => {
        mkdirSync(file);
        return file;
      },
    };
  },
  { lacks: [] },
);
