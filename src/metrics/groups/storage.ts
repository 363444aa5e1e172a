/** The `storage` group (always on): what each sink wrote, its queue, errors and latencies (the running sink's counters). */
import { describe, SECONDS_BUCKETS } from "../types.ts";

const m = describe("storage");

export const STORAGE_METRICS = {
  rows: m("counter", "g6_storage_rows_written_total", "Rows (CSV) or points (time series) written, by sink.", ["sink"]),
  bytes: m("counter", "g6_storage_written_bytes_total", "Bytes written, by sink.", ["sink"]),
  duplicates: m("counter", "g6_storage_duplicates_skipped_total", "Rows skipped because the file already held that instant, by sink.", ["sink"]),
  rejected: m("counter", "g6_storage_rows_rejected_total", "Rows the target refused for good (a bad value, a type conflict), by sink.", ["sink"]),
  errors: m("counter", "g6_storage_errors_total", "Writes that failed for good, and targets faulted in a write, by sink.", ["sink"]),
  failing: m("gauge", "g6_storage_failing_targets", "Targets (files, endpoints) the sink could not write in its last write, or 1 while a write is retried or stalled, by sink.", ["sink"]),
  cycles: m("counter", "g6_storage_cycles_written_total", "Cycles written (or spooled), by sink.", ["sink"]),
  dropped: m("counter", "g6_storage_cycles_dropped_total", "Cycles not written: superseded in a drop_oldest queue (the status file keeps only the newest), failed for good, or still queued at shutdown, by sink.", ["sink"]),
  retries: m("counter", "g6_storage_retries_total", "Write attempts repeated after a failure a retry can fix, by sink.", ["sink"]),
  blocked: m("counter", "g6_storage_blocked_total", "Cycles that waited for room in a full queue (block policy), by sink.", ["sink"]),
  queued: m("gauge", "g6_storage_queued_cycles", "Cycles waiting to be written (the one being written included), by sink.", ["sink"]),
  spooled: m("gauge", "g6_storage_spooled_payloads", "Payloads (cycles) waiting in the sink's spool on disk, by sink.", ["sink"]),
  spoolBytes: m("gauge", "g6_storage_spool_bytes", "Bytes waiting in the sink's spool on disk, by sink.", ["sink"]),
  spoolOldest: m("gauge", "g6_storage_spool_oldest_seconds", "Age of the oldest payload still waiting in the spool, i.e. of the oldest line not yet accepted by the target (0: none), by sink.", ["sink"]),
  degraded: m("gauge", "g6_storage_degraded", "1 while a spooling sink's target is unreachable and its spool keeps every payload (behind, nothing lost; still ready), by sink.", ["sink"]),
  deadLettered: m("counter", "g6_storage_rows_dead_lettered_total", "Rows (points) the target refused for good that were set aside in the dead-letter file (also counted as rejected), by sink.", ["sink"]),
  lag: m("gauge", "g6_storage_lag_seconds", "How long the last written cycle waited between hand-over and written, by sink.", ["sink"]),
  oldest: m("gauge", "g6_storage_oldest_queued_seconds", "Age of the oldest cycle waiting to be written (0: none waiting), by sink.", ["sink"]),
  writeLatency: m("histogram", "g6_storage_write_duration_seconds", "Time to write one cycle, by sink.", ["sink"], SECONDS_BUCKETS),
  flushLatency: m("histogram", "g6_storage_flush_duration_seconds", "Time to flush, by sink.", ["sink"], SECONDS_BUCKETS),
} as const;
