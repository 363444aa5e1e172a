/** Series estimates for the cardinality guard, from the descriptors and the cycle's shape. */
import { BUILDUP_CLASSES, IV_FAILURE_REASONS } from "../analytics/index.ts";
import { CATALOG } from "./catalog.ts";
import { PROVIDER_ENDPOINTS } from "./groups/provider.ts";
import type { MetricDescriptor, MetricGroup } from "./types.ts";
import { ERROR_CODES } from "../contracts/index.ts";

/** How many values each bounded label takes in a cycle. */
export type LabelCounts = { indices: number; expiries: number; sinks: number };

function labelValues(label: string, c: LabelCounts): number {
  switch (label) {
    case "index":
      return c.indices;
    case "phase":
      return 6;
    case "endpoint":
      return PROVIDER_ENDPOINTS.length;
    case "result":
      return 2;
    case "code":
      return ERROR_CODES.length;
    case "sink":
      return c.sinks;
    case "reason":
      return IV_FAILURE_REASONS.length;
    case "kind":
      return 3;
    case "status":
      return 3;
    case "stage":
      return 2;
    case "severity":
      return 3;
    case "direction":
      return 2;
    case "step":
      return 3;
    case "side":
      return 2;
    case "class":
      return BUILDUP_CLASSES.length;
    default:
      return 1;
  }
}

/** Series one descriptor exposes (histograms: buckets, +Inf, sum and count per label set). */
export function descriptorSeries(d: MetricDescriptor, c: LabelCounts): number {
  // index × expiry pairs are the batch's groups, not the product of the two counts.
  const labels = d.labels.includes("expiry") ? d.labels.filter((l) => l !== "index" && l !== "expiry") : d.labels;
  let n = d.labels.includes("expiry") ? c.expiries : 1;
  for (const l of labels) n *= labelValues(l, c);
  return d.type === "histogram" ? n * ((d.buckets?.length ?? 0) + 3) : n;
}

/** Series of the enabled groups other than option_detail (whose share the guard decides). */
export function estimateBaseSeries(enabled: ReadonlySet<MetricGroup>, c: LabelCounts): number {
  let total = 0;
  for (const g of enabled) {
    if (g === "option_detail") continue;
    for (const d of Object.values(CATALOG[g])) total += descriptorSeries(d, c);
  }
  return total;
}
