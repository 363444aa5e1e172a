/** The `storage` group (always on): what each sink wrote, its errors and latencies. */
import { describe, SECONDS_BUCKETS } from "../types.ts";

const m = describe("storage");

export const STORAGE_METRICS = {
  rows: m("counter", "g6_storage_rows_written_total", "Rows (CSV) or points (time series) written, by sink.", ["sink"]),
  bytes: m("counter", "g6_storage_written_bytes_total", "Bytes written, by sink.", ["sink"]),
  duplicates: m("counter", "g6_storage_duplicates_skipped_total", "Rows skipped because the file already held that instant, by sink.", ["sink"]),
  errors: m("counter", "g6_storage_errors_total", "Writes or flushes that failed, by sink.", ["sink"]),
  failing: m("gauge", "g6_storage_failing_targets", "Targets (files, endpoints) the sink could not write in the last cycle, by sink.", ["sink"]),
  writeLatency: m("histogram", "g6_storage_write_duration_seconds", "Time to write one cycle, by sink.", ["sink"], SECONDS_BUCKETS),
  flushLatency: m("histogram", "g6_storage_flush_duration_seconds", "Time to flush, by sink.", ["sink"], SECONDS_BUCKETS),
} as const;
