/**
 * instrumentProvider: a Provider that times and counts every call of the one it wraps, and
 * tracks whether it is open (for /readyz). It never retries, waits or changes results: errors
 * are counted by code and rethrown unchanged.
 */
import type { PROVIDER_METRICS, ProviderEndpoint } from "./groups/provider.ts";
import type { GroupHandles } from "./types.ts";
import { type Provider, ProviderError } from "../contracts/index.ts";

export type InstrumentedProvider = Provider & {
  /** True between a successful `open()` and `close()`. */
  readonly isOpen: boolean;
};

/**
 * Wraps `provider`; `elapsed` is a monotonic clock in milliseconds (latencies are exported in
 * seconds). Calls may overlap exactly as the Provider contract allows.
 */
export function instrumentProvider(
  provider: Provider,
  metrics: GroupHandles<typeof PROVIDER_METRICS>,
  elapsed: () => number = () => performance.now(),
): InstrumentedProvider {
  let open = false;
  metrics.open.set(0);
  async function timed<T>(endpoint: ProviderEndpoint, call: () => Promise<T>): Promise<T> {
    const t0 = elapsed();
    try {
      const out = await call();
      metrics.requests.inc({ endpoint, result: "ok" });
      return out;
    } catch (err) {
      const code = err instanceof ProviderError ? err.code : "fatal";
      metrics.requests.inc({ endpoint, result: "error" });
      metrics.errors.inc({ endpoint, code });
      if (code === "rate_limited") metrics.rateLimited.inc({ endpoint });
      throw err;
    } finally {
      metrics.latency.observe({ endpoint }, (elapsed() - t0) / 1000);
    }
  }
  return {
    name: provider.name,
    capabilities: provider.capabilities,
    get isOpen() {
      return open;
    },
    async open(signal) {
      await timed("open", () => provider.open(signal));
      open = true;
      metrics.open.set(1);
    },
    listExpiries: (index, today, signal) => timed("list_expiries", () => provider.listExpiries(index, today, signal)),
    instruments: (index, expiry, signal) => timed("instruments", () => provider.instruments(index, expiry, signal)),
    spot: (indices, at, signal) => timed("spot", () => provider.spot(indices, at, signal)),
    quotes: (batch, at, range, signal) => timed("quotes", () => provider.quotes(batch, at, range, signal)),
    async close() {
      open = false;
      metrics.open.set(0);
      await timed("close", () => provider.close());
    },
  };
}
