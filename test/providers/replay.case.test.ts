/**
 * The replay provider runs the provider conformance suite over a session recorded by the real
 * engine on the simulator, and over the Python G6 fixture day. A recording has no seed (the
 * same files give the same answers, there is no other seed to differ) and no upstream to fail.
 */
import { join } from "node:path";
import { createExchangeCalendars, istEpoch } from "../../src/market/index.ts";
import { createComputePort } from "../../src/engine/compute.ts";
import { replayProviderFactory } from "../../src/providers/replay/factory.ts";
import { FIXTURE_DATE } from "../fixtures/python-g6/generate.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { providerConformance } from "../conformance/provider.case.ts";

const recordedDir = tempDir("g6-recorded-");
await runEngine(testConfig({ interval: 60, pool: { size: 0 }, storage: { data_dir: recordedDir }, provider: { sim: { seed: 3, start: "2026-11-20T10:28" } } }), 4);

function replayOf(path: string, date: string, at: number, indices: string[]) {
  return () => {
    const config = testConfig({ storage: { data_dir: tempDir() }, provider: { kind: "replay", replay: { path, date } } });
    const calendars = createExchangeCalendars(config.market);
    const made = replayProviderFactory.create({ config, calendar: calendars.NSE, calendars, compute: createComputePort(null), now: () => 0, intervalMs: () => 0 });
    return { provider: made.provider, at, indices, unknownIndex: "NOSUCHINDEX" };
  };
}

const lacks = ["deterministic", "upstream_failure"] as const;
providerConformance("replay (a simulator session)", replayOf(join(recordedDir, "g6_data"), "2026-11-20", istEpoch("2026-11-20", "10:30"), ["NIFTY", "BANKNIFTY", "SENSEX"]), { lacks });
providerConformance("replay (a Python G6 day)", replayOf(join(import.meta.dir, "../fixtures/python-g6/g6_data"), FIXTURE_DATE, istEpoch(FIXTURE_DATE, "09:15:30"), ["NIFTY"]), { lacks });
