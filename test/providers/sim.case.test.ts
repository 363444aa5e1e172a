/** The simulator runs the provider conformance suite. */
import { createMarketCalendar } from "../../src/market/index.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import { FIXTURE_AT } from "../../bench/support.ts";
import { testConfig } from "../helpers/engine.ts";
import { providerConformance } from "../conformance/provider.case.ts";

providerConformance(
  "sim",
  (seed) => {
    const config = testConfig({ pool: { size: 0 }, provider: { sim: seed === undefined ? {} : { seed } } });
    return {
      provider: createSimProvider({ config, calendar: createMarketCalendar({ holidays: [] }) }),
      at: FIXTURE_AT,
      indices: ["NIFTY", "BANKNIFTY", "SENSEX"],
      unknownIndex: "NOSUCHINDEX",
    };
  },
  // The simulator has no upstream to fail.
  { lacks: ["upstream_failure"] },
);
