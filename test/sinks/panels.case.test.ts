/** The panels sink runs the sink conformance suite. */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createPanelsSink } from "../../src/sinks/panels/sink.ts";
import { createSummaryTracker, snapshotOf } from "../../src/summary/tracker.ts";
import { sinkConformance } from "../conformance/sink.case.ts";

const NOW = Date.UTC(2026, 10, 20, 5, 0, 0);

sinkConformance(
  "panels",
  (base) => {
    const dir = join(base, "panels");
    const tracker = createSummaryTracker({
      calendar: createMarketCalendar({ holidays: [] }),
      windowCycles: 10,
      links: { metricsUrl: null, dataDir: base },
      now: () => NOW,
      pool: () => null,
    });
    const current = join(dir, "current");
    return {
      sink: createPanelsSink({ dir, everyNCycles: 1, snapshot: snapshotOf(tracker), now: () => NOW }),
      // The generation `current` points at (after the first write every file in it is new).
      bytesOnDisk: () => (existsSync(current) ? readdirSync(current).reduce((n, f) => n + statSync(join(current, f)).size, 0) : 0),
      // A file where the panels directory goes: no generation can be made in it.
      breakTarget: () => {
        rmSync(dir, { recursive: true, force: true });
        writeFileSync(dir, "not a directory\n");
        return dir;
      },
    };
  },
  // The panels' rolling window observes every cycle written to it: a cycle written twice would
  // count twice. The panels sink never fails retriably (its faults are file-system faults).
  { lacks: ["repeatable_write"] },
);
