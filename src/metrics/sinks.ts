/**
 * instrumentSink: times each write (or delivery) and flush of a sink into the storage group.
 * Counting rows, bytes, errors and the queue stays with the running sink (EngineStats.sinks);
 * this only adds latencies and flush failures, keeps the sink's declared queue policy, and
 * rethrows every error unchanged.
 */
import type { STORAGE_METRICS } from "./groups/storage.ts";
import type { GroupHandles } from "./types.ts";
import { isSpoolable, type Sink, type SpoolableSink } from "../contracts/index.ts";

/** Wraps `sink`; `elapsed` is a monotonic clock in milliseconds (exported in seconds). */
export function instrumentSink(sink: Sink, metrics: GroupHandles<typeof STORAGE_METRICS>, elapsed: () => number = () => performance.now()): Sink {
  const labels = { sink: sink.name };
  const wrapped: Sink = {
    name: sink.name,
    ...(sink.queue ? { queue: sink.queue } : {}),
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
  if (!isSpoolable(sink)) return wrapped;
  // A spoolable sink's deliveries are its writes (a cycle, or a payload from the spool).
  const spoolable: SpoolableSink = {
    ...wrapped,
    encode: (result, stats) => sink.encode(result, stats),
    async deliver(payload, signal) {
      const t0 = elapsed();
      try {
        return await sink.deliver(payload, signal);
      } finally {
        metrics.writeLatency.observe(labels, (elapsed() - t0) / 1000);
      }
    },
  };
  return spoolable;
}
