/**
 * The sink factories: `createSinks` builds exactly the enabled sinks, always in the order
 * csv, status, panels, influx, and gives each panels sink its own summary builder.
 */
import { describe, expect, test } from "bun:test";
import { createSinks, SINK_FACTORIES } from "../../src/app.ts";
import type { SnapshotBuilder } from "../../src/contracts/index.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import type { PanelSnapshot } from "../../src/sinks/panels/sink.ts";
import { buildSinks } from "../../src/sinks/registry.ts";
import { tempDir, testConfig } from "../helpers/engine.ts";

const calendar = createMarketCalendar({ holidays: [] });

function namesFor(storage: { csv: boolean; status: boolean; panels: boolean; influx?: boolean }): string[] {
  const config = testConfig({
    storage: {
      data_dir: tempDir(),
      csv: { enabled: storage.csv },
      status: { enabled: storage.status },
      panels: { enabled: storage.panels },
      influx: { enabled: storage.influx ?? false },
    },
  });
  return createSinks(config, calendar, { now: () => 0, pool: null }).map((s) => s.name);
}

describe("sink factories", () => {
  test("the documented order: csv, status, panels, influx, webhook (the last two off unless enabled)", () => {
    expect(SINK_FACTORIES.map((f) => f.name)).toEqual(["csv", "status", "panels", "influx", "webhook"]);
    expect(namesFor({ csv: true, status: true, panels: true })).toEqual(["csv", "status", "panels"]);
    expect(namesFor({ csv: true, status: true, panels: true, influx: true })).toEqual(["csv", "status", "panels", "influx"]);
    expect(namesFor({ csv: false, status: false, panels: false, influx: true })).toEqual(["influx"]);
  });

  test("exactly the enabled sinks, in order", () => {
    expect(namesFor({ csv: true, status: false, panels: true })).toEqual(["csv", "panels"]);
    expect(namesFor({ csv: false, status: true, panels: false })).toEqual(["status"]);
    expect(namesFor({ csv: false, status: false, panels: true })).toEqual(["panels"]);
    expect(namesFor({ csv: false, status: false, panels: false })).toEqual([]);
  });

  test("the summary builder is asked for only when the panels sink is built", () => {
    const config = testConfig({ storage: { data_dir: tempDir(), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: true } } });
    let asked = 0;
    const summary = (): SnapshotBuilder<PanelSnapshot> => {
      asked += 1;
      return () => {
        throw new Error("no cycle is written in this test");
      };
    };
    expect(buildSinks(SINK_FACTORIES, { config, calendar, now: () => 0, summary }).map((s) => s.name)).toEqual(["panels"]);
    expect(asked).toBe(1);
    const off = testConfig({ storage: { data_dir: tempDir(), panels: { enabled: false } } });
    expect(buildSinks(SINK_FACTORIES, { config: off, calendar, now: () => 0, summary }).map((s) => s.name)).toEqual(["csv", "status"]);
    expect(asked).toBe(1);
  });
});
