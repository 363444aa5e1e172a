/** Every metric group's descriptors, in catalog order, and which groups a config enables. */
import type { G6Config } from "../config/schema.ts";
import { ANALYTICS_METRICS } from "./groups/analytics.ts";
import { CHAIN_METRICS } from "./groups/chain.ts";
import { CYCLE_METRICS } from "./groups/cycle.ts";
import { INDEX_METRICS } from "./groups/index.ts";
import { OPTION_DETAIL_METRICS } from "./groups/option-detail.ts";
import { POOL_METRICS } from "./groups/pool.ts";
import { PROCESS_METRICS } from "./groups/process.ts";
import { PROVIDER_METRICS } from "./groups/provider.ts";
import { STORAGE_METRICS } from "./groups/storage.ts";
import { ALWAYS_ON_GROUPS, METRIC_GROUPS, type MetricDescriptor, type MetricGroup } from "./types.ts";

export const CATALOG = {
  cycle: CYCLE_METRICS,
  index: INDEX_METRICS,
  chain: CHAIN_METRICS,
  analytics: ANALYTICS_METRICS,
  provider: PROVIDER_METRICS,
  storage: STORAGE_METRICS,
  pool: POOL_METRICS,
  process: PROCESS_METRICS,
  option_detail: OPTION_DETAIL_METRICS,
} as const satisfies Record<MetricGroup, Readonly<Record<string, MetricDescriptor>>>;

/** All descriptors, grouped in METRIC_GROUPS order. */
export function allDescriptors(): MetricDescriptor[] {
  return METRIC_GROUPS.flatMap((g) => Object.values(CATALOG[g]));
}

/** The groups a config turns on: the always-on groups plus `metrics.groups`. */
export function enabledGroups(config: Readonly<G6Config>): Set<MetricGroup> {
  return new Set<MetricGroup>([...ALWAYS_ON_GROUPS, ...config.metrics.groups]);
}
