/** The `pool` group: the compute worker pool (src/engine/pool.ts stats and per-cycle events). */
import { describe } from "../types.ts";

const m = describe("pool");

export const POOL_METRICS = {
  workers: m("gauge", "g6_pool_workers", "Live compute workers."),
  jobs: m("counter", "g6_pool_jobs_total", "Compute jobs (shards) run, on workers or inline."),
  inline: m("counter", "g6_pool_inline_jobs_total", "Compute jobs run inline on the main thread."),
  retries: m("counter", "g6_pool_retries_total", "Jobs retried on a fresh worker after a failure."),
  restarts: m("counter", "g6_pool_restarts_total", "Workers replaced after a failure."),
  failures: m("counter", "g6_pool_failures_total", "Worker failures by kind (error, exit, timeout).", ["kind"]),
  shards: m("gauge", "g6_pool_cycle_shards", "Shards of the last cycle, by stage (fetch, enrich).", ["stage"]),
} as const;
