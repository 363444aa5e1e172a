/** The metric catalog (docs/METRICS.md), generated from the descriptors. */
import { CATALOG } from "./catalog.ts";
import { STREAM_METRICS } from "./groups/provider.ts";
import { ALWAYS_ON_GROUPS, METRIC_GROUPS, type MetricGroup } from "./types.ts";

const GROUP_NOTES: Record<MetricGroup, string> = {
  cycle: "Cycles, durations per phase, overruns, skipped ticks, budget use and the cardinality guard.",
  index: "Per index: spot, ATM, legs requested and collected, status.",
  chain: "Per index and expiry (the tag in ladder mode, the expiry date in universe mode): PCR, max pain, ATM IV, implied move, coverage.",
  analytics: "Implied-volatility solves and failures by reason.",
  provider: "Every Provider call: requests by endpoint and result, latency, rate-limit refusals, errors by code.",
  storage: "Per sink: rows, bytes, duplicates skipped, errors, write and flush latency.",
  pool: "The compute worker pool: workers, jobs, retries, restarts, failures, shards per cycle.",
  process: "The G6 process: CPU, memory, start time (read at scrape time).",
  option_detail:
    "Per strike and side, opt-in. The cardinality guard limits it to every strike, a band of `metrics.option_detail.band_strikes` around ATM, or nothing, to stay under `metrics.series_budget`.",
};

/** The catalog as Markdown (deterministic: the sync test compares it byte for byte). */
export function metricsCatalog(): string {
  const out = [
    "# G6 metrics",
    "",
    "Generated from the metric descriptors in `src/metrics/groups/` by `bun run metrics:docs`",
    "(or `g6 metrics docs`); do not edit by hand. Served at `GET /metrics` in the Prometheus text format.",
    "",
    "Groups `cycle`, `provider` and `storage` are always on; the others follow `metrics.groups`",
    "(default: index, chain, analytics, pool, process; `option_detail` is opt-in). Units are base",
    "units (seconds, bytes); `_ratio` values are fractions; prices and strikes are index points.",
    "",
  ];
  for (const g of METRIC_GROUPS) {
    out.push(`## \`${g}\`${ALWAYS_ON_GROUPS.includes(g) ? " (always on)" : ""}`, "", GROUP_NOTES[g], "");
    out.push("| name | type | labels | help |", "|---|---|---|---|");
    // The stream figures are the provider group's, registered only when the provider streams.
    for (const d of [...Object.values(CATALOG[g]), ...(g === "provider" ? Object.values(STREAM_METRICS) : [])]) {
      out.push(`| \`${d.name}\` | ${d.type} | ${d.labels.map((l) => `\`${l}\``).join(", ") || "—"} | ${d.help} |`);
    }
    out.push("");
  }
  return out.join("\n");
}
