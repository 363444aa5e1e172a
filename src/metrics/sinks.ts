/**
 * instrumentSink: times each write and flush of a sink into the storage group. Counting rows,
 * bytes and errors stays with the engine (EngineStats.sinks); this only adds latencies and
 * flush failures, and rethrows every error unchanged.
 */
import type { STORAGE_METRICS } from "./groups/storage.ts";
import type { GroupHandles } from "./types.ts";
import type { Sink } from "../contracts/index.ts";

/** Wraps `sink`; `elapsed` is a monotonic clock in milliseconds (exported in seconds). */
export function instrumentSink(sink: Sink, metrics: GroupHandles<typeof STORAGE_METRICS>, elapsed: () => number = () => performance.now()): Sink {
  const labels = { sink: sink.name };
  return {
    name: sink.name,
    open: () => sink.open(),
    async write(result, stats) {
      const t0 = elapsed();
      try {
        return await sink.write(result, stats);
      } finally {
        metrics.writeLatency.observe(labels, (elapsed() - t0) / 1000);
      }
    },
    async flush() {
      const t0 = elapsed();
      try {
        await sink.flush();
      } catch (err) {
        metrics.errors.inc(labels);
        throw err;
      } finally {
        metrics.flushLatency.observe(labels, (elapsed() - t0) / 1000);
      }
    },
    close: () => sink.close(),
    ...(sink.market ? { market: sink.market.bind(sink) } : {}),
  };
}
