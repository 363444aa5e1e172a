/**
 * The metric groups a config may switch on (`metrics.groups`). Config declares the names (they
 * are part of the config schema); src/metrics maps each to its metrics and imports this list,
 * never the reverse. The always-on groups (cycle, provider, storage) are not configurable.
 */
export const OPTIONAL_GROUPS = ["index", "chain", "analytics", "pool", "process", "option_detail"] as const;
