/** Registration of descriptor groups into an injected prom-client Registry. */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { GroupDescriptors, GroupHandles, MetricDescriptor } from "./types.ts";

function register(registry: Registry, d: MetricDescriptor): Counter<string> | Gauge<string> | Histogram<string> {
  const common = { name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] };
  if (d.type === "counter") return new Counter(common);
  if (d.type === "gauge") return new Gauge(common);
  return new Histogram({ ...common, buckets: [...(d.buckets ?? [])] });
}

/**
 * Registers every descriptor of a group into `registry` and returns the metric objects under
 * the descriptors' keys. Throws when a name is already registered (each name is declared once).
 */
export function registerGroup<const G extends GroupDescriptors>(registry: Registry, group: G): GroupHandles<G> {
  const out: Record<string, Counter<string> | Gauge<string> | Histogram<string>> = {};
  for (const [key, d] of Object.entries(group)) out[key] = register(registry, d);
  // Each entry was built from its descriptor's `type`, which is what GroupHandles maps.
  return out as GroupHandles<G>;
}
