import type { EnrichParams } from "../chain/enrich.ts";
import type { G6Config } from "../config/schema.ts";

/** Parameters of enrichment from config. */
export function enrichParams(config: Readonly<G6Config>): EnrichParams {
  return {
    r: config.risk_free_rate,
    tick: config.analytics.tick,
    maxSpreadFraction: config.analytics.max_spread_fraction,
    parityStrikes: config.analytics.parity_strikes,
  };
}
