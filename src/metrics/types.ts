/**
 * Metric descriptors: plain data that declares a metric once (name, help, type, labels,
 * buckets, group). Registration (registry.ts) and the catalog (docs.ts) both read them, so the
 * exposition and docs/METRICS.md cannot drift apart.
 */
import type { Counter, Gauge, Histogram } from "prom-client";
import { OPTIONAL_GROUPS } from "../config/metric-groups.ts";

/** Metric groups. `cycle`, `provider` and `storage` are always on; the rest follow `metrics.groups`. */
export const METRIC_GROUPS = ["cycle", "index", "chain", "analytics", "provider", "storage", "pool", "process", "option_detail"] as const;
export type MetricGroup = (typeof METRIC_GROUPS)[number];
export const ALWAYS_ON_GROUPS: readonly MetricGroup[] = ["cycle", "provider", "storage"];
/** Every configurable group is a metric group (a type error here means the lists drifted apart). */
export const OPTIONAL_METRIC_GROUPS: readonly MetricGroup[] = OPTIONAL_GROUPS;

export type MetricType = "counter" | "gauge" | "histogram";

/**
 * One metric. `labels` name bounded sets only (index, expiry tag, phase, endpoint, error code…);
 * `buckets` (histograms) are in the metric's base unit.
 */
export type MetricDescriptor = {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
  readonly group: MetricGroup;
};

/** A group's descriptors keyed by a short handle name. */
export type GroupDescriptors = Readonly<Record<string, MetricDescriptor>>;

/** The prom-client object a descriptor registers as. */
export type MetricOf<D extends MetricDescriptor> = D["type"] extends "counter"
  ? Counter<string>
  : D["type"] extends "gauge"
    ? Gauge<string>
    : Histogram<string>;

/** Registered metric objects of a group, keyed like its descriptors. */
export type GroupHandles<G extends GroupDescriptors> = { readonly [K in keyof G]: MetricOf<G[K]> };

/** A descriptor builder bound to one group: `describe("cycle")("counter", "g6_cycles_total", "…")`. */
export function describe(group: MetricGroup) {
  return <const T extends MetricType>(
    type: T,
    name: string,
    help: string,
    labels: readonly string[] = [],
    buckets?: readonly number[],
  ): MetricDescriptor & { readonly type: T } => (buckets ? { name, help, type, labels, buckets, group } : { name, help, type, labels, group });
}

/** Buckets for durations, seconds: 1 ms … 60 s. */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
